import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDb } from '../../src/node/pglite.js';
import { onPostgres } from '../helpers/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;

function start(
  args: string[],
  dataDir: string,
  extra: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }>; stderr: () => string } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'development',
    SUPPRESSION_HASH_KEY: 'cli-import-test-key-0123456789abcdef',
    ...extra,
  };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/entries/cli.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
  return { child, done, stderr: () => stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailprefs-import-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each run starts Node, tsx and PGlite: seconds each on a loaded machine. The embedded database only:
// the CLI here opens DATA_DIR (the PostgreSQL path is the same code, tested in import.test.ts).
describe.skipIf(onPostgres)('npm run cli -- import', { timeout: 300_000 }, () => {
  it('imports a file, writes the report beside it, and prints the counts; plain progress lines on a pipe', async () => {
    const data = join(dir, 'a');
    const file = join(dir, 'people.csv');
    writeFileSync(file, 'email,first_name,consent_at\nc1@example.ru,Анна,2024-01-01T00:00:00Z\nbroken,,\nc2@example.ru,,\n');
    const r = await start(['import', 'subjects', file, '--source', 'crm'], data).done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 row(s): 2 person(s) created (1 with advertising consent granted, 1 as none');
    expect(r.stderr).toMatch(/^import: \d+ rows, \d+ rows\/s, line \d+/m);
    expect(r.stderr).not.toContain('\r');
    const report = readFileSync(`${file}.rejected.csv`, 'utf8');
    expect(report.split('\n')[0]).toBe('line,reason,detail');
    expect(report).toMatch(/^3,bad_address,/m);
    expect(report).toMatch(/^4,no_consent_evidence,/m);
  });

  it('refuses a DATA_DIR a running server holds, and points at the staff API', async () => {
    const data = join(dir, 'held');
    const handle = await createPgliteDb(data, 'server');
    try {
      const file = join(dir, 'x.csv');
      writeFileSync(file, 'email\nx@example.ru\n');
      const r = await start(['import', 'subjects', file], data).done;
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('in use by server');
      expect(r.stderr).toContain('POST');
      expect(r.stderr).toContain('/v1/imports/subjects');
      expect(r.stderr).toContain('imports:write');
    } finally {
      await handle.close();
    }
    void hostname;
  });

  it('killed mid-import and run again with the same file, it resumes after its last batch: no duplicates, the same end state as one run', async () => {
    const rows = ['email,name,consent_at'];
    for (let i = 0; i < 5000; i++) rows.push(`k${i}@example.ru,"K ${i}",${i % 2 ? '2024-01-01 00:00:00' : ''}`);
    const text = `${rows.join('\n')}\n`;
    const fileA = join(dir, 'kill.csv');
    writeFileSync(fileA, text);
    const dataA = join(dir, 'kill');
    const run = start(['import', 'subjects', fileA, '--batch-size', '250'], dataA, { IMPORT_PROGRESS_INTERVAL_MS: '0' });
    // Kill it once two batches are in (a progress line per batch names the line it is in up to).
    const committed = () => Math.max(0, ...[...run.stderr().matchAll(/line ([\d,]+)/g)].map((m) => Number(m[1]!.replace(/,/g, ''))));
    const deadline = Date.now() + 240_000;
    while (committed() < 500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(committed()).toBeLessThan(5000);
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.code).toBeNull();

    const again = await start(['import', 'subjects', fileA, '--batch-size', '250'], dataA).done;
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('Resuming import');
    expect(again.stdout).toContain('resumed after');

    const oneShotData = join(dir, 'oneshot');
    const fileB = join(dir, 'kill-oneshot.csv');
    writeFileSync(fileB, text);
    const once = await start(['import', 'subjects', fileB, '--batch-size', '250'], oneShotData).done;
    expect(once.code).toBe(0);

    const state = async (data: string) => {
      const h = await createPgliteDb(data, 'test');
      try {
        const people = await h.db.selectFrom('subjects').select(['email', 'first_name', 'last_name']).orderBy('email').execute();
        const consents = await h.db.selectFrom('consents').select(['purpose', 'state']).execute();
        const ledger = await h.db.selectFrom('consent_events').select(['action', 'purpose']).execute();
        const imports = await h.db.selectFrom('imports').select(['counts', 'status']).where('status', '=', 'done').execute();
        return {
          people,
          granted: consents.filter((c) => c.state === 'granted').length,
          consents: consents.length,
          ledger: ledger.length,
          counts: imports.map((i) => (typeof i.counts === 'string' ? JSON.parse(i.counts) : i.counts)),
        };
      } finally {
        await h.close();
      }
    };
    const a = await state(dataA);
    const b = await state(oneShotData);
    expect(a.people).toHaveLength(5000);
    expect(a).toEqual(b);
    expect(readFileSync(`${fileA}.rejected.csv`, 'utf8')).toBe(readFileSync(`${fileB}.rejected.csv`, 'utf8'));
  });
});
