import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../src/db/handle.js';
import { isUnavailable } from '../../src/db/handle.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import { createTestDb, onPostgres } from '../helpers/harness.js';

/**
 * A connection the server kills while it is checked out between two statements (a transaction
 * waiting on the app) must fail that transaction, not the process: pg emits `error` on such a
 * client, where the pool listens only while it is idle, and an unheard `error` is an uncaught
 * exception (vitest reports it; Node exits). PostgreSQL only: PGlite has no connections to break.
 */

let base: DbHandle;
let pooled: DbHandle;
const heard: Error[] = [];
beforeAll(async () => {
  if (!onPostgres) return;
  base = await createTestDb();
  const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(base.db)).rows[0]!.s;
  pooled = createPostgresDb(process.env.TEST_DATABASE_URL!, { max: 2, searchPath: schema, acquireTimeoutMs: 2_000, onIdleError: (e) => heard.push(e) });
});
afterAll(async () => {
  await pooled?.close();
  await base?.close();
});

describe('a connection broken inside a transaction', () => {
  it.skipIf(!onPostgres)('fails the transaction as unavailable, is heard, and the pool goes on with a new connection', async () => {
    const failure = await pooled.db
      .transaction()
      .execute(async (trx) => {
        const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
        // Killed from outside while this transaction holds its connection and runs nothing.
        await sql`select pg_terminate_backend(${pid})`.execute(base.db);
        for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        await sql`select 1`.execute(trx);
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failure).toBeDefined();
    expect(isUnavailable(failure)).toBe(true);
    // pg reports the server's 57P01 and then the closed socket: both heard, both "unavailable".
    expect(heard.map((e) => (e as { code?: string }).code)).toContain('57P01');
    expect(heard.every((e) => isUnavailable(e))).toBe(true);
    expect((await sql<{ one: number }>`select 1 as one`.execute(pooled.db)).rows[0]!.one).toBe(1);
  });
});
