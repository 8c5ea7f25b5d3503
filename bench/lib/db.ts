import { sql } from 'kysely';
import type { DbHandle } from '../../src/db/handle.js';
import { createPgliteDb } from '../../src/db/pglite.js';
import { createPostgresDb } from '../../src/db/postgres.js';

/**
 * A fresh database for one benchmark run: its own schema on PostgreSQL (dropped by `cleanup`),
 * or an in-memory PGlite. Not migrated.
 */
export async function openBenchDb(kind: 'postgres' | 'pglite', baseUrl: string, poolMax = 10): Promise<{ handle: DbHandle; schema: string | null; cleanup: () => Promise<void> }> {
  if (kind === 'pglite') return { handle: await createPgliteDb(undefined), schema: null, cleanup: async () => {} };
  const schema = `bench_${Date.now()}`;
  const admin = createPostgresDb(baseUrl, { max: 1 });
  await sql`create schema ${sql.id(schema)}`.execute(admin.db);
  return {
    handle: createPostgresDb(baseUrl, { max: poolMax, searchPath: schema }),
    schema,
    cleanup: async () => {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
      await admin.close();
    },
  };
}
