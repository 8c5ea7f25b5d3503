import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CsvRecord, detectDelimiter, readCsv } from '../../src/imports/csv.js';
import { fcSeed, TEST_SEED } from '../helpers/seed.js';

async function* chunks(parts: string[]): AsyncGenerator<string> {
  for (const p of parts) yield p;
}

async function all(text: string | string[], opts = {}): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const r of readCsv(chunks(typeof text === 'string' ? [text] : text), opts)) out.push(r);
  return out;
}

/**
 * The reference: a file written from known records, quoting a field only when it must (or at
 * random), with the physical line each record starts on counted while writing.
 */
function write(rows: string[][], delim: string, eol: string, quoteAll: boolean[]): { text: string; lines: number[] } {
  let text = '';
  let line = 1;
  const lines: number[] = [];
  rows.forEach((row, r) => {
    lines.push(line);
    const cells = row.map((f, c) => {
      const must = f.includes(delim) || /[",;\t\r\n]/.test(f) || (row.length === 1 && f === '');
      const cell = must || quoteAll[(r + c) % quoteAll.length] ? `"${f.replace(/"/g, '""')}"` : f;
      return cell;
    });
    const rec = cells.join(delim);
    // Physical lines: CRLF counts once, a lone CR or LF once.
    line += (rec.match(/\r\n|\r|\n/g) ?? []).length;
    text += rec;
    if (r < rows.length - 1 || quoteAll[0]) {
      text += eol;
      line += 1;
    }
  });
  return { text, lines };
}

/** Cuts a text at random places (the reader must not care where chunks end). */
function cut(text: string, points: number[]): string[] {
  const at = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let prev = 0;
  for (const p of at) {
    parts.push(text.slice(prev, p));
    prev = p;
  }
  parts.push(text.slice(prev));
  return parts;
}

const fieldChar = fc.constantFrom('a', 'b', 'Я', ' ', ',', ';', '\t', '"', '\r', '\n', '\r\n', '=', 'x');
const field = fc.array(fieldChar, { maxLength: 8 }).map((cs) => cs.join(''));

describe('readCsv (incremental RFC 4180)', () => {
  it(`reads back any file written from records, however it is cut into chunks, with each record's first physical line (seed ${TEST_SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 5 }).chain((cols) =>
          fc.record({
            header: fc.array(fc.stringMatching(/^[A-Za-z_]{1,6}$/), { minLength: cols, maxLength: cols }),
            rows: fc.array(fc.array(field, { minLength: cols, maxLength: cols }), { maxLength: 12 }),
          }),
        ),
        fc.constantFrom(',', ';', '\t'),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.boolean(),
        async ({ header, rows }, delim, eol, quoteAll, points, bom) => {
          // Rows of one empty field would be blank lines; the writer quotes them, so keep them.
          const records = [header, ...rows];
          const { text, lines } = write(records, delim, eol, quoteAll);
          const got = await all(cut((bom ? '\uFEFF' : '') + text, points));
          expect(got.map((r) => r.fields)).toEqual(records);
          expect(got.map((r) => r.line)).toEqual(lines);
          expect(got.every((r) => !r.tooLong)).toBe(true);
        },
      ),
      fcSeed({ numRuns: 300 }),
    );
  });

  it('detects the delimiter from the header line, outside quotes', () => {
    expect(detectDelimiter('"Email Address";"First Name";"Last Name"')).toBe(';');
    expect(detectDelimiter('email\tname')).toBe('\t');
    expect(detectDelimiter('"a;b;c",d')).toBe(',');
    expect(detectDelimiter('email')).toBe(',');
  });

  it('skips blank lines but counts them, takes a lone CR as a line end, and keeps a stray quote as text', async () => {
    const got = await all('a,b\r\n\r\n1,2\r3,x"y\n\n"q\nr",5');
    expect(got).toEqual([
      { fields: ['a', 'b'], line: 1, tooLong: false },
      { fields: ['1', '2'], line: 3, tooLong: false },
      { fields: ['3', 'x"y'], line: 4, tooLong: false },
      { fields: ['q\nr', '5'], line: 6, tooLong: false },
    ]);
  });

  it('cuts a record past the limit without holding it, flags it, and reads on at the next record', async () => {
    const huge = 'x'.repeat(10_000);
    const parts = ['email,name\n', 'a@b.ru,', ...Array.from({ length: 50 }, () => huge), '\nc@d.ru,ok\n'];
    const got = await all(parts, { maxRecordChars: 1000 });
    expect(got.map((r) => [r.line, r.tooLong, r.fields[0]])).toEqual([
      [1, false, 'email'],
      [2, true, 'a@b.ru'],
      [3, false, 'c@d.ru'],
    ]);
    expect(got[1]!.fields.join('').length).toBeLessThanOrEqual(1000);
  });

  it('reads a web ReadableStream of strings', async () => {
    const stream = new ReadableStream<string>({
      start(c) {
        c.enqueue('email;name\r\n');
        c.enqueue('a@b.ru;"Иван ""Ваня"""\r\n');
        c.close();
      },
    });
    const out: string[][] = [];
    for await (const r of readCsv(stream)) out.push(r.fields);
    expect(out).toEqual([
      ['email', 'name'],
      ['a@b.ru', 'Иван "Ваня"'],
    ]);
  });
});
