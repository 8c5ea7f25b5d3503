import { sql } from 'kysely';
import { cpus } from 'node:os';
import type { Db } from '../../src/db/handle.js';
import { migrateToLatest } from '../../src/db/migrate.js';
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

/** The machine a figure was measured on, for the report. */
export function machine(): string {
  return `${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}`;
}

/**
 * Runs one benchmark on a fresh, migrated database and prints its report as JSON, with the
 * database and the machine; the database is dropped afterwards, whatever happens.
 *
 * @example
 * benchmark('postgres', url, async (db) => ({ perSecond: await measure(db) }));
 */
export function benchmark(kind: 'postgres' | 'pglite', baseUrl: string, measure: (db: Db) => Promise<Record<string, unknown>>): void {
  const run = async () => {
    const { handle, cleanup } = await openBenchDb(kind, baseUrl);
    try {
      await migrateToLatest(handle.db);
      const report = await measure(handle.db);
      console.log(JSON.stringify({ database: kind, ...report, machine: machine() }, null, 2));
    } finally {
      await handle.close();
      await cleanup();
    }
  };
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
