import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DbHandle, PREPARED } from '../../src/db/handle.js';
import { createTestDb, onPostgres } from '../helpers/harness.js';

// Named prepared statements exist per connection on PostgreSQL only; on PGlite the mark is a
// comment and the statement must simply run.
describe('statements marked PREPARED', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb({ poolMax: 1 });
  });
  afterAll(() => handle.close());

  const prepared = async () =>
    onPostgres ? (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(handle.db)).rows.map((r) => r.statement) : [];

  it('give the same answers as unmarked ones, with their parameters', async () => {
    for (const n of [1, 2, 3, 7]) {
      const r = await sql<{ v: number }>`${PREPARED} select ${n}::int * 2 as v`.execute(handle.db);
      expect(r.rows).toEqual([{ v: n * 2 }]);
    }
  });

  it.skipIf(!onPostgres)('are prepared once per connection, by name, and only when marked', async () => {
    await sql`${PREPARED} select ${1}::int + 40 as v`.execute(handle.db);
    await sql`${PREPARED} select ${2}::int + 40 as v`.execute(handle.db);
    await sql`select ${3}::int + 50 as unmarked`.execute(handle.db);
    const texts = await prepared();
    expect(texts.filter((t) => t.includes('+ 40'))).toHaveLength(1);
    expect(texts.some((t) => t.includes('unmarked'))).toBe(false);
  });

  it.skipIf(!onPostgres)('keep two different texts apart, and work inside a transaction', async () => {
    const out = await handle.db.transaction().execute(async (trx) => {
      const a = await sql<{ v: string }>`${PREPARED} select 'a' || ${'x'}::text as v`.execute(trx);
      const b = await sql<{ v: string }>`${PREPARED} select 'b' || ${'y'}::text as v`.execute(trx);
      return [a.rows[0]!.v, b.rows[0]!.v];
    });
    expect(out).toEqual(['ax', 'by']);
    const texts = await prepared();
    expect(texts.filter((t) => t.includes("'a' ||"))).toHaveLength(1);
    expect(texts.filter((t) => t.includes("'b' ||"))).toHaveLength(1);
  });
});
