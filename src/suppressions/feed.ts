import type { FeedRecord } from './queries.js';

/** The feed's formats and their media types. */
export const FEED_TYPES = { ndjson: 'application/x-ndjson', csv: 'text/csv; charset=utf-8', json: 'application/json' } as const;
export type FeedFormat = keyof typeof FEED_TYPES;

/** The feed's ETag: the high-water mark, and whether addresses are in it (the key's scope). */
export function feedEtag(hwm: number, withEmail: boolean): string {
  return `"hwm-${hwm}-${withEmail ? 'e' : 'h'}"`;
}

/** Whether an `If-None-Match` header names this ETag (weak or strong). Pure. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  return !!ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

// `topic` last: a reader that takes the first six columns by position reads what it read before.
const CSV_HEADER = 'seq,hash,email,reason,active,createdAt,topic\n';

/**
 * One CSV cell (RFC 4180), safe to open in a spreadsheet: a cell a spreadsheet would read as a
 * formula (starting with `=`, `+`, `-`, `@`, tab or CR) is prefixed with a single quote and
 * quoted, as OWASP's CSV-injection guidance says. A reader that wants the stored value back
 * drops the leading `'` of such a cell; NDJSON and JSON carry the value unchanged.
 */
export function csvField(v: string): string {
  if (/^[=+\-@\t\r]/.test(v)) return `"'${v.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * One record as sent: the address only for a key that may read addresses, and only while kept;
 * `topic` always, null for all advertising mail.
 */
export function toWire(r: FeedRecord, withEmail: boolean) {
  return {
    seq: r.seq,
    hash: r.hash,
    ...(withEmail && r.email ? { email: r.email } : {}),
    reason: r.reason,
    active: r.active,
    createdAt: r.createdAt.toISOString(),
    topic: r.topic,
  };
}

/**
 * The feed's body in this format, in chunks of about 64 KiB: NDJSON one record a line, CSV
 * with a header, or one JSON object with the records and the high-water mark.
 */
export async function* feedChunks(records: AsyncIterable<FeedRecord>, format: FeedFormat, withEmail: boolean, hwm: number): AsyncGenerator<string> {
  if (format === 'csv') yield CSV_HEADER;
  if (format === 'json') yield '{"records":[';
  let first = true;
  let buf = '';
  for await (const r of records) {
    const w = toWire(r, withEmail);
    if (format === 'ndjson') buf += `${JSON.stringify(w)}\n`;
    else if (format === 'json') buf += (first ? '' : ',') + JSON.stringify(w);
    else
      buf += `${[String(w.seq), csvField(w.hash), csvField(w.email ?? ''), csvField(w.reason), String(w.active), w.createdAt, csvField(w.topic ?? '')].join(',')}\n`;
    first = false;
    if (buf.length >= 64 * 1024) {
      yield buf;
      buf = '';
    }
  }
  if (format === 'json') buf += `],"highWaterMark":${hwm}}`;
  if (buf) yield buf;
}
