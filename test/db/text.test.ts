import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStorableText, storableText, unstorableTextPaths } from '../../src/db/text.js';
import { fcSeed } from '../helpers/seed.js';

// The reference: text survives a UTF-8 round trip (no unpaired surrogate) and holds no NUL.
const reference = (s: string) => !s.includes('\u0000') && Buffer.from(s, 'utf8').toString('utf8') === s;

describe('what PostgreSQL can store as text', () => {
  it('isStorableText agrees with a UTF-8 round trip without NUL, on any UTF-16 string', () => {
    const units = fc.string({
      unit: fc.oneof(
        fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', 'a', 'я', '😀'),
        fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)),
      ),
    });
    fc.assert(
      fc.property(units, (s) => {
        expect(isStorableText(s)).toBe(reference(s));
        const fixed = storableText(s);
        expect(isStorableText(fixed)).toBe(true);
        expect(fixed.length).toBe(s.length);
        if (reference(s)) expect(fixed).toBe(s);
      }),
      fcSeed({ numRuns: 3000 }),
    );
  });

  it('finds every bad string in a parsed input, keys included, by path', () => {
    expect(unstorableTextPaths({ a: 'ok', b: ['x', 'y\u0000'], c: { d: '\ud800', e: 1, f: null, g: new Date(0) }, 'k\u0000': 'v' })).toEqual([
      'b.1',
      'c.d',
      '(key)',
    ]);
    expect(unstorableTextPaths('\u0000')).toEqual(['']);
    expect(unstorableTextPaths({ ok: ['a', 'b'], n: 5 })).toEqual([]);
  });
});
