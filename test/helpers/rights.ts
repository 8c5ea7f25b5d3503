import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { createApiKey, type Scope } from '../../src/auth/keys.js';
import type { Db } from '../../src/db/handle.js';
import type { Mailer } from '../../src/emails/mailer.js';
import { silentLogger } from '../../src/log.js';
import { fileMailer } from '../../src/node/mailer.js';
import { type DeliveryDeps, deliverEmails } from '../../src/outbox/deliver.js';
import { type Harness, jsonRequest, lead } from './harness.js';

/** An API key with these scopes: its id (as the audit log and the ledger name it) and its Authorization value. */
export async function apiKey(h: Harness, ...scopes: Scope[]): Promise<{ id: string; auth: string }> {
  const { id, key } = await createApiKey(h.db, { name: `test-${scopes.join('+')}`, scopes }, h.clock.now());
  return { id, auth: `Bearer ${key}` };
}

/**
 * Delivery into a fresh directory of .eml files (the embedded default's mailer). `mails()` is
 * every message written, in order, even those erasure has deleted since; `files()` the .eml
 * files still on disk.
 */
export function fileDelivery(
  h: Harness,
  dir = mkdtempSync(join(tmpdir(), 'mailprefs-mail-')),
): { delivery: DeliveryDeps; mails: () => string[]; files: () => string[]; dir: string } {
  const inner = fileMailer(dir);
  const seen = new Set<string>();
  const written: string[] = [];
  const capture = () => {
    for (const f of readdirSync(dir).sort()) {
      if (seen.has(f)) continue;
      seen.add(f);
      written.push(readFileSync(join(dir, f), 'utf8'));
    }
  };
  const mailer: Mailer = {
    describe: inner.describe,
    close: () => inner.close(),
    forget: (id) => inner.forget!(id),
    send: async (m) => {
      await inner.send(m);
      capture();
    },
  };
  const delivery = { db: h.db, mailer, signer: h.deps.signer, config: h.config, clock: h.clock, logger: silentLogger, random: () => 0.5 };
  return { delivery, mails: () => [...written], files: () => readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')), dir };
}

/** Sends every due mail as .eml files; returns the raw messages. */
export async function sendDueMail(h: Harness): Promise<string[]> {
  const { delivery, mails } = fileDelivery(h);
  await deliverEmails(delivery);
  return mails();
}

/** Registers a person through `POST /v1/subjects` and returns the id. */
export async function registerPerson(h: Harness, auth: string, email: string, over: Record<string, unknown> = {}): Promise<string> {
  const res = await h.app.request('/v1/subjects', jsonRequest('POST', lead(email, over), auth));
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST /v1/subjects answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

export interface RequestOut {
  id: string;
  subject: string;
  type: string;
  status: string;
  channel: string;
  receivedAt: string;
  dueAt: string;
  completedAt: string | null;
  statusReason: string | null;
  overdue: boolean;
  extensions: { at: string; by: string; businessDays: number; reason: string; from: string }[];
}

/** `POST /v1/subjects/{id}/requests` (staff intake). */
export function fileRequest(h: Harness, auth: string | undefined, subjectId: string, body: Record<string, unknown>) {
  return h.app.request(`/v1/subjects/${subjectId}/requests`, jsonRequest('POST', body, auth));
}

/** Files a request and expects 201; returns it. */
export async function fileRequestOk(h: Harness, auth: string, subjectId: string, body: Record<string, unknown>): Promise<RequestOut> {
  const res = await fileRequest(h, auth, subjectId, body);
  if (res.status !== 201) throw new Error(`intake answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as RequestOut;
}

/** `POST /v1/requests/{id}/{action}`. */
export function requestAction(h: Harness, auth: string | undefined, id: string, action: string, body: Record<string, unknown> = {}) {
  return h.app.request(`/v1/requests/${id}/${action}`, jsonRequest('POST', body, auth));
}

/** `GET /v1/requests?...` and expects 200. */
export async function listRequestsOk(h: Harness, auth: string, query: Record<string, string> = {}): Promise<RequestOut[]> {
  const res = await h.app.request(`/v1/requests?${new URLSearchParams(query)}`, { headers: { authorization: auth } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { requests: RequestOut[] }).requests;
}

/** Every column of the current schema whose values are text-like and could carry a person's data. */
export async function textColumns(db: Db): Promise<{ table: string; column: string; type: string }[]> {
  const r = await sql<{ table_name: string; column_name: string; data_type: string }>`
    select c.table_name, c.column_name, c.data_type
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema()
      and t.table_type = 'BASE TABLE'
      and c.data_type in ('text', 'character varying', 'character', 'jsonb', 'json', 'inet', 'ARRAY')
    order by c.table_name, c.column_name`.execute(db);
  return r.rows.map((x) => ({ table: x.table_name, column: x.column_name, type: x.data_type }));
}

const likeEscape = (v: string) => v.replace(/[\\%_]/g, (m) => `\\${m}`);

/**
 * The full-table scan: for every text, varchar, json(b), inet and array column of every table,
 * the places where any of `values` appears (case-insensitive substring). Empty means no trace.
 */
export async function findValues(db: Db, values: string[]): Promise<{ table: string; column: string; value: string; rows: number }[]> {
  const hits: { table: string; column: string; value: string; rows: number }[] = [];
  for (const col of await textColumns(db)) {
    for (const value of values) {
      const r = await sql<{ n: string }>`
        select count(*)::text as n from ${sql.table(col.table)}
        where ${sql.ref(col.column)}::text ilike ${`%${likeEscape(value)}%`}`.execute(db);
      const n = Number(r.rows[0]!.n);
      if (n > 0) hits.push({ table: col.table, column: col.column, value, rows: n });
    }
  }
  return hits;
}

/** Parses Prometheus text exposition into name → value (samples without labels). */
export function parseMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\S+)$/.exec(line.trim());
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/**
 * A barrier for PostgreSQL races: resolves once some session waits on a lock held by `holder`
 * (a backend pid), or once `done()` says the other side finished without waiting. Gives up
 * (throws) after 20 s so a broken setup fails instead of hanging; this is not a timed assertion.
 */
export async function waitUntilBlockedOn(db: Db, holder: number, done: () => boolean): Promise<'blocked' | 'finished'> {
  const giveUp = Date.now() + 20_000;
  for (;;) {
    if (done()) return 'finished';
    const r = await sql<{ n: string }>`
      select count(*)::text as n from pg_stat_activity
      where wait_event_type = 'Lock' and ${holder} = any(pg_blocking_pids(pid))`.execute(db);
    if (Number(r.rows[0]!.n) > 0) return 'blocked';
    if (Date.now() > giveUp) throw new Error(`nothing blocked on backend ${holder} within 20 s`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

/** A message as delivered by {@link deliverDueMail}, with the public-page links of its plain text. */
export interface DeliveredMail {
  to: string;
  subject: string;
  text: string;
  /** The `/c/…`, `/p/…`, `/w/…`, `/u/…` paths its plain text links to, in order. */
  links: string[];
}

/** Sends every due mail through an in-memory mailer; returns what went to whom (addresses as sent). */
export async function deliverDueMail(h: Harness): Promise<DeliveredMail[]> {
  const sent: DeliveredMail[] = [];
  const mailer = {
    describe: 'memory',
    close: async () => {},
    send: async (m: { to: string; subject: string; text: string }) => {
      const links = [...m.text.matchAll(/https?:\/\/[^\s/]+(\/[cpwu]\/[A-Za-z0-9_.-]+)/g)].map((x) => x[1]!);
      sent.push({ to: m.to, subject: m.subject, text: m.text, links });
    },
  };
  await deliverEmails({ db: h.db, mailer, signer: h.deps.signer, config: h.config, clock: h.clock, logger: silentLogger, random: () => 0.5 });
  return sent;
}
