import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DbHandle, isUnavailable, withoutStatementTimeout } from '../../src/db/handle.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import { createTestDb, onPostgres } from '../helpers/harness.js';

/**
 * The bounds reach PostgreSQL with the schema confinement intact, and long legitimate work lifts
 * the statement bound on its own connection only. PostgreSQL only: PGlite takes no bounds.
 */

let base: DbHandle;
let bounded: DbHandle;
let schema: string;
beforeAll(async () => {
  if (!onPostgres) return;
  base = await createTestDb();
  schema = (await sql<{ s: string }>`select current_schema() as s`.execute(base.db)).rows[0]!.s;
  bounded = createPostgresDb(process.env.TEST_DATABASE_URL!, {
    max: 1,
    searchPath: schema,
    acquireTimeoutMs: 1_000,
    statementTimeoutMs: 200,
    idleInTransactionTimeoutMs: 60_000,
  });
});
afterAll(async () => {
  await bounded?.close();
  await base?.close();
});

const setting = async (db: DbHandle['db'], name: string) => (await sql<{ v: string }>`select current_setting(${name}) as v`.execute(db)).rows[0]!.v;

describe('PostgreSQL bounds', () => {
  it.skipIf(!onPostgres)('every connection opens with the statement and idle-transaction bounds and the test schema', async () => {
    expect(await setting(bounded.db, 'statement_timeout')).toBe('200ms');
    expect(await setting(bounded.db, 'idle_in_transaction_session_timeout')).toBe('1min');
    expect(await sql<{ s: string }>`select current_schema() as s`.execute(bounded.db).then((r) => r.rows[0]!.s)).toBe(schema);
  });

  it.skipIf(!onPostgres)('a statement past the bound fails as unavailable (57014)', async () => {
    const err = await sql`select pg_sleep(0.6)`.execute(bounded.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as { code?: string }).code).toBe('57014');
    expect(isUnavailable(err)).toBe(true);
  });

  it.skipIf(!onPostgres)('withoutStatementTimeout lifts the bound for its work, then the pooled connection has it again', async () => {
    await withoutStatementTimeout(bounded.db, (conn) => sql`select pg_sleep(0.6)`.execute(conn));
    // One connection in this pool: the same one, bound again.
    expect(await setting(bounded.db, 'statement_timeout')).toBe('200ms');
  });
});
