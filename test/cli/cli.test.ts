import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDb, lockDataDir } from '../../src/node/pglite.js';
import { createHarness, jsonRequest, lead } from '../helpers/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dataDir: string;

/** Runs the real CLI in a child process against `dataDir` (embedded PGlite). */
function cli(...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'development' };
  delete env.DATABASE_URL;
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/entries/cli.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

const lines = (s: string) => s.split('\n').filter((l) => l.trim().length > 0);

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'mailprefs-cli-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

// Each CLI run starts Node, tsx and PGlite: seconds each, more on a loaded machine.
describe('operator CLI on the embedded database', { timeout: 120_000 }, () => {
  let keyId: string;
  let key: string;

  it('keys create prints the new key alone on its last line, and that key authenticates against the app on the same data dir', async () => {
    const r = await cli('keys', 'create', '--name', 'site', '--scopes', 'leads:write,links:write');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    key = out.at(-1)!.trim();
    expect(key).toMatch(/^mpk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    keyId = key.slice('mpk_'.length, 'mpk_'.length + 8);
    expect(out.slice(0, -1).join('\n')).toContain(keyId);
    expect(readdirSync(dataDir)).not.toContain('pglite.lock');

    const handle = await createPgliteDb(dataDir, 'test');
    const h = await createHarness({ handle });
    try {
      const res = await h.app.request('/v1/subjects', jsonRequest('POST', lead('cli-key@example.ru'), `Bearer ${key}`));
      expect(res.status).toBe(201);
      const forbidden = await h.app.request('/v1/suppressions', { headers: { authorization: `Bearer ${key}` } });
      expect(forbidden.status).toBe(403);
    } finally {
      await h.close();
    }
  });

  it('keys create refuses an unknown scope with a non-zero exit naming it, creating nothing', async () => {
    const r = await cli('keys', 'create', '--name', 'bad', '--scopes', 'leads:write,everything:root');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('everything:root');
    expect(r.stdout).not.toMatch(/mpk_/);
  });

  it('keys revoke --id revokes the key', async () => {
    const r = await cli('keys', 'revoke', '--id', keyId);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(keyId);
  });

  it('refuses with "in use" while another process holds the data dir, and leaves the data intact', async () => {
    const release = lockDataDir(dataDir, 'server');
    let refused: Run;
    try {
      refused = await cli('keys', 'list');
    } finally {
      release();
    }
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('in use');
    expect(refused.stdout).not.toContain(keyId);

    // After release: the database opens and keys list shows the key, revoked, never its text.
    const r = await cli('keys', 'list');
    expect(r.code).toBe(0);
    const row = lines(r.stdout).find((l) => l.startsWith(keyId));
    expect(row).toBeDefined();
    expect(row!.split('\t').slice(0, 4)).toEqual([keyId, 'revoked', 'site', 'leads:write,links:write']);
    expect(r.stdout).not.toContain(key);
    expect(r.stdout).not.toMatch(/mpk_/);
  });
});
