import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/keys.js';
import type { DbHandle } from '../../src/db/handle.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import { createPgliteDb } from '../../src/node/pglite.js';
import { onPostgres } from '../helpers/harness.js';

/**
 * The real server entry in a child process, on the database of the run (PostgreSQL: a database
 * of its own; PGlite: a data dir of its own): the metrics port serves and the public port does
 * not; on SIGTERM a request in flight (its body still arriving) is answered, new connections
 * are refused, an idle kept-alive connection is closed at once, and the process exits 0 with
 * its pool closed (PostgreSQL: no connection of it left in pg_stat_activity); past
 * SHUTDOWN_GRACE_MS it exits 1.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const APP_NAME = `mailprefs-shutdown-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

let dataDir: string;
let dbName: string | undefined;
let dbUrl: string | undefined;
let key: string;

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const probe = createServer();
    probe.once('error', rej);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => res(port));
    });
  });
}

async function openDb(): Promise<DbHandle> {
  return dbUrl ? createPostgresDb(dbUrl, { max: 1 }) : createPgliteDb(dataDir, 'test');
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mailprefs-shutdown-'));
  if (onPostgres) {
    const server = new URL(process.env.TEST_DATABASE_URL!);
    dbName = `mailprefs_shutdown_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = createPostgresDb(server.toString(), { max: 1 });
    await sql`create database ${sql.id(dbName)}`.execute(admin.db);
    await admin.close();
    server.pathname = `/${dbName}`;
    dbUrl = server.toString();
  }
  const handle = await openDb();
  try {
    await migrateToLatest(handle.db);
    key = (await createApiKey(handle.db, { name: 'shutdown test', scopes: ['leads:write', 'admin'] }, new Date())).key;
  } finally {
    await handle.close();
  }
}, 120_000);

afterAll(async () => {
  if (dbName) {
    const admin = createPostgresDb(process.env.TEST_DATABASE_URL!, { max: 1 });
    await sql`drop database if exists ${sql.id(dbName)} with (force)`.execute(admin.db);
    await admin.close();
  }
  rmSync(dataDir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  port: number;
  metricsPort: number;
  stdout: () => string;
  exited: Promise<number | null>;
}

async function startServer(env: Record<string, string>): Promise<Running> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    DATA_DIR: dataDir,
    PGAPPNAME: APP_NAME,
    // The job loop runs (and is stopped with the rest).
    JOBS_INTERVAL_SECONDS: '1',
    ...env,
  };
  delete childEnv.DATABASE_URL;
  if (dbUrl) childEnv.DATABASE_URL = dbUrl;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/entries/server.ts'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready in time:\n${out}`);
    }
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, port, metricsPort, stdout: () => out, exited };
}

/** A POST /v1/subjects whose headers and first half of the body are sent now, the rest later. */
function slowPost(port: number, email: string): { socket: Socket; finish: () => void; answer: Promise<string> } {
  const body = JSON.stringify({ email, consents: { processing: true, marketing: false }, policyVersion: '2025-06-01' });
  const half = Math.floor(body.length / 2);
  const socket = connect(port, '127.0.0.1');
  socket.write(
    `POST /v1/subjects HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
  );
  let received = '';
  socket.setEncoding('utf8').on('data', (d: string) => (received += d));
  const answer = new Promise<string>((res) => socket.once('close', () => res(received)));
  return { socket, finish: () => socket.write(body.slice(half)), answer };
}

const until = async (what: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
};

const connectionsOfServer = async (): Promise<number> => {
  const admin = createPostgresDb(process.env.TEST_DATABASE_URL!, { max: 1 });
  try {
    const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where application_name = ${APP_NAME}`.execute(admin.db);
    return r.rows[0]!.n;
  } finally {
    await admin.close();
  }
};

describe('the Node server: metrics port, and SIGTERM', () => {
  it('serves /metrics on METRICS_PORT without auth and not on the public port', { timeout: 180_000 }, async () => {
    const s = await startServer({});
    try {
      const internal = await fetch(`http://127.0.0.1:${s.metricsPort}/metrics`);
      expect(internal.status).toBe(200);
      const text = await internal.text();
      expect(text).toMatch(/^mailprefs_http_requests_total\{method="GET",route="\/readyz",status_class="2xx"\} \d+$/m);
      expect(text).toMatch(/^mailprefs_database_up 1$/m);
      expect(text).toMatch(/^mailprefs_process_resident_memory_bytes \d+/m);
      // The internal port serves nothing else; the public one refuses /metrics to any key.
      expect((await fetch(`http://127.0.0.1:${s.metricsPort}/v1/subjects`)).status).toBe(404);
      const pub = await fetch(`http://127.0.0.1:${s.port}/metrics`, { headers: { authorization: `Bearer ${key}` } });
      expect(pub.status).toBe(404);
      expect(await pub.text()).not.toContain('mailprefs_');
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it('finishes the request in flight, refuses new connections, closes idle ones, closes the pool and exits 0', { timeout: 180_000 }, async () => {
    const s = await startServer({ SHUTDOWN_GRACE_MS: '15000' });
    if (onPostgres) expect(await connectionsOfServer()).toBeGreaterThan(0);

    // A kept-alive connection, idle after its answer.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let idleClosedAt = 0;
    await new Promise<void>((res, rej) => {
      const req = request({ host: '127.0.0.1', port: s.port, path: '/healthz', agent }, (r) => {
        r.resume();
        r.on('end', () => res());
      });
      req.on('socket', (sock) => sock.once('close', () => (idleClosedAt = Date.now())));
      req.on('error', rej);
      req.end();
    });

    const slow = slowPost(s.port, 'shutdown.in.flight@example.ru');
    await new Promise((r) => setTimeout(r, 500));
    const signalled = Date.now();
    s.child.kill('SIGTERM');
    expect(await until(() => /"msg":"stopping"/.test(s.stdout()), 5_000)).toBe(true);

    // The idle connection goes at once; a new one is refused.
    expect(await until(() => idleClosedAt > 0, 2_000)).toBe(true);
    expect(idleClosedAt - signalled).toBeLessThan(2_000);
    const refused = await new Promise<string>((res) => {
      const c = connect(s.port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        res('connected');
      });
      c.once('error', (e: NodeJS.ErrnoException) => res(e.code ?? String(e)));
    });
    expect(refused).toBe('ECONNREFUSED');
    expect(s.child.exitCode).toBeNull();

    // The request in flight is still waited for: its body arrives a second later and is answered.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(s.child.exitCode).toBeNull();
    slow.finish();
    const answer = await slow.answer;
    expect(answer).toMatch(/^HTTP\/1\.1 201 /);

    expect(await s.exited).toBe(0);
    const lines = s
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; level: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['stopping', 'stopped']));
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    // The person was written: the answered request committed before the pool closed.
    const handle = await openDb();
    try {
      const n = await sql<{ n: number }>`select count(*)::int as n from subjects where email = 'shutdown.in.flight@example.ru'`.execute(handle.db);
      expect(n.rows[0]!.n).toBe(1);
    } finally {
      await handle.close();
    }
    if (onPostgres) expect(await connectionsOfServer()).toBe(0);
  });

  it('exits 1 when a request is still in flight at SHUTDOWN_GRACE_MS', { timeout: 180_000 }, async () => {
    const s = await startServer({ SHUTDOWN_GRACE_MS: '1000' });
    const slow = slowPost(s.port, 'shutdown.never.finished@example.ru');
    await new Promise((r) => setTimeout(r, 300));
    const signalled = Date.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(1);
    const took = Date.now() - signalled;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5_000);
    expect(s.stdout()).toContain('shutdown took longer than its bound (SHUTDOWN_GRACE_MS)');
    slow.socket.destroy();
  });
});
