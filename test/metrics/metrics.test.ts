import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promMetrics } from '../../src/node/metrics.js';
import { unsubscribeByMail } from '../../src/unsubscribe/by-mail.js';
import { createHarness, type Harness, jsonRequest, onPostgres } from '../helpers/harness.js';
import { findSecrets, type Secret } from '../helpers/log-capture.js';
import { createConfirmedSubject } from '../helpers/pages.js';

/**
 * `/metrics` on the public port after real traffic through the app (prom-client counting, the
 * database's gauges read at scrape time): every family with its label values, route templates
 * and never a path (a token in a label is a token in every dashboard), and the scope check.
 */

const PUSH_URL = 'https://hook-user:hook-secret-77@esp.example.ru/suppressions/push?key=query-secret-88';
const MAILTO = 'unsubscribe@prefs.example.ru';
const ONE_CLICK = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' };

const metrics = promMetrics();
let h: Harness;
let scrapeKey: string;
const secrets: Secret[] = [];
let text: string;

/** The value of one sample line, by its exact name and labels as the exposition writes them. */
function sample(name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: string[] = (m[2] ?? '').match(/[a-z_]+="(?:[^"\\]|\\.)*"/g) ?? [];
    if (want.length === have.length && want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

beforeAll(async () => {
  h = await createHarness({ env: { MAIL_SENDER_PUSH_URL: PUSH_URL, UNSUBSCRIBE_MAILTO: MAILTO }, extra: { metrics } });
  scrapeKey = await h.bearer('metrics:read');
  const admin = await h.bearer('admin');
  expect((await h.app.request('/v1/topics/webinars', jsonRequest('PUT', { name: { ru: 'Вебинары', en: 'Webinars' } }, admin))).status).toBeLessThan(300);

  // Four people: a mailbox's one-click, the page's button, a topic link, a message to mailto:.
  const emails = [
    'metrics.oneclick@example.ru',
    'metrics.page@example.ru',
    'metrics.topic@example.ru',
    'metrics.mailto@example.ru',
    'metrics.center@example.ru',
  ];
  const ids: string[] = [];
  for (const e of emails) {
    ids.push(await createConfirmedSubject(h, e));
    secrets.push({ label: e, kind: 'email', value: e });
  }
  const tokens = [
    await h.deps.signer.sign({ sub: ids[0]!, p: 'u', cmp: 'spring-sale' }),
    await h.deps.signer.sign({ sub: ids[1]!, p: 'u' }),
    await h.deps.signer.sign({ sub: ids[2]!, p: 'u', t: 'webinars' }),
    await h.deps.signer.sign({ sub: ids[3]!, p: 'u' }),
  ];
  for (const t of tokens) secrets.push({ label: 'token', kind: 'token', value: t });
  expect((await h.app.request(`/u/${tokens[0]}`, ONE_CLICK)).status).toBe(200);
  // A repeated click changes nothing and is not counted.
  expect((await h.app.request(`/u/${tokens[0]}`, ONE_CLICK)).status).toBe(200);
  expect((await h.app.request(`/u/${tokens[1]}`, { method: 'POST' })).status).toBe(200);
  expect((await h.app.request(`/u/${tokens[2]}`, ONE_CLICK)).status).toBe(200);
  // The SMTP listener's way in (server.ts hands it the same metrics as the app).
  const mailed = await unsubscribeByMail(
    { ...h.deps, metrics },
    { envelopeFrom: 'someone@example.org', recipients: [MAILTO], subject: `unsubscribe ${tokens[3]}`, headers: new Map() },
    'smtp',
  );
  expect(mailed.kind).toBe('unsubscribed');
  // The preference center's "unsubscribe from everything".
  const center = await h.deps.signer.sign({ sub: ids[4]!, p: 'p', ttlSeconds: 86_400 });
  secrets.push({ label: 'center token', kind: 'token', value: center });
  expect((await h.app.request(`/p/${center}/unsubscribe`, { method: 'POST' })).status).toBe(200);
  // Refused and unknown paths: the token-looking part must not become a label either.
  expect((await h.app.request(`/u/${tokens[1]!.slice(0, -4)}AAAA`)).status).toBe(400);
  expect((await h.app.request(`/v1/no-such-thing/${tokens[1]}`)).status).toBe(401);
  expect((await h.app.request(`/nowhere/${emails[0]}`)).status).toBe(404);

  // A reservation: one allowed, three denied (suppressed), one unknown address.
  const sends = await h.bearer('sends:write');
  const lead = await createConfirmedSubject(h, 'metrics.reserved@example.ru');
  secrets.push({ label: 'reserved', kind: 'email', value: 'metrics.reserved@example.ru' });
  const reserved = await h.app.request('/v1/campaigns/spring-sale/reservations', jsonRequest('POST', { subjects: [lead, ids[0], ids[1], ids[3]] }, sends));
  expect(reserved.status).toBe(200);
  // A staff request received long ago: open and overdue.
  const staff = await h.bearer('requests:manage');
  const filed = await h.app.request(`/v1/subjects/${lead}/requests`, jsonRequest('POST', { type: 'access', receivedAt: '2026-01-05T09:00:00Z' }, staff));
  expect(filed.status).toBe(201);
  // The feed numbers the changes (the sequencer), as a push would before sending.
  expect((await h.app.request('/v1/suppressions?since=0', { headers: { authorization: await h.bearer('suppressions:read') } })).status).toBe(200);

  const res = await h.app.request('/metrics', { headers: { authorization: scrapeKey } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  text = await res.text();
});
afterAll(async () => h?.close());

describe('GET /metrics after real traffic', () => {
  it('counts requests and their latency per route template, method and status class', () => {
    expect(sample('mailprefs_http_requests_total', { method: 'POST', route: '/u/:token', status_class: '2xx' })).toBe(4);
    expect(sample('mailprefs_http_request_duration_seconds_count', { method: 'POST', route: '/u/:token', status_class: '2xx' })).toBe(4);
    expect(sample('mailprefs_http_request_duration_seconds_bucket', { method: 'POST', route: '/u/:token', status_class: '2xx', le: '+Inf' })).toBe(4);
    expect(sample('mailprefs_http_requests_total', { method: 'GET', route: '/u/:token', status_class: '4xx' })).toBe(1);
    expect(sample('mailprefs_http_requests_total', { method: 'POST', route: '/v1/campaigns/:campaignId/reservations', status_class: '2xx' })).toBe(1);
    expect(sample('mailprefs_http_requests_total', { method: 'POST', route: '/v1/subjects', status_class: '2xx' })).toBe(6);
    // Paths nothing answered are counted under the pattern that caught them, never as typed.
    expect(sample('mailprefs_http_requests_total', { method: 'GET', route: '/v1/*', status_class: '4xx' })).toBe(1);
  });

  it('never puts a path, a token, an address or a push URL secret in a label', () => {
    expect(
      findSecrets(
        [text],
        [...secrets, { label: 'push user', kind: 'text', value: 'hook-secret-77' }, { label: 'push query', kind: 'text', value: 'query-secret-88' }],
      ),
    ).toEqual([]);
    const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]!));
    for (const r of routes) expect(r, r).toMatch(/^(\*|\/[A-Za-z0-9/_.:*-]*)$/);
    expect([...routes].filter((r) => /[A-Za-z0-9_-]{20,}/.test(r))).toEqual([]);
  });

  it('counts unsubscribes that changed something, by the way in and what they left', () => {
    expect(sample('mailprefs_unsubscribes_total', { way: 'one_click', scope: 'all' })).toBe(1);
    expect(sample('mailprefs_unsubscribes_total', { way: 'page', scope: 'all' })).toBe(1);
    expect(sample('mailprefs_unsubscribes_total', { way: 'one_click', scope: 'topic' })).toBe(1);
    expect(sample('mailprefs_unsubscribes_total', { way: 'mailto', scope: 'all' })).toBe(1);
    expect(sample('mailprefs_unsubscribes_total', { way: 'preferences', scope: 'all' })).toBe(1);
  });

  it('counts reservations allowed and denied by reason', () => {
    expect(sample('mailprefs_reservations_allowed_total')).toBe(1);
    expect(sample('mailprefs_reservations_denied_total', { reason: 'suppressed' })).toBe(3);
  });

  it('reads the outbox, the push lag per endpoint and the requests from the database at scrape time', async () => {
    const outbox = await sql<{ pending: number; dead: number }>`
      select count(*) filter (where status = 'pending')::int as pending, count(*) filter (where status = 'dead')::int as dead from outbox`.execute(h.db);
    expect(sample('mailprefs_database_up')).toBe(1);
    expect(sample('mailprefs_outbox_pending')).toBe(outbox.rows[0]!.pending);
    expect(sample('mailprefs_outbox_pending')).toBeGreaterThan(0);
    expect(sample('mailprefs_outbox_dead')).toBe(outbox.rows[0]!.dead);
    const feed = await sql<{ n: number }>`
      select ((select count(*) from suppressions where seq is not null) + (select count(*) from topic_suppressions where seq is not null))::int as n`.execute(
      h.db,
    );
    expect(feed.rows[0]!.n).toBe(5);
    // The label is the endpoint without its credentials and query.
    expect(sample('mailprefs_push_lag_records', { endpoint: 'https://esp.example.ru/suppressions/push' })).toBe(5);
    expect(sample('mailprefs_push_lag_seconds', { endpoint: 'https://esp.example.ru/suppressions/push' })).toBeGreaterThanOrEqual(0);
    expect(sample('mailprefs_requests_open')).toBe(1);
    expect(sample('mailprefs_requests_overdue')).toBe(1);
  });

  it("includes prom-client's default process metrics", () => {
    expect(sample('mailprefs_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toMatch(/^mailprefs_nodejs_eventloop_lag_seconds \S+$/m);
    expect(text).toMatch(/^# TYPE mailprefs_http_request_duration_seconds histogram$/m);
  });
});

describe('a database that does not answer', () => {
  // PGlite has one connection: nothing else can hold a lock while the scrape waits.
  it.skipIf(!onPostgres)('answers within the bound with mailprefs_database_up 0 and the process metrics, not a hung scrape', { timeout: 30_000 }, async () => {
    const bounded = await createHarness({ handle: h.handle, env: { METRICS_DB_TIMEOUT_MS: '300' }, extra: { metrics } });
    const key = await bounded.bearer('metrics:read');
    await h.db.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      try {
        // Every read of the outbox now waits for this transaction.
        await sql`lock table outbox in access exclusive mode`.execute(conn);
        const started = Date.now();
        const res = await bounded.app.request('/metrics', { headers: { authorization: key } });
        const ms = Date.now() - started;
        expect(res.status).toBe(200);
        text = await res.text();
        expect(ms).toBeLessThan(2_000);
        expect(sample('mailprefs_database_up')).toBe(0);
        expect(sample('mailprefs_outbox_pending')).toBeUndefined();
        expect(sample('mailprefs_http_requests_total', { method: 'POST', route: '/u/:token', status_class: '2xx' })).toBe(4);
      } finally {
        await sql`rollback`.execute(conn);
      }
    });
    // The statement timeout ended the read in PostgreSQL too: no query of ours still waits.
    const waiting = await sql<{
      n: number;
    }>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%from outbox%'`.execute(h.db);
    expect(waiting.rows[0]!.n).toBe(0);
  });
});

describe('who may scrape /metrics on the public port', () => {
  it('answers 401 problem+json without a key, and with an unknown one', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer mpk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }]) {
      const res = await h.app.request('/metrics', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.text()).not.toContain('mailprefs_');
    }
  });

  it('answers 403 to a key without metrics:read, 200 to metrics:read and to admin', async () => {
    for (const scope of ['requests:manage', 'suppressions:read', 'subjects:read'] as const) {
      const res = await h.app.request('/metrics', { headers: { authorization: await h.bearer(scope) } });
      expect(res.status, scope).toBe(403);
      expect(await res.text()).not.toContain('mailprefs_');
    }
    expect((await h.app.request('/metrics', { headers: { authorization: await h.bearer('admin') } })).status).toBe(200);
  });

  it('is not served on the public port when METRICS_PORT is set, whatever the key', async () => {
    const internal = await createHarness({ handle: h.handle, env: { METRICS_PORT: '9464' } });
    const res = await internal.app.request('/metrics', { headers: { authorization: await internal.bearer('admin') } });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('mailprefs_');
  });
});
