// The Worker's request-scoped database, on Node against PostgreSQL (pg and AsyncLocalStorage
// behave the same here as on workerd; the smoke test in test/worker/ runs it there).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDb } from '../../src/db/postgres.js';
import { requestScopedDb } from '../../src/workers/request-db.js';
import { onPostgres } from '../helpers/harness.js';

describe.skipIf(!onPostgres)('requestScopedDb (needs PostgreSQL: TEST_DATABASE_URL, skipped on PGlite)', () => {
  const url = process.env.TEST_DATABASE_URL!;
  const tag = `request-db-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tagged = () => {
    const u = new URL(url);
    u.searchParams.set('application_name', tag);
    return u.toString();
  };
  let admin: ReturnType<typeof createPostgresDb>;
  /** The connections the tests' pools hold open; `settled` waits for PostgreSQL to see them go. */
  const settled = async () => {
    for (let i = 0; i < 20 && (await open()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    return open();
  };
  const open = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where application_name = ${tag}`.execute(admin.db)).rows[0]!.n;

  beforeAll(() => {
    admin = createPostgresDb(url, { max: 1 });
  });
  afterAll(() => admin.close());

  it('answers inside a run, and refuses outside one instead of opening a connection nobody closes', async () => {
    const scoped = requestScopedDb(tagged(), { max: 2 });
    const { result, close } = await scoped.run(async () => (await sql<{ one: number }>`select 1 as one`.execute(scoped.db)).rows[0]!.one);
    expect(result).toBe(1);
    await close();
    await expect(sql`select 1`.execute(scoped.db)).rejects.toThrow(/no database outside a request/);
    expect(await settled()).toBe(0);
  });

  it('gives each run its own connections and closes them all with close()', async () => {
    const scoped = requestScopedDb(tagged(), { max: 2 });
    const pid = () => sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(scoped.db).then((r) => r.rows[0]!.pid);
    // Two requests at once, each holding a transaction: neither sees the other's connection.
    const runs = await Promise.all(
      [0, 1].map(() =>
        scoped.run(() =>
          scoped.db.transaction().execute(async (trx) => {
            const inTrx = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
            await sql`select pg_sleep(0.2)`.execute(trx);
            return inTrx;
          }),
        ),
      ),
    );
    expect(runs[0]!.result).not.toBe(runs[1]!.result);
    expect(await open()).toBe(2);
    await Promise.all(runs.map((r) => r.close()));
    expect(await settled()).toBe(0);
    // close() twice is harmless; a run after others starts afresh.
    await runs[0]!.close();
    const again = await scoped.run(pid);
    expect(typeof again.result).toBe('number');
    await again.close();
    expect(await settled()).toBe(0);
  });

  it('closes the run’s connections when the work fails', async () => {
    const scoped = requestScopedDb(tagged(), { max: 2 });
    await expect(scoped.run(() => sql`select * from no_such_table_here`.execute(scoped.db))).rejects.toThrow(/no_such_table_here/);
    expect(await settled()).toBe(0);
  });
});
