import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The real server entry with INBOUND_SMTP_PORT: it starts the listener beside the HTTP server,
 * stops it on SIGTERM, and says in one line when its port is taken.
 */

const ROOT = resolve(import.meta.dirname, '../..');

function spawnServer(env: Record<string, string>): { child: ChildProcess; out: { stdout: string; stderr: string }; closed: Promise<number | null> } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'error', JOBS_INTERVAL_SECONDS: '0', ...env };
  delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/entries/server.ts'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  const closed = new Promise<number | null>((res) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      res(code);
    }),
  );
  return { child, out, closed };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

/** The SMTP greeting and the EHLO answer, once the listener answers (polled until it does). */
async function greet(port: number, deadline: number): Promise<string> {
  while (Date.now() < deadline) {
    const heard = await new Promise<string>((res) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => {
        text += d;
        if (/^220 /m.test(text) && !text.includes('EHLO-SENT')) {
          text += 'EHLO-SENT\n';
          socket.write('EHLO test.example\r\n');
        } else if (/^250 /m.test(text)) {
          socket.end('QUIT\r\n');
          res(text);
        }
      });
      socket.on('error', () => res(''));
      socket.on('close', () => res(text));
    });
    if (heard.includes('250')) return heard;
    await new Promise((r) => setTimeout(r, 300));
  }
  return '';
}

let dataDir: string;
let blocker: Server;
let takenPort: number;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mailprefs-smtp-start-'));
  blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, () => r()));
  takenPort = (blocker.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => blocker.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the server with INBOUND_SMTP_PORT', () => {
  it('starts the listener, which greets and advertises SIZE, and stops with the server on SIGTERM', { timeout: 180_000 }, async () => {
    const smtpPort = await freePort();
    const run = spawnServer({
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      UNSUBSCRIBE_MAILTO: 'unsubscribe@prefs.example.ru',
      INBOUND_SMTP_PORT: String(smtpPort),
      INBOUND_SMTP_HOST: '127.0.0.1',
      INBOUND_SMTP_MAX_BYTES: '100000',
    });
    try {
      const heard = await greet(smtpPort, Date.now() + 150_000);
      expect(heard).toMatch(/^220 .*unsubscribe only/m);
      expect(heard).toMatch(/^250[- ]SIZE 100000$/m);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.closed).toBe(0);
    expect(run.out.stderr).toBe('');
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
  });

  it('on an INBOUND_SMTP_PORT in use: one line naming it, exit status 1, the data dir released', { timeout: 180_000 }, async () => {
    const run = spawnServer({
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      UNSUBSCRIBE_MAILTO: 'unsubscribe@prefs.example.ru',
      INBOUND_SMTP_PORT: String(takenPort),
    });
    expect(await run.closed).toBe(1);
    expect(run.out.stderr.trim().split('\n')).toEqual([
      `INBOUND_SMTP_PORT ${takenPort} is already in use: another process is listening on it. Stop that process or set INBOUND_SMTP_PORT to a free port.`,
    ]);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
  });
});
