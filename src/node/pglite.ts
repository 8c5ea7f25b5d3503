// Node-only: the embedded database. Never imported by the app itself (Workers use Hyperdrive).
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { DbHandle } from '../db/handle.js';
import type { Database } from '../db/schema.js';

/** Thrown when another live process already holds the embedded database. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: string,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by ${holder}. PGlite is a single-process database: ` +
        `stop that process first (for the CLI: stop the server, run the command, start it again), ` +
        `or point both at PostgreSQL with DATABASE_URL.`,
    );
    this.name = 'DataDirInUseError';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes an exclusive lock file in the data directory. A lock left by a process that died is
 * taken over; a lock held by a live process refuses, so two processes never open the same
 * PGlite files (which would corrupt them).
 */
export function lockDataDir(dataDir: string, role: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'pglite.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), role, since: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder: { pid?: number; host?: string; role?: string } = {};
      try {
        holder = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        // Unreadable lock: treat as stale.
      }
      const sameHost = !holder.host || holder.host === hostname();
      if (holder.pid && sameHost && processAlive(holder.pid)) {
        throw new DataDirInUseError(resolve(dataDir), `${holder.role ?? 'a process'} (pid ${holder.pid})`);
      }
      if (holder.pid && !sameHost) {
        throw new DataDirInUseError(resolve(dataDir), `${holder.role ?? 'a process'} on host ${holder.host}`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new DataDirInUseError(resolve(dataDir), 'another process');
}

/**
 * Opens PGlite: in memory when `dataDir` is undefined (tests), else on disk under
 * `dataDir/pgdata`, holding the directory's lock until the returned Kysely is destroyed.
 */
export async function createPgliteDb(dataDir: string | undefined, role = 'server'): Promise<DbHandle> {
  if (!dataDir) {
    const db = new Kysely<Database>({ dialect: new PGliteDialect(await PGlite.create()) });
    return { db, kind: 'pglite', close: () => db.destroy() };
  }
  const release = lockDataDir(dataDir, role);
  const onExit = () => release();
  process.once('exit', onExit);
  try {
    const pglite = await PGlite.create(join(dataDir, 'pgdata'));
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    return {
      db,
      kind: 'pglite',
      close: async () => {
        try {
          await db.destroy();
        } finally {
          release();
          process.off('exit', onExit);
        }
      },
    };
  } catch (e) {
    release();
    process.off('exit', onExit);
    throw e;
  }
}
