import { cpus } from 'node:os';
import { sql } from 'kysely';
import { createApp } from '../../src/app.js';
import { createApiKey, type Scope } from '../../src/auth/keys.js';
import { loadConfig } from '../../src/config/index.js';
import { createEmailHasher } from '../../src/consent/hash.js';
import type { Db, DbHandle } from '../../src/db/handle.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import { createLinkSigner, generateSigningJwk } from '../../src/links/tokens.js';
import { silentLogger } from '../../src/log.js';
import { createPgliteDb } from '../../src/node/pglite.js';
import { fixedClock } from '../../src/time/clock.js';

/**
 * A fresh database for one benchmark run: its own schema on PostgreSQL (dropped by `cleanup`),
 * or an in-memory PGlite. Not migrated.
 */
export async function openBenchDb(
  kind: 'postgres' | 'pglite',
  baseUrl: string,
  poolMax = 10,
): Promise<{ handle: DbHandle; schema: string | null; cleanup: () => Promise<void> }> {
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

/** The suppression hash key every benchmark uses (seeded hashes must match the app's). */
export const BENCH_HASH_KEY = 'bench-suppression-hash-key-0123456789abcdef';

/**
 * The app in-process on a benchmark's database, its clock stopped at `now`, with an API key of
 * one scope: the `Authorization` value to send.
 */
export async function benchApp(db: Db, now: Date, scope: Scope): Promise<{ app: ReturnType<typeof createApp>; authorization: string }> {
  const config = loadConfig({ SUPPRESSION_HASH_KEY: BENCH_HASH_KEY, LOG_LEVEL: 'silent' });
  const clock = fixedClock(now);
  const app = createApp({
    config,
    db,
    clock,
    logger: silentLogger,
    signer: await createLinkSigner([await generateSigningJwk('bench')], clock),
    hasher: await createEmailHasher(BENCH_HASH_KEY),
  });
  const { key } = await createApiKey(db, { name: 'bench', scopes: [scope] }, now);
  return { app, authorization: `Bearer ${key}` };
}
