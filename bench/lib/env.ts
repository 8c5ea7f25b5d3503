/**
 * The harness's I/O: the run's own PostgreSQL database, a migrated schema per scenario, spawned
 * servers, autocannon, the machine's description.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import type { DbHandle } from '../../src/db/handle.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createPostgresDb } from '../../src/db/postgres.js';

/** The server the run's database lives on (its database part is ignored: the run makes its own). */
export const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL of `database` on the benchmark's server, optionally with a search_path. */
export function databaseUrl(database: string, schema?: string): string {
  const u = new URL(SERVER_URL);
  u.pathname = `/${database}`;
  if (schema) u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

let runDatabase: string | null = null;

/** Creates `bench_<pid>` once per run; every scenario makes its schema in it. */
export async function ensureRunDatabase(): Promise<string> {
  if (runDatabase) return runDatabase;
  const name = `bench_${process.pid}`;
  const admin = createPostgresDb(databaseUrl(new URL(SERVER_URL).pathname.slice(1) || 'postgres'), { max: 1 });
  try {
    await sql`create database ${sql.id(name)}`.execute(admin.db);
  } finally {
    await admin.close();
  }
  runDatabase = name;
  return name;
}

/** Drops the run's database (at the end, whatever happened). */
export async function dropRunDatabase(): Promise<void> {
  if (!runDatabase) return;
  const admin = createPostgresDb(databaseUrl(new URL(SERVER_URL).pathname.slice(1) || 'postgres'), { max: 1 });
  try {
    await sql`drop database if exists ${sql.id(runDatabase)} with (force)`.execute(admin.db);
  } finally {
    await admin.close();
  }
  runDatabase = null;
}

export interface BenchSchema {
  handle: DbHandle;
  /** The URL a spawned server uses (search_path set to the schema). */
  url: string;
  schema: string;
  drop: () => Promise<void>;
}

/** A fresh, migrated schema for one scenario in the run's database. */
export async function openSchema(name: string, poolMax = 4): Promise<BenchSchema> {
  const database = await ensureRunDatabase();
  const schema = `s_${name.replace(/[^a-z0-9]/g, '_')}`;
  const admin = createPostgresDb(databaseUrl(database), { max: 1 });
  await sql`create schema ${sql.id(schema)}`.execute(admin.db);
  const handle = createPostgresDb(databaseUrl(database), { max: poolMax, searchPath: schema });
  await migrateToLatest(handle.db);
  return {
    handle,
    schema,
    url: databaseUrl(database, schema),
    drop: async () => {
      await handle.close().catch(() => {});
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
      await admin.close();
    },
  };
}

export interface Spawned {
  child: ChildProcess;
  port: number;
  base: string;
  /** Resets the child's peak RSS (VmHWM), when the kernel lets us (clear_refs 5). */
  resetPeak: () => boolean;
  /** The child's peak RSS since start or the last reset, in bytes (VmHWM). */
  peakRss: () => number;
  stop: () => Promise<void>;
}

/**
 * Starts a Node process (`node --import tsx <script>`) with `env`, waits until `healthPath`
 * answers 200 on 127.0.0.1:`port`.
 */
export async function spawnNode(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
  port: number,
  healthPath = '/readyz',
  nodeArgs: string[] = [],
): Promise<Spawned> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    env: { ...process.env, ...env, PORT: String(port) } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const base = `http://127.0.0.1:${port}`;
  const status = () => readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const s: Spawned = {
    child,
    port,
    base,
    resetPeak: () => {
      try {
        writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
        return true;
      } catch {
        return false;
      }
    },
    peakRss: () => Number(/VmHWM:\s+(\d+) kB/.exec(status())?.[1] ?? 0) * 1024,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    try {
      if ((await fetch(base + healthPath)).ok) return s;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await s.stop();
  throw new Error(`${script} did not answer ${healthPath}`);
}

export interface LoadFigures {
  perSecond: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Answers by status code, e.g. { "200": { count: 999 }, "503": { count: 1 } }. */
  codes?: Record<string, unknown>;
}

/**
 * `amount` requests over `connections` keep-alive connections with autocannon, each request's
 * path from `path(i)` (i counts from 0).
 */
export async function load(
  base: string,
  opts: { connections: number; amount: number; method: 'GET' | 'POST'; path: (i: number) => string; body?: string; headers?: Record<string, string> },
): Promise<LoadFigures> {
  let next = 0;
  const started = performance.now();
  const r = await autocannon({
    url: base,
    connections: opts.connections,
    amount: opts.amount,
    requests: [
      {
        method: opts.method,
        headers: opts.headers,
        body: opts.body,
        setupRequest: (req: any) => ({ ...req, path: opts.path(next++) }),
      },
    ],
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    // Completed requests over wall time (autocannon's per-second average is over whole seconds).
    perSecond: r.requests.total / seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    codes: (r as unknown as { statusCodeStats?: Record<string, unknown> }).statusCodeStats,
  };
}

/** The machine, the software and the commit, for results.json. */
export async function machineInfo(): Promise<Record<string, unknown>> {
  const git = (...a: string[]) => {
    try {
      return execFileSync('git', a, { encoding: 'utf8' }).trim();
    } catch {
      return null;
    }
  };
  let postgres: string | null = null;
  try {
    const admin = createPostgresDb(SERVER_URL, { max: 1 });
    postgres = (await sql<{ v: string }>`select version() as v`.execute(admin.db)).rows[0]!.v;
    await admin.close();
  } catch {
    postgres = null;
  }
  let load: string | null = null;
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {}
  return {
    cpu: cpus()[0]?.model ?? null,
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres,
    loadAverageAtStart: load,
    date: new Date().toISOString(),
    commit: git('rev-parse', 'HEAD'),
    dirty: git('status', '--porcelain') !== '',
  };
}
