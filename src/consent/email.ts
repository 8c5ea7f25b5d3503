/**
 * E-mail addresses as the service keys them: trimmed, lower-cased, the domain in ASCII
 * (IDNA, so `почта.рф` and `xn--80a1acny.xn--p1ai` are one address).
 */

// RFC 5322 dot-atom text, widened to Unicode letters and digits (RFC 6531 addresses exist in
// Russia); quoted local parts are refused: no sender we feed accepts them.
const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Normalizes and validates an address; returns null if it is not one we can mail.
 *
 * @example
 * normalizeEmail('  Ivan@ПОЧТА.рф ') // 'ivan@xn--80a1acny.xn--p1ai'
 */
export function normalizeEmail(input: string): string | null {
  const trimmed = input.trim();
  if (trimmed.length === 0 || trimmed.length > 320) return null;
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return null;
  const local = trimmed.slice(0, at).toLowerCase();
  const domain = toAsciiDomain(trimmed.slice(at + 1));
  if (!domain) return null;
  if (local.length > 64 || !LOCAL_PART.test(local)) return null;
  const email = `${local}@${domain}`;
  return email.length <= 254 ? email : null;
}

function toAsciiDomain(raw: string): string | null {
  const d = raw.toLowerCase().replace(/\.$/, '');
  if (!d || /[\s/\\?#@:[\]%]/.test(d)) return null;
  let ascii: string;
  try {
    // WHATWG URL applies UTS #46 (IDNA) on every runtime we target, Workers included.
    ascii = new URL(`http://${d}/`).hostname;
  } catch {
    return null;
  }
  const labels = ascii.split('.');
  if (labels.length < 2 || ascii.length > 253) return null;
  if (!labels.every((l) => LABEL.test(l))) return null;
  // A numeric top-level label means an IP address, not a mail domain.
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return null;
  return ascii;
}
