/** The service as a spawned process, configured for a benchmark. */
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { BENCH_HASH_KEY } from './db.js';
import { type Spawned, spawnNode } from './env.js';

/**
 * A port free on loopback right now (the kernel's choice), for a process the run starts: a
 * fixed port could be answered by another run's server (its /readyz looks just as ready).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts `src/entries/server.ts` on PostgreSQL (`db.url`) or, without it, PGlite in `db.dataDir`: no job loop
 * (nothing in the background while we measure), warn-level logs, the given signing key.
 */
export async function startService(
  db: { url?: string; dataDir: string },
  jwk: JWK,
  extra: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<Spawned> {
  const env: Record<string, string | undefined> = {
    LOG_LEVEL: 'error',
    LINK_SIGNING_KEYS: JSON.stringify({ keys: [jwk] }),
    SUPPRESSION_HASH_KEY: BENCH_HASH_KEY,
    JOBS_INTERVAL_SECONDS: '0',
    MIGRATE_ON_START: 'false',
    NODE_ENV: 'development',
    DB_POOL_MAX: '32',
    // DATA_DIR always a temporary directory: on PostgreSQL it still holds generated keys and .eml files.
    DATABASE_URL: db.url,
    DATA_DIR: db.dataDir,
    ...extra,
  };
  return spawnNode('src/entries/server.ts', [], env, await freePort(), '/readyz', nodeArgs);
}

/** A temporary directory, removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mailprefs-bench-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
