import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningJwk } from '../../src/links/tokens.js';

/**
 * The real server entry in a child process: a start that cannot go on says why in one line
 * on stderr and exits 1, never with a stack trace.
 */

const ROOT = resolve(import.meta.dirname, '../..');

function start(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'error', JOBS_INTERVAL_SECONDS: '0', ...env };
  delete childEnv.DATABASE_URL;
  for (const k of Object.keys(env)) if (env[k] === '') delete childEnv[k];
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/entries/server.ts'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // A server that did start would run forever: give up after a while and say so. Generous: a
    // loaded CI machine compiles the entry and starts PGlite (initdb, migrations) slowly.
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

const lines = (s: string) => s.split('\n').filter((l) => l.trim().length > 0);

let dataDir: string;
let blocker: Server;
let port: number;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mailprefs-start-'));
  blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, () => r()));
  port = (blocker.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => blocker.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('starting the server', () => {
  it('on a port in use: one line naming the port, exit status 1, the data dir released', { timeout: 180_000 }, async () => {
    const run = await start({ PORT: String(port), DATA_DIR: dataDir });
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([`Port ${port} is already in use: another process is listening on it. Stop that process or set PORT to a free port.`]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
  });

  it('in production without SMTP_URL: one line naming it, exit status 1', { timeout: 180_000 }, async () => {
    const run = await start({
      NODE_ENV: 'production',
      PORT: String(port),
      DATA_DIR: dataDir,
      LINK_SIGNING_KEYS: '{"keys":[]}',
      SUPPRESSION_HASH_KEY: 'k'.repeat(40),
      PUBLIC_BASE_URL: 'https://prefs.example.ru',
      SMTP_URL: '',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SMTP_URL: required when NODE_ENV=production');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('in production on the embedded database: one warning line saying so, then the start goes on (here to the taken port)', { timeout: 180_000 }, async () => {
    const run = await start({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      DATA_DIR: dataDir,
      LINK_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk('start-test')] }),
      SUPPRESSION_HASH_KEY: 'k'.repeat(40),
      PUBLIC_BASE_URL: 'https://prefs.example.ru',
      SMTP_URL: 'smtp://127.0.0.1:1',
      ORG_NAME: 'ООО «Ромашка»',
      ORG_URL: 'https://romashka.example.ru/',
      SUPPORT_EMAIL: 'privacy@romashka.example.ru',
      POLICY_URL: 'https://romashka.example.ru/privacy',
    });
    const warnings = lines(run.stdout).map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', msg: expect.stringMatching(/^NODE_ENV=production on the embedded database in .* \(no DATABASE_URL\)/) });
    expect(lines(run.stderr)).toEqual([`Port ${port} is already in use: another process is listening on it. Stop that process or set PORT to a free port.`]);
    expect(run.code).toBe(1);
  });
});
