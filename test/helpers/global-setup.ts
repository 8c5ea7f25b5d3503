// Runs once per `vitest run`, in the main process, before any test file.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { TestProject } from 'vitest/node';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createPostgresDb } from '../../src/db/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A tarball of a freshly migrated PGlite data directory (PGlite runs only). */
    pgliteSnapshot: string | undefined;
    /** PostgreSQL runs: the prefix of this run's schemas, all dropped once the run is over. */
    pgSchemaPrefix: string | undefined;
  }
}

/**
 * On PGlite, builds the migrated database once and leaves its data directory as a tarball that
 * every test database starts from (`createTestDb`). Creating a PGlite runs initdb inside
 * WebAssembly, several CPU-seconds each time; loading a data directory costs a fraction of that,
 * and the suite opens about seventy databases.
 */
export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    // Each file's schema is dropped after the whole run, not when the file ends: a schema dropped
    // while another file migrates breaks that migration (Kysely's introspection reads every
    // schema of the database, and has_schema_privilege() fails on one that vanished mid-query).
    const prefix = `t_${randomBytes(4).toString('hex')}_`;
    project.provide('pgliteSnapshot', undefined);
    project.provide('pgSchemaPrefix', prefix);
    return async () => {
      const admin = createPostgresDb(url, { max: 1 });
      const { rows } = await sql<{ name: string }>`select nspname as name from pg_namespace where starts_with(nspname, ${prefix})`.execute(admin.db);
      for (const { name } of rows) await sql`drop schema if exists ${sql.id(name)} cascade`.execute(admin.db);
      await admin.close();
    };
  }
  project.provide('pgSchemaPrefix', undefined);
  const pglite = await PGlite.create();
  const db = new Kysely<any>({ dialect: new PGliteDialect(pglite) });
  await migrateToLatest(db);
  const tarball = await pglite.dumpDataDir('none');
  await db.destroy();
  const dir = mkdtempSync(join(tmpdir(), 'prefs-pglite-'));
  const path = join(dir, 'migrated.tar');
  writeFileSync(path, new Uint8Array(await tarball.arrayBuffer()));
  project.provide('pgliteSnapshot', path);
  return () => rmSync(dir, { recursive: true, force: true });
}
