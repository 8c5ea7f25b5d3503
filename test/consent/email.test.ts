import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../src/consent/email.js';

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Anna.Smirnova@Example.RU ')).toBe('anna.smirnova@example.ru');
    expect(normalizeEmail('\tIVAN+news@MAIL.example.com\n')).toBe('ivan+news@mail.example.com');
  });

  it('turns an internationalized domain into its ASCII (punycode) form', () => {
    expect(normalizeEmail('Ivan@ПОЧТА.рф')).toBe('ivan@xn--80a1acny.xn--p1ai');
    expect(normalizeEmail('ivan@почта.рф')).toBe('ivan@xn--80a1acny.xn--p1ai');
  });

  it('gives the Unicode and the punycode spelling of a domain the same normalized address', () => {
    expect(normalizeEmail('ivan@XN--80A1ACNY.XN--P1AI')).toBe(normalizeEmail('Ivan@ПОЧТА.рф'));
  });

  it('keeps a Unicode local part, lower-cased', () => {
    expect(normalizeEmail('Иван@Почта.рф')).toBe('иван@xn--80a1acny.xn--p1ai');
  });

  it('drops a trailing dot of a fully qualified domain', () => {
    expect(normalizeEmail('a@example.ru.')).toBe('a@example.ru');
  });

  it('accepts dot-atom special characters in the local part', () => {
    expect(normalizeEmail("o'brien.x_y-z+tag@example.ru")).toBe("o'brien.x_y-z+tag@example.ru");
  });

  it('is idempotent', () => {
    for (const input of ['  Anna.Smirnova@Example.RU ', 'Ivan@ПОЧТА.рф', 'a@example.ru.']) {
      const once = normalizeEmail(input)!;
      expect(normalizeEmail(once)).toBe(once);
    }
  });

  const refused: [string, string][] = [
    ['', 'empty'],
    ['   ', 'blank'],
    ['no-at', 'no @'],
    ['@example.ru', 'an empty local part'],
    ['a@', 'an empty domain'],
    ['a@b', 'a single-label domain'],
    ['a@localhost', 'a single-label host'],
    ['x@-bad-.ru', 'a label with leading and trailing hyphens'],
    ['x@bad-.ru', 'a label with a trailing hyphen'],
    ['x@127.0.0.1', 'an IPv4 address as domain'],
    ['x@[127.0.0.1]', 'an address literal'],
    ['x@0x7f.1', 'a hex IPv4 as domain'],
    ['a b@c.ru', 'a space in the local part'],
    ['a@exa mple.ru', 'a space in the domain'],
    ['"quoted"@example.ru', 'a quoted local part'],
    ['a..b@example.ru', 'consecutive dots in the local part'],
    ['.a@example.ru', 'a leading dot in the local part'],
    ['a.@example.ru', 'a trailing dot in the local part'],
    ['a@b@example.ru', 'two @'],
    ['a@example..ru', 'an empty domain label'],
    ['a@ex_ample.ru', 'an underscore in the domain'],
    ['a@example.ru/x', 'a slash in the domain'],
    ['a@example.ru:25', 'a port'],
    [`${'a'.repeat(65)}@example.ru`, 'a local part over 64 characters'],
    [`a@${'b'.repeat(64)}.ru`, 'a domain label over 63 characters'],
    [`${'a'.repeat(64)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.ru`, 'an address over 254 characters'],
    [`${'a'.repeat(310)}@example.ru`, 'an input over 320 characters'],
  ];
  it.each(refused.map(([input, why]) => ({ input, why })))('refuses $why', ({ input }) => {
    expect(normalizeEmail(input)).toBeNull();
  });

  it('accepts the longest parts the limits allow', () => {
    const local = 'a'.repeat(64);
    expect(normalizeEmail(`${local}@example.ru`)).toBe(`${local}@example.ru`);
    const label = 'b'.repeat(63);
    expect(normalizeEmail(`x@${label}.ru`)).toBe(`x@${label}.ru`);
  });
});
