import { describe, expect, it } from 'vitest';
import { maskEmail } from '../../src/pages/mask.js';
import { seededRandom } from '../helpers/seed.js';

describe('maskEmail', () => {
  it('keeps the first character and the domain, and hides the rest of the local part', () => {
    expect(maskEmail('ivan.petrov@example.ru')).toBe('i***@example.ru');
    expect(maskEmail('i@example.ru')).toBe('i***@example.ru');
    expect(maskEmail('иван@пример.рф')).toBe('и***@пример.рф');
    expect(maskEmail('😀smile@example.com')).toBe('😀***@example.com');
    // The last @ separates the domain: a quoted local part may hold one.
    expect(maskEmail('"a@b"@example.ru')).toBe('"***@example.ru');
  });

  it('shows only stars for anything that is not local@domain', () => {
    for (const s of ['', 'ivan', '@example.ru', 'ivan@', '@']) expect(maskEmail(s)).toBe('***');
  });

  it('never reveals more than the first character or the length of the local part (random addresses)', () => {
    const next = seededRandom('maskEmail random addresses');
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789._+-абвгдеёжз';
    const pick = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    for (let i = 0; i < 2000; i++) {
      const local = pick(1 + Math.floor(next() * 40));
      const domain = `${pick(1 + Math.floor(next() * 10))}.ru`;
      const masked = maskEmail(`${local}@${domain}`);
      expect(masked).toBe(`${local[0]}***@${domain}`);
      // Two addresses that differ only after the first character of the local part look the same.
      expect(maskEmail(`${local[0]}${pick(5)}@${domain}`)).toBe(masked);
    }
  });
});
