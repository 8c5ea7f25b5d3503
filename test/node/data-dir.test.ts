import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { bootstrap } from '../../src/node/bootstrap.js';
import { secureDataDir } from '../../src/node/data-dir.js';
import { fileMailer } from '../../src/node/mailer.js';
import { resolveHashKey, resolvePushKeys, resolveSigningKeys } from '../../src/node/secrets.js';

const mode = (p: string) => statSync(p).mode & 0o777;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [join(dir, e.name), ...walk(join(dir, e.name))] : [join(dir, e.name)]));
}

describe('DATA_DIR is owner-only', () => {
  it('tightens what an earlier start left readable to others: directories 0700, files 0600, at any depth', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailprefs-perm-'));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'outbox', 'nested'), { recursive: true, mode: 0o755 });
    writeFileSync(join(dir, 'suppression-hash.key'), 'k', { mode: 0o644 });
    writeFileSync(join(dir, 'outbox', 'old.eml'), 'To: someone@example.ru', { mode: 0o666 });
    writeFileSync(join(dir, 'outbox', 'nested', 'x'), 'x', { mode: 0o640 });
    expect(secureDataDir(dir)).toBe(6);
    expect(mode(dir)).toBe(0o700);
    for (const p of walk(dir)) expect([p, mode(p)]).toEqual([p, statSync(p).isDirectory() ? 0o700 : 0o600]);
    expect(secureDataDir(dir)).toBe(0);
  });

  it('leaves a missing DATA_DIR missing (a start that needs none creates none)', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mailprefs-perm-')), 'absent');
    expect(secureDataDir(dir)).toBe(0);
    expect(() => statSync(dir)).toThrow();
  });

  it("creates generated keys 0600 and the file mailer's directory 0700 and .eml files 0600, whatever the umask", async () => {
    const old = process.umask(0o022);
    try {
      const dir = join(mkdtempSync(join(tmpdir(), 'mailprefs-perm-')), 'data');
      const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
      await resolveSigningKeys(config, silentLogger);
      resolveHashKey(config, silentLogger);
      await resolvePushKeys(config, silentLogger);
      const mailer = fileMailer(join(dir, 'outbox'));
      await mailer.send({
        to: 'perm@example.ru',
        from: 'no-reply@localhost',
        subject: 's',
        html: '<p>x</p>',
        text: 'x',
        messageId: '<outbox-1@localhost>',
        subjectId: '00000000-0000-4000-8000-000000000001',
      });
      expect(mode(dir)).toBe(0o700);
      const all = walk(dir);
      expect(all.length).toBe(5);
      for (const p of all) expect([p, mode(p)]).toEqual([p, statSync(p).isDirectory() ? 0o700 : 0o600]);
      expect(await mailer.forget!('00000000-0000-4000-8000-000000000001')).toBe(1);
      expect(readdirSync(join(dir, 'outbox'))).toEqual([]);
    } finally {
      process.umask(old);
    }
  });

  it('a start on the embedded database leaves nothing under DATA_DIR readable to others: database files, lock, keys', async () => {
    const old = process.umask(0o022);
    const dir = join(mkdtempSync(join(tmpdir(), 'mailprefs-perm-')), 'data');
    mkdirSync(dir, { mode: 0o755 });
    writeFileSync(join(dir, 'left-over.eml'), 'To: someone@example.ru', { mode: 0o644 });
    try {
      const b = await bootstrap({ DATA_DIR: dir, LOG_LEVEL: 'silent' }, 'test');
      try {
        const all = walk(dir);
        expect(all.some((p) => p.includes('pgdata'))).toBe(true);
        const loose = all.filter((p) => mode(p) & 0o077);
        expect(loose).toEqual([]);
      } finally {
        await b.handle.close();
      }
    } finally {
      process.umask(old);
    }
  });
});
