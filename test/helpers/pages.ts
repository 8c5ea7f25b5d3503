import { sql } from 'kysely';
import { expect } from 'vitest';
import type { Db } from '../../src/db/handle.js';
import { createLinkSigner, generateSigningJwk, type LinkPurpose } from '../../src/links/tokens.js';
import { fixedClock } from '../../src/time/clock.js';
import { type Harness, onPostgres, registerLead } from './harness.js';

/** Tables a snapshot must at least hold (it takes every table it finds). */
export const CORE_TABLES = ['subjects', 'consents', 'consent_events', 'suppressions', 'outbox', 'requests', 'preferences', 'sends', 'api_keys', 'audit_log'];

/** Every table of the schema but the migrator's own, sorted: what a snapshot or a fingerprint covers. */
export async function dataTables(db: Db): Promise<string[]> {
  const found = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely\\_%'`.execute(db);
  return found.rows.map((r) => r.table_name).sort();
}

/**
 * The whole database as plain data: every row of every table of the schema (sorted, so storage
 * order does not matter) and the suppression sequence's position. Two snapshots deep-equal
 * means nothing was written in between, but for a key's last use (`api_keys.last_used_at`,
 * which the bearer check keeps for the dashboard: bookkeeping of the call, not a change it made).
 */
export async function snapshotDb(h: Harness): Promise<Record<string, unknown>> {
  const tables = await dataTables(h.db);
  expect(tables).toEqual(expect.arrayContaining(CORE_TABLES));
  const snap: Record<string, unknown> = {};
  for (const t of tables) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(t)}`.execute(h.db);
    snap[t] = rows.rows.map((r) => JSON.stringify(t === 'api_keys' ? { ...r, last_used_at: undefined } : r)).sort();
  }
  const seq = await sql<{ last_value: unknown; is_called: boolean }>`select last_value, is_called from suppression_seq`.execute(h.db);
  snap.suppression_seq = seq.rows.map((r) => ({ last_value: String(r.last_value), is_called: r.is_called }));
  return snap;
}

/** Creates a person through the public API (leads:write) and returns the id and the consents. */
export const createSubject = (h: Harness, email: string, over: Record<string, unknown> = {}) => registerLead(h, email, over);

/** Creates a person whose marketing consent is granted (lead, then the confirmation link). */
export async function createConfirmedSubject(h: Harness, email: string, over: Record<string, unknown> = {}): Promise<string> {
  const { id } = await createSubject(h, email, over);
  const c = await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: 30 * 86400 });
  const res = await h.app.request(`/c/${c}`, { method: 'POST' });
  expect(res.status).toBe(200);
  expect(await consentState(h, id, 'marketing')).toBe('granted');
  return id;
}

export async function consentState(h: Harness, subjectId: string, purpose: 'processing' | 'marketing'): Promise<string | undefined> {
  const row = await h.db.selectFrom('consents').select('state').where('subject_id', '=', subjectId).where('purpose', '=', purpose).executeTakeFirst();
  return row?.state;
}

export async function eventsOf(h: Harness, subjectId: string) {
  return h.db.selectFrom('consent_events').selectAll().where('subject_id', '=', subjectId).orderBy('id').execute();
}

export async function suppressionOf(h: Harness, subjectId: string) {
  const s = await h.db.selectFrom('subjects').select('email_hash').where('id', '=', subjectId).executeTakeFirstOrThrow();
  return h.db.selectFrom('suppressions').selectAll().where('hash', '=', s.email_hash).executeTakeFirst();
}

export async function outboxOf(h: Harness, subjectId: string) {
  return h.db.selectFrom('outbox').selectAll().where('subject_id', '=', subjectId).orderBy('id').execute();
}

/** A token with a good shape and a valid signature, but from a key this service does not hold. */
export async function foreignToken(claims: { sub: string; p: LinkPurpose; cmp?: string; ttlSeconds?: number }, kid: string): Promise<string> {
  const other = await createLinkSigner([await generateSigningJwk(kid)], fixedClock('2026-03-02T09:00:00Z'));
  return other.sign(claims);
}

/** The token with one character in the middle of its signature changed. */
export function flipSignatureChar(token: string): string {
  const sigStart = token.lastIndexOf('.') + 1;
  const i = sigStart + 10;
  const ch = token[i]!;
  return token.slice(0, i) + (ch === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

/** The token with one character in the middle of its payload changed. */
export function flipPayloadChar(token: string): string {
  const i = token.indexOf('.') + 5;
  const ch = token[i]!;
  return token.slice(0, i) + (ch === 'x' ? 'y' : 'x') + token.slice(i + 1);
}

/** The value of `<html lang="...">`. */
export function htmlLang(html: string): string | undefined {
  return /<html[^>]*\blang="([^"]*)"/.exec(html)?.[1];
}

export function count(haystack: string, needle: RegExp): number {
  return (haystack.match(new RegExp(needle.source, needle.flags.includes('g') ? needle.flags : `${needle.flags}g`)) ?? []).length;
}

/** The forms of a page: method, action (entities decoded) and hidden fields. */
export function formsOf(html: string): { method: string; action: string; fields: Record<string, string> }[] {
  const decode = (s: string) =>
    s
      .replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>');
  const forms: { method: string; action: string; fields: Record<string, string> }[] = [];
  for (const m of html.matchAll(/<form([^>]*)>([\s\S]*?)<\/form>/g)) {
    const attrs = m[1]!;
    const fields: Record<string, string> = {};
    for (const i of m[2]!.matchAll(/<input([^>]*)>/g)) {
      const name = /\bname="([^"]*)"/.exec(i[1]!)?.[1];
      const value = /\bvalue="([^"]*)"/.exec(i[1]!)?.[1] ?? '';
      if (name) fields[decode(name)] = decode(value);
    }
    forms.push({
      method: (/\bmethod="([^"]*)"/.exec(attrs)?.[1] ?? 'get').toLowerCase(),
      action: decode(/\baction="([^"]*)"/.exec(attrs)?.[1] ?? ''),
      fields,
    });
  }
  return forms;
}

/** Posts a page's form the way a browser does (urlencoded hidden fields). */
export async function submitForm(h: Harness, form: { method: string; action: string; fields: Record<string, string> }, headers: Record<string, string> = {}) {
  return h.app.request(form.action, {
    method: form.method.toUpperCase(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form.fields).toString(),
  });
}

/** The headers every public page must carry. */
export function expectPageHeaders(res: Response): void {
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
}

const feedKeys = new WeakMap<Harness, string>();

/** Reads the suppression feed (json format) with a suppressions:read key. */
export async function readFeedJson(
  h: Harness,
  since = 0,
): Promise<{ records: { seq: number; hash: string; email?: string; reason: string; active: boolean }[]; highWaterMark: number }> {
  let auth = feedKeys.get(h);
  if (!auth) {
    auth = await h.bearer('suppressions:read');
    feedKeys.set(h, auth);
  }
  const res = await h.app.request(`/v1/suppressions?format=json&since=${since}`, { headers: { authorization: auth } });
  expect(res.status).toBe(200);
  return res.json() as Promise<{ records: { seq: number; hash: string; email?: string; reason: string; active: boolean }[]; highWaterMark: number }>;
}

export const DAY = 86_400_000;

/**
 * Sends `n` requests for one person at once, so that they really race. On PostgreSQL the
 * person's row is held locked (from another connection) until all `n` requests are waiting
 * for it, so every one of them has started its transaction before any can act: the race
 * happens every time, not by luck. PostgreSQL only: PGlite has one connection.
 */
export async function raceOnSubject(h: Harness, subjectId: string, n: number, fire: () => Response | Promise<Response>): Promise<Response[]> {
  // PGlite has one connection: the calls would only run in turn, and the test would pass without a race.
  if (!onPostgres) throw new Error('raceOnSubject needs PostgreSQL: mark the test it.skipIf(!onPostgres)');
  let pending: Promise<Response[]> | undefined;
  await h.db.connection().execute(async (conn) => {
    await sql`begin`.execute(conn);
    try {
      await sql`select id from subjects where id = ${subjectId} for update`.execute(conn);
      const me = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn)).rows[0]!.pid;
      pending = Promise.all(Array.from({ length: n }, async () => fire()));
      pending.catch(() => undefined);
      await waitForLockWaiters(h, me, n);
    } finally {
      await sql`commit`.execute(conn);
    }
  });
  return pending!;
}

/** Waits (a barrier, not a timing assertion) until `n` sessions wait, directly or in a queue, on `holder`'s locks. */
async function waitForLockWaiters(h: Harness, holder: number, n: number): Promise<void> {
  const giveUp = Date.now() + 20_000;
  for (;;) {
    const rows = (
      await sql<{ pid: number; blockers: number[] }>`
      select pid, pg_blocking_pids(pid) as blockers from pg_stat_activity where wait_event_type = 'Lock'`.execute(h.db)
    ).rows;
    const behind = new Set<number>([holder]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const r of rows) {
        if (!behind.has(r.pid) && r.blockers.some((b) => behind.has(b))) {
          behind.add(r.pid);
          grew = true;
        }
      }
    }
    if (behind.size - 1 >= n) return;
    if (Date.now() > giveUp) throw new Error(`only ${behind.size - 1} of ${n} requests reached the row lock`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
