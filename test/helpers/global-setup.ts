// Runs once per `vitest run`, in the main process, before any test file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { TestProject } from 'vitest/node';
import { migrateToLatest } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A tarball of a freshly migrated PGlite data directory (PGlite runs only). */
    pgliteSnapshot: string | undefined;
  }
}

/**
 * On PGlite, builds the migrated database once and leaves its data directory as a tarball that
 * every test database starts from (`createTestDb`). Creating a PGlite runs initdb inside
 * WebAssembly, several CPU-seconds each time; loading a data directory costs a fraction of that,
 * and the suite opens about seventy databases.
 */
export default async function setup(project: TestProject) {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('pgliteSnapshot', undefined);
    return;
  }
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
