/**
 * The `mailto:` entry of `List-Unsubscribe` and the rules that read a message sent to it: where
 * the link token rides (the address or the subject), which messages are a machine's and not a
 * person's (bounces, auto-replies), and which recipients are ours. Pure: the SMTP listener
 * (src/node/inbound-smtp.ts) and the inbound webhook (./inbound-routes.ts) both reduce a message
 * to an {@link InboundMail} and hand it to `unsubscribeByMail()` (./by-mail.ts).
 */

/** RFC 5321 4.5.3.1.1: a local part is at most 64 octets. */
export const LOCAL_PART_MAX_OCTETS = 64;

/** A compact JWS (our link tokens): three base64url segments. Long enough not to match words. */
const TOKEN_IN_TEXT = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g;
const TOKEN_WHOLE = /^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}$/;

/** At most this many candidate tokens are verified per message (a subject stuffed with tokens costs no more). */
export const MAX_TOKEN_CANDIDATES = 3;

/** What the rules need of one inbound message, whichever way it came in. */
export interface InboundMail {
  /**
   * The envelope sender (SMTP `MAIL FROM`): `''` for the null reverse path `<>` (bounces, and
   * auto-replies that follow RFC 3834), null when the way in does not say.
   */
  envelopeFrom: string | null;
  /** The envelope recipients (RCPT TO) if known, else the To/Cc of the message. */
  recipients: string[];
  subject: string;
  /** Header fields by lower-case name, each with every value it had. */
  headers: ReadonlyMap<string, readonly string[]>;
  /** The top-level media type (`multipart/report` is a delivery or disposition report). */
  contentType?: string | null;
}

/**
 * The `mailto:` URI of `List-Unsubscribe` for one link token. The token rides in the address
 * (`unsubscribe+TOKEN@domain`, RFC 5233 subaddressing) only while `unsubscribe+TOKEN` fits the
 * 64 octets RFC 5321 allows a local part; a signed link token is longer than that (about 200
 * characters), so in practice it rides in the subject (`?subject=unsubscribe%20TOKEN`): every
 * mailbox that sends mailto unsubscribes keeps the subject it is given, and a subject has no
 * length limit that matters here (RFC 5322 folds long lines; parsers unfold them). A token is
 * base64url with two dots: safe in a URI query and in a local part without escaping. Both forms
 * are read back by {@link tokenCandidates}.
 *
 * @example
 * mailtoUri('unsubscribe@prefs.example.ru', 'eyJ….eyJ….sig') // 'mailto:unsubscribe@prefs.example.ru?subject=unsubscribe%20eyJ….eyJ….sig'
 */
export function mailtoUri(address: string, token: string): string {
  const at = address.lastIndexOf('@');
  const local = `${address.slice(0, at)}+${token}`;
  if (new TextEncoder().encode(local).length <= LOCAL_PART_MAX_OCTETS) return `mailto:${local}${address.slice(at)}?subject=unsubscribe`;
  return `mailto:${address}?subject=unsubscribe%20${token}`;
}

/** Splits an address into its local part's base (before `+`), its detail (after `+`) and its domain. */
function splitAddress(address: string): { base: string; detail: string | null; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  const local = address.slice(0, at);
  const plus = local.indexOf('+');
  return { base: plus < 0 ? local : local.slice(0, plus), detail: plus < 0 ? null : local.slice(plus + 1), domain: address.slice(at + 1) };
}

/**
 * Whether an address is the unsubscribe address, with or without a `+detail`. The domain and the
 * base of the local part compare case-insensitively (what every mail system does in practice);
 * the detail, which carries a case-sensitive token, is kept as it came.
 *
 * @example
 * isUnsubscribeAddress('Unsubscribe+x@PREFS.example.ru', 'unsubscribe@prefs.example.ru') // true
 */
export function isUnsubscribeAddress(address: string, unsubscribeAddress: string): boolean {
  const a = splitAddress(address.trim().replace(/^<|>$/g, ''));
  const u = splitAddress(unsubscribeAddress);
  return !!a && !!u && a.base.toLowerCase() === u.base.toLowerCase() && a.domain.toLowerCase() === u.domain.toLowerCase();
}

/**
 * The strings in a message that may be its link token, in the order they are tried: the detail
 * of a recipient that is the unsubscribe address, then tokens in the subject (anywhere in it:
 * mailboxes add `Re:`, `Fwd:`, tags). At most {@link MAX_TOKEN_CANDIDATES}, each once. Only
 * the recipients and the subject are read, never the body: a quoted earlier message in a body
 * could carry someone else's token.
 *
 * @example
 * tokenCandidates({ recipients: ['unsubscribe@x.ru'], subject: 'Re: unsubscribe aaaaaaaa.bbbbbbbb.cccccccccccccccc', … }, 'unsubscribe@x.ru')
 * // ['aaaaaaaa.bbbbbbbb.cccccccccccccccc']
 */
export function tokenCandidates(mail: Pick<InboundMail, 'recipients' | 'subject'>, unsubscribeAddress: string): string[] {
  const found: string[] = [];
  const add = (t: string) => {
    if (found.length < MAX_TOKEN_CANDIDATES && !found.includes(t)) found.push(t);
  };
  for (const r of mail.recipients) {
    if (!isUnsubscribeAddress(r, unsubscribeAddress)) continue;
    const detail = splitAddress(r.trim().replace(/^<|>$/g, ''))?.detail;
    if (detail && TOKEN_WHOLE.test(detail)) add(detail);
  }
  for (const m of mail.subject.slice(0, 8192).matchAll(TOKEN_IN_TEXT)) add(m[0]);
  return found;
}

/** Why a message is a machine's, not a person's: it is then ignored. */
export type AutomatedReason = 'null_sender' | 'auto_submitted' | 'precedence' | 'autoreply_header' | 'delivery_report' | 'mailer_daemon';

const first = (h: ReadonlyMap<string, readonly string[]>, name: string) => h.get(name)?.[0]?.trim() ?? null;

/**
 * Whether a message was sent by a machine on its own (a bounce, an out-of-office reply, a list's
 * automatic answer), which must not unsubscribe anyone and must get no answer (RFC 3834):
 * the null reverse path (`MAIL FROM:<>`, or `Return-Path: <>`); `Auto-Submitted` other than `no`
 * (RFC 3834); `Precedence: bulk | junk | list | auto_reply`; the auto-reply headers of common
 * systems (`X-Autoreply`, `X-Autorespond`, `X-Auto-Response-Suppress` of Exchange's own
 * replies); a delivery or disposition report (`multipart/report`, RFC 6522) or
 * `X-Failed-Recipients`; a sender named MAILER-DAEMON or postmaster. Null for a person's message.
 *
 * @example
 * automatedReason({ envelopeFrom: '', … }) // 'null_sender'
 */
export function automatedReason(mail: InboundMail): AutomatedReason | null {
  if (mail.envelopeFrom !== null && mail.envelopeFrom.trim() === '') return 'null_sender';
  const h = mail.headers;
  const returnPath = first(h, 'return-path');
  if (returnPath !== null && /^<\s*>$/.test(returnPath)) return 'null_sender';
  const autoSubmitted = first(h, 'auto-submitted');
  if (autoSubmitted !== null && autoSubmitted.split(';')[0]!.trim().toLowerCase() !== 'no') return 'auto_submitted';
  const precedence = first(h, 'precedence')?.toLowerCase();
  if (precedence && ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return 'precedence';
  if (h.has('x-autoreply') || h.has('x-autorespond') || h.has('x-autoresponder')) return 'autoreply_header';
  const suppress = first(h, 'x-auto-response-suppress')?.toLowerCase();
  if (suppress && /\b(all|oof|autoreply)\b/.test(suppress)) return 'autoreply_header';
  if (h.has('x-failed-recipients')) return 'delivery_report';
  if (mail.contentType && /^multipart\/report\b/i.test(mail.contentType.trim())) return 'delivery_report';
  const sender = (mail.envelopeFrom ?? returnPath ?? '').replace(/^<|>$/g, '').toLowerCase();
  if (/^(mailer-daemon|postmaster)@/.test(sender)) return 'mailer_daemon';
  return null;
}
