import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../src/db/handle.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import { createHarness, createTestDb, type Harness, onPostgres, registerLead } from '../helpers/harness.js';
import { consentState, eventsOf, suppressionOf } from '../helpers/pages.js';

/**
 * Pool exhaustion (issue 11, fault 1): requests waiting on a row lock take every connection of
 * the pool. Without bounds everything, /readyz included, hung with no answer; with them each
 * request answers 503 with Retry-After within the bound, and all recovers once the lock goes.
 *
 * PostgreSQL only: PGlite has one in-process connection and no pool, so there is nothing to
 * exhaust and no other session that could hold a lock.
 */

const POOL = 3;
const BOUNDS = { acquireTimeoutMs: 300, statementTimeoutMs: 4_000, idleInTransactionTimeoutMs: 5_000 };

let base: DbHandle;
let bounded: DbHandle;
let h: Harness;
let schema: string;
beforeAll(async () => {
  if (!onPostgres) return;
  base = await createTestDb();
  schema = (await sql<{ s: string }>`select current_schema() as s`.execute(base.db)).rows[0]!.s;
  bounded = createPostgresDb(process.env.TEST_DATABASE_URL!, { max: POOL, searchPath: schema, ...BOUNDS });
  h = await createHarness({
    handle: bounded,
    env: { DB_ACQUIRE_TIMEOUT_MS: String(BOUNDS.acquireTimeoutMs), DB_STATEMENT_TIMEOUT_MS: String(BOUNDS.statementTimeoutMs) },
  });
});
afterAll(async () => {
  await bounded?.close();
  await base?.close();
});

/** A session outside the app's pool holding the person's row lock, as a long transaction would. */
async function holdSubjectLock(subjectId: string): Promise<{ pid: number; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  await client.query('begin');
  await client.query('select id from subjects where id = $1 for update', [subjectId]);
  const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  return {
    pid,
    release: async () => {
      await client.query('rollback');
      await client.end();
    },
  };
}

/**
 * A barrier, not a timing assertion: until `n` sessions wait on `holder`'s lock, directly or
 * queued behind one that does. `admin` is connected beforehand, so the barrier is quick to see
 * them (the statement bound must not run out first).
 */
async function lockWaiters(admin: pg.Client, holder: number, n: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const r = await admin.query<{ pid: number; blockers: number[] }>(
      "select pid, pg_blocking_pids(pid) as blockers from pg_stat_activity where wait_event_type = 'Lock'",
    );
    const behind = new Set([holder]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const row of r.rows) {
        if (!behind.has(row.pid) && row.blockers.some((b) => behind.has(b))) {
          behind.add(row.pid);
          grew = true;
        }
      }
    }
    if (behind.size - 1 >= n) return;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`fewer than ${n} sessions ever waited on the lock`);
}

const oneClick = (token: string) =>
  h.app.request(`/u/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' },
    body: 'List-Unsubscribe=One-Click',
  });

describe('pool exhaustion', () => {
  it.skipIf(!onPostgres)(
    'requests waiting on a lock past the pool answer 503 with Retry-After (page, problem, health), then all recovers and the retried unsubscribe lands',
    { timeout: 30_000 },
    async () => {
      const { id } = await registerLead(h, 'pool.exhaustion@example.ru');
      const key = await h.bearer('suppressions:read');
      const token = await h.deps.signer.sign({ sub: id, p: 'u' });
      const lock = await holdSubjectLock(id);
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      let answers: Response[];
      let health: Response;
      let api: Response;
      try {
        // More one-clicks than the pool has connections: POOL of them wait on the lock holding
        // every connection, the others wait for a connection.
        const clicks = Array.from({ length: POOL + 2 }, () => oneClick(token));
        await lockWaiters(admin, lock.pid, POOL);
        [health, api] = await Promise.all([h.app.request('/readyz'), h.app.request('/v1/suppressions?since=0', { headers: { authorization: key } })]);
        answers = await Promise.all(clicks);
      } finally {
        await lock.release();
        await admin.end();
      }

      expect(answers.map((r) => r.status)).toEqual(Array(POOL + 2).fill(503));
      for (const r of answers) {
        expect(r.headers.get('retry-after')).toBe('5');
        expect(r.headers.get('content-type')).toMatch(/^text\/html/);
        expect(await r.text()).toContain('The service is busy for a moment');
      }
      expect(health.status).toBe(503);
      expect(health.headers.get('retry-after')).toBe('5');
      expect(api.status).toBe(503);
      expect(api.headers.get('retry-after')).toBe('5');
      expect(api.headers.get('content-type')).toBe('application/problem+json');
      expect(await api.json()).toMatchObject({ status: 503, code: 'unavailable' });
      // The statement timeout rolled every waiting unsubscribe back: nothing half-written.
      expect(await consentState(h, id, 'marketing')).not.toBe('withdrawn');
      expect((await eventsOf(h, id)).filter((e) => e.action === 'unsubscribed')).toHaveLength(0);

      // The lock is gone: the health check, the API and the retried one-click all succeed.
      expect((await h.app.request('/readyz')).status).toBe(200);
      expect((await h.app.request('/v1/suppressions?since=0', { headers: { authorization: key } })).status).toBe(200);
      const retried = await oneClick(token);
      expect(retried.status).toBe(200);
      expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
      expect((await eventsOf(h, id)).filter((e) => e.action === 'unsubscribed')).toHaveLength(1);
      expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'unsubscribed' });
    },
  );
});
