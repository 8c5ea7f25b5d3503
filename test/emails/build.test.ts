/**
 * The e-mail compiler (src/emails/build/) and its command line (scripts/build-emails.ts): a small
 * fixture compiled, every refusal, the shared footer, the locales, the --check staleness test,
 * and that the app never reaches the compiler (mjml does not run on Workers).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { compileOne } from '../../src/emails/build/compile.js';
import { buildEmails, buildEmailsModule, EmailBuildError, emitEmailsModule, sharedEnds } from '../../src/emails/build/module.js';
import { checkPlaceholderContexts, kindOf, placeholders, varsOf } from '../../src/emails/build/placeholders.js';
import { readSharedTexts } from '../../src/emails/build/texts.js';

const ROOT = resolve(import.meta.dirname, '../..');
const EMAILS_DIR = join(ROOT, 'emails');
const MINI = join(import.meta.dirname, 'fixtures', 'mini');

const tmp = mkdtempSync(join(tmpdir(), 'emails-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the fixture, changed by `edit`. */
function miniWith(edit: (dir: string) => void = () => {}): string {
  const d = join(tmp, `mini-${Math.random().toString(36).slice(2)}`);
  cpSync(MINI, d, { recursive: true });
  edit(d);
  return d;
}

/** The problems a build of `dir` names (none: it built). */
async function problemsOf(dir: string): Promise<string[]> {
  try {
    await buildEmailsModule(dir);
    return [];
  } catch (e) {
    if (e instanceof EmailBuildError) return e.problems;
    throw e;
  }
}

describe('compiling a template (fixture emails: test/emails/fixtures/mini)', () => {
  it('gives its variables, each with its kind, and its texts per locale with the shared footer appended', async () => {
    const problems: string[] = [];
    const c = await compileOne(MINI, 'hello', problems, readSharedTexts(MINI, problems));
    expect(problems).toEqual([]);
    expect(c!.vars).toEqual([
      { name: 'firstName', kind: 'name' },
      { name: 'kind', kind: 'enum' },
      { name: 'linkUrl', kind: 'url' },
      { name: 'orgName', kind: 'text' },
      { name: 'supportEmail', kind: 'email' },
    ]);
    expect(c!.texts.ru.strings.footerOperator).toBe('Письма от {{orgName}}. Пишите:');
    expect(c!.texts.en.strings.footerOperator).toBe('Mail from {{orgName}}. Write to:');
    expect(c!.texts.ru.text).toBe('{{t.greeting}}\n\n{{t.body}}\n{{linkUrl}}\n{{t.footerOperator}} {{supportEmail}}');
    expect(c!.texts.en.enums).toEqual({ kind: { access: 'access', erasure: 'erasure' } });
    // Layout whitespace is dropped; placeholders stay for renderEmail().
    expect(c!.html).toContain('lang="{{lang}}"');
    expect(c!.html).toContain('href="{{linkUrl}}"');
    expect(c!.html).toContain('href="mailto:{{supportEmail}}"');
    expect(c!.html.split('\n').every((l) => l === l.trim() && l !== '')).toBe(true);
  });

  it('generates the module: names, variable types, texts, HTML', async () => {
    const source = await buildEmailsModule(MINI);
    expect(source).toMatch(/^\/\/ GENERATED FILE: do not edit by hand\.\n\/\/ Built by scripts\/build-emails\.ts \(mjml \d+\.\d+\.\d+, strict validation\)/);
    expect(source).toContain('export const EMAIL_NAMES = ["hello"] as const;');
    expect(source).toContain('    firstName?: string | null;');
    expect(source).toContain('    kind: "access" | "erasure";');
    expect(source).toContain('    linkUrl: string;');
    expect(source).toContain("import type { CompiledEmail } from './types.js';");
    // The same input gives the same bytes (what --check compares).
    expect(await buildEmailsModule(MINI)).toBe(source);
  });

  it('emits a template without variables as Record<string, never>, in the order given', () => {
    const none = {
      vars: [],
      html: '<p>x</p>',
      texts: { ru: { strings: { subject: 'а' }, text: 'а', enums: {} }, en: { strings: { subject: 'a' }, text: 'a', enums: {} } },
    };
    const source = emitEmailsModule(
      [
        ['b', none],
        ['a', none],
      ],
      '0.0.0',
    );
    expect(source).toContain('export const EMAIL_NAMES = ["b", "a"] as const;');
    expect(source).toContain('  "b": Record<string, never>;');
    expect(source).toContain('(mjml 0.0.0, strict validation)');
    expect(source.endsWith('};\n')).toBe(true);
  });

  it('writes the start and end every HTML shares once, by whole lines, and each template still reads back whole', () => {
    const htmls = [
      '<html>\n<head/>\n<p>one</p>\n<foot/>\n</html>',
      '<html>\n<head/>\n<p>two, longer</p>\n<foot/>\n</html>',
      '<html>\n<head/>\n<foot/>\n</html>',
    ];
    const { head, foot } = sharedEnds(htmls);
    expect(head).toBe('<html>\n<head/>\n');
    expect(foot).toBe('<foot/>\n</html>');
    // Head and foot never overlap, however alike the documents are.
    expect(sharedEnds(['a\nb\n', 'a\nb\n'])).toEqual({ head: 'a\nb\n', foot: '' });
    expect(sharedEnds(['only one'])).toEqual({ head: '', foot: '' });
    const source = emitEmailsModule(
      htmls.map((html, i) => [
        `t${i}`,
        { vars: [], html, texts: { ru: { strings: { subject: 'а' }, text: 'а', enums: {} }, en: { strings: { subject: 'a' }, text: 'a', enums: {} } } },
      ]),
      '0.0.0',
    );
    expect(source.match(/<head\/>/g)).toHaveLength(1);
    // A text every template shares is written once per locale, and read back the same below.
    expect(source).toContain('subject: SHARED_TEXTS.ru.subject,');
    // The emitted module evaluates back to the very same documents (and texts).
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    const mod: { exports: Record<string, unknown> } = { exports: {} };
    new Function('module', 'exports', 'require', js)(mod, mod.exports, () => ({}));
    const compiled = mod.exports.COMPILED_EMAILS as Record<string, { html: string; texts: { ru: { strings: unknown } } }>;
    expect(Object.values(compiled).every((c) => JSON.stringify(c.texts.ru.strings) === '{"subject":"а"}')).toBe(true);
    expect(Object.values(compiled).map((c) => c.html)).toEqual(htmls);
  });
});

describe('refusals, each named', () => {
  it.each([
    [
      'a template without the shared footer',
      (d: string) => edit(d, 'hello.mjml', '<mj-include path="./partials/footer.mjml" />', ''),
      /hello\.ru\.json: the HTML lacks \{\{supportEmail\}\}, which the plain-text part shows/,
    ],
    [
      'a template text named like a shared one',
      (d: string) => edit(d, 'hello.en.json', '"subject":', '"footerOperator": "x", "subject":'),
      /"footerOperator" is a shared text of emails\/partials\/footer\.en\.json/,
    ],
    [
      'a text missing in one locale',
      (d: string) => edit(d, 'hello.en.json', /\s*"linkTitle": "[^"]*",/, ''),
      /hello\.en\.json: "linkTitle" is missing \(present in emails\/hello\.ru\.json\)/,
    ],
    [
      'an enum label missing in one locale',
      (d: string) => edit(d, 'hello.ru.json', ', "erasure": "удаление"', ''),
      /hello\.ru\.json: "enums\.kind\.erasure" is missing/,
    ],
    [
      'a variable only one locale uses',
      (d: string) => edit(d, 'hello.en.json', 'Your request: {{kind}}.', 'Your request: {{kind}}, {{extra}}.'),
      /hello\.ru\.json: does not use \{\{extra\}\}, which the other locale uses/,
    ],
    [
      'a locale file of no locale',
      (d: string) => cpSync(join(d, 'hello.en.json'), join(d, 'hello.de.json')),
      /emails\/hello\.de\.json: no template or locale of that name/,
    ],
    ['a locale file missing', (d: string) => rmSync(join(d, 'hello.en.json')), /emails\/hello\.en\.json is missing/],
    [
      'a greeting with the name and no anonymous one',
      (d: string) => edit(d, 'hello.ru.json', '"greetingAnonymous": "Здравствуйте!",', ''),
      /"greetingAnonymous" \(without a name\) is needed/,
    ],
    [
      'the name outside the greeting',
      (d: string) => edit(d, 'hello.ru.json', 'Ваш запрос: {{kind}}.', 'Ваш запрос, {{firstName}}: {{kind}}.'),
      /"body" uses \{\{firstName\}\}/,
    ],
    ['HTML inside a text', (d: string) => edit(d, 'hello.ru.json', 'Открыть', '<b>Открыть</b>'), /"linkTitle" contains HTML/],
    ['a malformed placeholder', (d: string) => edit(d, 'hello.ru.json', '{{kind}}', '{{ kind }}'), /malformed placeholder/],
    [
      'a badly named template',
      (d: string) => cpSync(join(d, 'hello.mjml'), join(d, 'Hello_2.mjml')),
      /Hello_2\.mjml: name must be lower-case words joined by hyphens/,
    ],
  ])('refuses %s', async (_what, change, problem) => {
    const problems = await problemsOf(miniWith(change));
    expect(
      problems.some((p) => problem.test(p)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('names every problem at once', async () => {
    const dir = miniWith((d) => {
      edit(d, 'hello.ru.json', 'Открыть', '<b>Открыть</b>');
      edit(d, 'hello.en.json', /\s*"linkTitle": "[^"]*",/, '');
    });
    await expect(buildEmailsModule(dir)).rejects.toThrow(/contains HTML[\s\S]*is missing|is missing[\s\S]*contains HTML/);
  });
});

describe('placeholders', () => {
  it('lists them in order and follows {{t.key}} into the texts', () => {
    expect(placeholders('{{a}} and {{t.b}} and {{ c }}')).toEqual(['a', 't.b', ' c ']);
    expect([...varsOf('<p lang="{{lang}}">{{t.greeting}} {{linkUrl}}</p>', { greeting: 'Hi {{firstName}}' })]).toEqual(['firstName', 'linkUrl']);
  });

  it('tells the kind from the name', () => {
    const enums = new Set(['requestType']);
    expect(['firstName', 'requestType', 'confirmUrl', 'supportEmail', 'dueDate'].map((n) => kindOf(n, enums))).toEqual([
      'name',
      'enum',
      'url',
      'email',
      'text',
    ]);
  });

  it('allows them only where they are escaped for what they hold', () => {
    const kinds = new Map([
      ['linkUrl', 'url' as const],
      ['supportEmail', 'email' as const],
      ['firstName', 'name' as const],
    ]);
    const check = (html: string) => checkPlaceholderContexts(html, kinds, 'x.mjml');
    expect(
      check('<html lang="{{lang}}"><p title="{{firstName}}">{{firstName}} <a href="{{linkUrl}}">x</a> <a href="mailto:{{supportEmail}}">y</a></p>'),
    ).toEqual([]);
    expect(check('<a href="{{firstName}}">x</a>')).toHaveLength(1);
    expect(check('<a href="{{linkUrl}}?x=1">x</a>')).toHaveLength(1);
    expect(check('<p style="color:{{firstName}}">x</p>')).toHaveLength(1);
    expect(check('<p class={{firstName}}>x</p>')).toHaveLength(1);
    expect(check('<style>p{{firstName}}</style>')).toHaveLength(1);
    expect(check('<!-- {{firstName}} -->')).toHaveLength(1);
    expect(check('<p>{{lang}}</p>')).toHaveLength(1);
  });
});

describe('buildEmails (what the command line does)', () => {
  it('writes a stale or missing module, then finds it up to date; --check never writes', async () => {
    const dir = miniWith();
    const outFile = join(tmp, `out-${Math.random().toString(36).slice(2)}.ts`);
    expect(await buildEmails({ emailsDir: dir, outFile, check: true })).toBe('stale');
    expect(existsSync(outFile)).toBe(false);
    expect(await buildEmails({ emailsDir: dir, outFile })).toBe('written');
    expect(readFileSync(outFile, 'utf8')).toBe(await buildEmailsModule(dir));
    expect(await buildEmails({ emailsDir: dir, outFile, check: true })).toBe('up_to_date');
    expect(await buildEmails({ emailsDir: dir, outFile })).toBe('up_to_date');
    edit(dir, 'hello.en.json', '"Hello"', '"Hi"');
    expect(await buildEmails({ emailsDir: dir, outFile, check: true })).toBe('stale');
    expect(await buildEmails({ emailsDir: dir, outFile })).toBe('written');
    expect(readFileSync(outFile, 'utf8')).toContain('subject: "Hi"');
  });
});

describe('npm run build:emails (the real templates)', () => {
  /** Runs a command from the repository root; resolves with its exit code and output. */
  function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
    return new Promise((done) => {
      execFile(cmd, args, { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, out: `${stdout}${stderr}` });
      });
    });
  }

  /** A copy of emails/ with one template and the partials, changed by `edit`. */
  function copyWith(dir: string, edit: (dir: string) => void): string {
    const d = join(tmp, dir);
    cpSync(join(EMAILS_DIR, 'partials'), join(d, 'partials'), { recursive: true });
    for (const f of ['unsubscribed.mjml', 'unsubscribed.ru.json', 'unsubscribed.en.json']) cpSync(join(EMAILS_DIR, f), join(d, f));
    edit(d);
    return d;
  }

  it('--check passes on the committed output and fails once a template changes', async () => {
    const changed = join(tmp, 'all');
    cpSync(EMAILS_DIR, changed, { recursive: true });
    const f = join(changed, 'fresh-link.ru.json');
    writeFileSync(f, readFileSync(f, 'utf8').replace('Ваша новая ссылка', 'Ваша самая новая ссылка'));
    const [fresh, stale] = await Promise.all([
      run('npm', ['run', '--silent', 'build:emails', '--', '--check']),
      run(process.execPath, ['--import', 'tsx', 'scripts/build-emails.ts', '--check', '--emails-dir', changed]),
    ]);
    expect(fresh, fresh.out).toMatchObject({ code: 0 });
    expect(fresh.out).toMatch(/up to date/);
    expect(stale.code, stale.out).toBe(1);
    expect(stale.out).toMatch(/stale/);
  });

  it.each([
    ['an unknown MJML element', (d: string) => edit(d, 'unsubscribed.mjml', '<mj-text>', '<mj-textt>')],
    ['a slot without text', (d: string) => edit(d, 'unsubscribed.mjml', '{{t.intro}}', '{{t.intro}} {{t.nothing}}')],
    ['a text missing in one locale', (d: string) => edit(d, 'unsubscribed.en.json', /\s*"manage": "[^"]*",/, '')],
    ['a text never used', (d: string) => edit(d, 'unsubscribed.ru.json', '"heading":', '"unused": "x", "heading":')],
    ['HTML inside a text', (d: string) => edit(d, 'unsubscribed.ru.json', 'Передумали?', '<b>Передумали?</b>')],
    [
      'a placeholder in a style attribute',
      (d: string) => edit(d, 'unsubscribed.mjml', '<p>{{t.intro}}</p>', '<p style="color:{{preferencesUrl}}">{{t.intro}}</p>'),
    ],
    ['a text variable as a link', (d: string) => edit(d, 'unsubscribed.mjml', '<p>{{t.intro}}</p>', '<p><a href="{{firstName}}">{{t.intro}}</a></p>')],
    ['a link missing from the plain text', (d: string) => edit(d, 'unsubscribed.ru.json', '"{{preferencesUrl}}",', '')],
    ['no plain-text part', (d: string) => edit(d, 'unsubscribed.en.json', /"text": \[[^\]]*\]/, '"x": "y"')],
    ['a template without the shared footer', (d: string) => edit(d, 'unsubscribed.mjml', '<mj-include path="./partials/footer.mjml" />', '')],
    ['a template text named like a shared one', (d: string) => edit(d, 'unsubscribed.ru.json', '"heading":', '"footerOperator": "x", "heading":')],
  ])('refuses %s', async (_what, change) => {
    const dir = copyWith(`bad-${Math.random().toString(36).slice(2)}`, change);
    await expect(buildEmailsModule(dir)).rejects.toThrow(EmailBuildError);
  });

  it('builds a copy that is unchanged', async () => {
    const dir = copyWith('ok', () => {});
    const source = await buildEmailsModule(dir);
    expect(source).toMatch(/^\/\/ GENERATED FILE/);
    expect(source).toContain('"unsubscribed"');
  });
});

function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = before.replace(from, to);
  if (after === before) throw new Error(`test edit did not apply to ${file}`);
  writeFileSync(path, after);
}
