import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEmailHasher } from '../../src/consent/hash.js';

const nodeHmac = (key: string, msg: string) => createHmac('sha256', Buffer.from(key, 'utf8')).update(msg, 'utf8').digest('hex');

describe('createEmailHasher', () => {
  const key = 'test-suppression-hash-key-0123456789abcdef';

  it('computes HMAC-SHA256 as lower-case hex, equal to node:crypto for the same key', async () => {
    const hasher = await createEmailHasher(key);
    for (const email of ['anna.smirnova@example.ru', 'ivan@xn--80a1acny.xn--p1ai', 'иван@xn--80a1acny.xn--p1ai', '']) {
      const h = await hasher.hash(email);
      expect(h).toMatch(/^[0-9a-f]{64}$/);
      expect(h).toBe(nodeHmac(key, email));
    }
  });

  it('matches node:crypto with a non-ASCII key and a key longer than the SHA-256 block', async () => {
    for (const k of ['ключ-для-хэширования-адресов-0123456789', 'k'.repeat(200)]) {
      expect(await (await createEmailHasher(k)).hash('a@example.ru')).toBe(nodeHmac(k, 'a@example.ru'));
    }
  });

  it('is deterministic and depends on the key', async () => {
    const a = await createEmailHasher(key);
    const b = await createEmailHasher(`${key}x`);
    expect(await a.hash('a@example.ru')).toBe(await a.hash('a@example.ru'));
    expect(await a.hash('a@example.ru')).not.toBe(await b.hash('a@example.ru'));
    expect(await a.hash('a@example.ru')).not.toBe(await a.hash('b@example.ru'));
  });

  it('is not the unkeyed SHA-256 of the address', async () => {
    const { createHash } = await import('node:crypto');
    const plain = createHash('sha256').update('a@example.ru').digest('hex');
    expect(await (await createEmailHasher(key)).hash('a@example.ru')).not.toBe(plain);
  });
});
