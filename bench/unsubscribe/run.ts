/**
 * One-click unsubscribe throughput: a real server process, a real database, every request a
 * first click by a different person (so every request writes: consent, event, suppression).
 *
 *   npm run bench:unsubscribe                       # PostgreSQL at BENCH_DATABASE_URL (default local `test` db)
 *   BENCH_DB=pglite npm run bench:unsubscribe       # embedded PGlite in a temp DATA_DIR
 *   BENCH_REQUESTS=40000 BENCH_CONNECTIONS=50 ...   # knobs
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import { createLinkSigner, generateSigningJwk } from '../../src/links/tokens.js';
import { createPgliteDb } from '../../src/node/pglite.js';
import { fixedClock } from '../../src/time/clock.js';
import { machine } from '../lib/db.js';
import { seedSubjects } from '../lib/seed.js';

const kind = process.env.BENCH_DB === 'pglite' ? 'pglite' : 'postgres';
const requests = Number(process.env.BENCH_REQUESTS ?? (kind === 'pglite' ? 10_000 : 40_000));
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const port = Number(process.env.BENCH_PORT ?? 3917);
const baseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function main() {
  const jwk = await generateSigningJwk('bench');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    LOG_LEVEL: 'warn',
    LINK_SIGNING_KEYS: JSON.stringify({ keys: [jwk] }),
    SUPPRESSION_HASH_KEY: 'bench-suppression-hash-key-0123456789abcdef',
  };
  let cleanup = async () => {};
  let ids: string[];
  const now = new Date();
  if (kind === 'postgres') {
    const schema = `bench_${Date.now()}`;
    const admin = createPostgresDb(baseUrl, { max: 1 });
    await sql`create schema ${sql.id(schema)}`.execute(admin.db);
    const h = createPostgresDb(baseUrl, { max: 2, searchPath: schema });
    await migrateToLatest(h.db);
    ids = await seedSubjects(h.db, requests, now);
    await sql`analyze`.execute(h.db);
    await h.close();
    const url = new URL(baseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    env.DATABASE_URL = url.toString();
    env.DB_POOL_MAX = process.env.BENCH_POOL ?? '20';
    cleanup = async () => {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
      await admin.close();
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'mailprefs-bench-'));
    const h = await createPgliteDb(dir, 'bench seed');
    await migrateToLatest(h.db);
    ids = await seedSubjects(h.db, requests, now);
    await h.close();
    env.DATA_DIR = dir;
    delete env.DATABASE_URL;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }

  const signer = await createLinkSigner([jwk], fixedClock(now));
  const paths = await Promise.all(ids.map(async (sub) => `/u/${await signer.sign({ sub, p: 'u', cmp: 'bench' })}`));

  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const server = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/entries/server.ts'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    await waitForHealth(`http://127.0.0.1:${port}/healthz`);
    let next = 0;
    const result = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      amount: paths.length,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
          setupRequest: (req: any) => ({ ...req, path: paths[next++ % paths.length] }),
        },
      ],
    });
    const ok = result['2xx'];
    const summary = {
      database: kind,
      requests: result.requests.total,
      ok,
      non2xx: result.non2xx,
      errors: result.errors,
      perSecond: Math.round(result.requests.average),
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      connections,
      machine: machine(),
    };
    console.log(JSON.stringify(summary, null, 2));
    if (ok !== paths.length) process.exitCode = 1;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await cleanup();
  }
}

async function waitForHealth(url: string) {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('server did not become healthy');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
