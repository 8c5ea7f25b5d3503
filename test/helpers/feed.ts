import { createHmac } from 'node:crypto';
import type { Harness } from './harness.js';
import { TEST_HASH_KEY } from './harness.js';

/** One suppression feed record as it travels on the wire. */
export interface WireRecord {
  seq: number;
  hash: string;
  email?: string;
  reason: string;
  active: boolean;
  createdAt: string;
  /** The scope: a topic key, or null for all advertising mail. */
  topic: string | null;
}

/** The keyed hash the service should compute for a normalized address (independent of src/). */
export const expectedHash = (email: string, key = TEST_HASH_KEY) => createHmac('sha256', key).update(email, 'utf8').digest('hex');

export function parseNdjson(text: string): WireRecord[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as WireRecord);
}

/** RFC 4180 rows: quoted fields may hold commas, quotes ("" escaped) and line breaks. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw new Error('unterminated quoted CSV field');
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** CSV feed text to records shaped like the ndjson ones (an empty email column means no email). */
export function parseFeedCsv(text: string): { header: string[]; records: WireRecord[] } {
  const [header, ...rows] = parseCsvRows(text);
  if (!header) throw new Error('CSV feed without a header');
  const records = rows.map((cells) => {
    if (cells.length !== header.length) throw new Error(`CSV row with ${cells.length} cells, header has ${header.length}`);
    const o = Object.fromEntries(header.map((h, i) => [h, cells[i]!]));
    if (o.active !== 'true' && o.active !== 'false') throw new Error(`CSV active is ${o.active}`);
    return {
      seq: Number(o.seq),
      hash: o.hash!,
      ...(o.email ? { email: o.email } : {}),
      reason: o.reason!,
      active: o.active === 'true',
      createdAt: o.createdAt!,
      topic: o.topic ? o.topic : null,
    } satisfies WireRecord;
  });
  return { header, records };
}

/** GET /v1/suppressions with the given query, returning the response and its whole body text. */
export async function getFeed(h: Harness, auth: string, query: Record<string, string | number> = {}, headers: Record<string, string> = {}) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  const res = await h.app.request(`/v1/suppressions${qs ? `?${qs}` : ''}`, { headers: { authorization: auth, ...headers } });
  const text = await res.text();
  return { res, text };
}

/** Reads a response body chunk by chunk and yields complete lines as they arrive. */
export async function* streamLines(res: Response): AsyncGenerator<string> {
  if (!res.body) return;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let rest = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += decoder.decode(value, { stream: true });
    for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n')) {
      yield rest.slice(0, nl);
      rest = rest.slice(nl + 1);
    }
  }
  rest += decoder.decode();
  if (rest.length > 0) yield rest;
}
