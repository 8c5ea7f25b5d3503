import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDb } from '../../src/node/pglite.js';
import { listTopics } from '../../src/topics/queries.js';

const ROOT = resolve(import.meta.dirname, '../..');
let dataDir: string;

/** Runs the real CLI in a child process against `dataDir` (embedded PGlite). */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'mailprefs-topics-cli-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// The CLI runs on the embedded database only; the actions it calls are the API's, tested on both.
describe('npm run cli -- topics', { timeout: 120_000 }, () => {
  it('put defines a topic, list shows it, remove removes it softly, as the API does', async () => {
    const put = await cli(
      'topics',
      'put',
      '--key',
      'webinars',
      '--name-ru',
      'Вебинары',
      '--name-en',
      'Webinars',
      '--description-en',
      'Invitations',
      '--counts-toward-cap',
      'no',
    );
    expect(put.stderr).toBe('');
    expect(put.code).toBe(0);
    expect(put.stdout).toContain('Created topic webinars');

    const list = await cli('topics', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^webinars\tactive\tdefault-on,outside-cap\tВебинары\tWebinars$/m);

    const removed = await cli('topics', 'remove', '--key', 'webinars');
    expect(removed.code).toBe(0);
    expect((await cli('topics', 'list')).stdout).toContain('No topics.');
    expect((await cli('topics', 'list', '--all')).stdout).toMatch(/^webinars\tremoved/m);

    const handle = await createPgliteDb(dataDir, 'test');
    try {
      const [t] = await listTopics(handle.db, { includeRemoved: true });
      expect(t).toMatchObject({
        key: 'webinars',
        name: { ru: 'Вебинары', en: 'Webinars' },
        description: { ru: '', en: 'Invitations' },
        countsTowardCap: false,
      });
      expect(t!.removedAt).toBeInstanceOf(Date);
    } finally {
      await handle.close();
    }
  });

  it('refuses a bad key, a missing name or a bad flag with exit code 2, writing nothing; remove of an unknown key exits 1', async () => {
    for (const args of [
      ['topics', 'put', '--key', 'Bad Key', '--name-ru', 'a', '--name-en', 'b'],
      ['topics', 'put', '--key', 'news', '--name-en', 'News'],
      ['topics', 'put', '--key', 'news', '--name-ru', 'Новости', '--name-en', 'News', '--default-subscribed', 'maybe'],
    ]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.length).toBeGreaterThan(0);
    }
    expect((await cli('topics', 'list', '--all')).stdout).not.toContain('news');
    const unknown = await cli('topics', 'remove', '--key', 'never-was');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('No topic never-was');
  });
});
