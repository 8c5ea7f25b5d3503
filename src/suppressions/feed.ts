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
 * The feed's body in this format from pages of records already written in it (queries.ts
 * `readFeedPages`): NDJSON one record a line, CSV with a header, or one JSON object with the
 * records and the high-water mark.
 */
export async function* feedChunks(pages: AsyncIterable<string>, format: FeedFormat, hwm: number): AsyncGenerator<string> {
  if (format === 'csv') yield CSV_HEADER;
  if (format === 'json') yield '{"records":[';
  let first = true;
  for await (const page of pages) {
    yield format === 'json' ? (first ? page : `,${page}`) : `${page}\n`;
    first = false;
  }
  if (format === 'json') yield `],"highWaterMark":${hwm}}`;
}
