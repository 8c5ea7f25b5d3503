/**
 * A UUID of version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Rows keyed
 * by it land at the right edge of their B-tree indexes instead of a random page, which keeps a
 * bulk insert of a million people (imports) in the cache as the tables grow. It tells when the
 * row was made, to the millisecond; use it only where that is no secret (a person's creation
 * time is in their own data export anyway).
 *
 * @example
 * timeOrderedId() // '019ad3c1-7f2e-7c4a-9b1d-0e5f3a2b6c7d'
 */
export function timeOrderedId(now = Date.now()): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  // 48-bit big-endian milliseconds: the top 16 bits, then the low 32.
  const hi = Math.floor(now / 2 ** 32);
  const lo = now >>> 0;
  b[0] = (hi >>> 8) & 0xff;
  b[1] = hi & 0xff;
  b[2] = lo >>> 24;
  b[3] = (lo >>> 16) & 0xff;
  b[4] = (lo >>> 8) & 0xff;
  b[5] = lo & 0xff;
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  let h = '';
  for (const x of b) h += x.toString(16).padStart(2, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
