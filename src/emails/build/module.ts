/**
 * Compiles the e-mail templates once, so that rendering at run time is substitution, not MJML
 * (mjml does not run on Workers and costs milliseconds a render). Build time only, Node only:
 * nothing the app imports may import this folder (test/emails/build.test.ts checks it).
 * `scripts/build-emails.ts` is its command line (`npm run build:emails`).
 *
 * Each `emails/<name>.mjml` is compiled with strict validation and needs `<name>.ru.json` and
 * `<name>.en.json` beside it. Shared pieces live in `emails/partials/` (pulled in by mj-include);
 * their texts (`emails/partials/<partial>.<locale>.json`) are added to every template's, their
 * plain-text lines at the end of its plain-text part.
 * The build fails, naming every problem, when:
 * - MJML reports any error, or an mj-include cannot be resolved;
 * - a `{{t.key}}` slot has no text, a text is never used, or the locales differ in their keys;
 * - a text contains HTML (tags or entities): texts are plain and escaped when rendered;
 * - a placeholder sits anywhere but in text, a `lang`, `aria-label`, `title` or `alt` attribute,
 *   or (URL and e-mail variables only, and alone) an `href`: nothing user-given reaches a
 *   `style`, `src` or unquoted attribute;
 * - the HTML and the plain-text part do not carry the same variables, or the locales do not.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CompiledEmail, EMAIL_LOCALES as LOCALES } from '../types.js';
import { compileOne } from './compile.js';
import { readSharedTexts } from './texts.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DEFAULT_EMAILS_DIR = join(ROOT, 'emails');
export const DEFAULT_OUT_FILE = join(ROOT, 'src', 'emails', 'compiled.ts');

/** A template's name: lower-case words joined by hyphens. */
const NAME_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

export class EmailBuildError extends Error {
  constructor(readonly problems: string[]) {
    super(`e-mail templates are not valid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'EmailBuildError';
  }
}

function mjmlVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('mjml/package.json') as { version: string }).version;
}

function tsString(s: string): string {
  return JSON.stringify(s);
}

function varsType(c: CompiledEmail): string {
  const lines = c.vars.map((v) => {
    switch (v.kind) {
      case 'name':
        return `    /** Shown in the greeting; empty or absent gives the greeting without a name. */\n    ${v.name}?: string | null;`;
      case 'url':
        return `    /** Absolute http(s) URL. */\n    ${v.name}: string;`;
      case 'email':
        return `    /** E-mail address (shown, and linked with mailto:). */\n    ${v.name}: string;`;
      case 'enum': {
        const values = Object.keys(c.texts.ru.enums[v.name] ?? {});
        return `    /** One of the keys of its label table; the mail shows the label in its language. */\n    ${v.name}: ${values.map(tsString).join(' | ')};`;
      }
      default:
        return `    /** One line of plain text, already in the mail's language (dates formatted for the locale). */\n    ${v.name}: string;`;
    }
  });
  return lines.length ? `{\n${lines.join('\n')}\n  }` : 'Record<string, never>';
}

/**
 * Compiles every template in `emailsDir` and returns the source of the generated module.
 * Throws {@link EmailBuildError} naming every problem found.
 */
export async function buildEmailsModule(emailsDir: string = DEFAULT_EMAILS_DIR): Promise<string> {
  const problems: string[] = [];
  const files = readdirSync(emailsDir, { withFileTypes: true }).filter((d) => d.isFile());
  const names = files
    .filter((d) => d.name.endsWith('.mjml'))
    .map((d) => basename(d.name, '.mjml'))
    .sort();
  for (const n of names) if (!NAME_RE.test(n)) problems.push(`emails/${n}.mjml: name must be lower-case words joined by hyphens`);
  for (const d of files) {
    const m = /^(.+)\.([a-z]+)\.json$/.exec(d.name);
    if (d.name.endsWith('.json') && (!m || !names.includes(m[1]!) || !(LOCALES as readonly string[]).includes(m[2]!))) {
      problems.push(`emails/${d.name}: no template or locale of that name (expected <name>.{${LOCALES.join(',')}}.json beside <name>.mjml)`);
    }
  }
  if (!names.length) problems.push(`no templates (*.mjml) in ${emailsDir}`);

  const shared = readSharedTexts(emailsDir, problems);
  const compiled: [string, CompiledEmail][] = [];
  for (const n of names) {
    const c = await compileOne(emailsDir, n, problems, shared);
    if (c) compiled.push([n, c]);
  }
  if (problems.length) throw new EmailBuildError(problems);
  return emitEmailsModule(compiled, mjmlVersion());
}

/**
 * The source of the generated module (`src/emails/compiled.ts`) for compiled templates, in the
 * order given. Pure: the same templates and mjml version give the same bytes.
 */
export function emitEmailsModule(compiled: readonly [string, CompiledEmail][], mjml: string): string {
  const out: string[] = [];
  out.push(
    '// GENERATED FILE: do not edit by hand.',
    `// Built by scripts/build-emails.ts (mjml ${mjml}, strict validation) from emails/<name>.mjml and`,
    `// emails/<name>.{${LOCALES.join(',')}}.json. After changing a template or its texts run \`npm run build:emails\`;`,
    '// CI runs `npm run build:emails -- --check`, which fails while this file is stale.',
    '// Render with renderEmail() from ./render.ts: substitution and escaping only, no mjml at run time.',
    "import type { CompiledEmail } from './types.js';",
    '',
    `export const EMAIL_NAMES = [${compiled.map(([n]) => tsString(n)).join(', ')}] as const;`,
    'export type EmailName = (typeof EMAIL_NAMES)[number];',
    '',
    '/** The variables each template needs (see `EmailVarKind` in ./types.ts for how each kind is checked). */',
    'export interface EmailVars {',
    ...compiled.map(([n, c]) => `  ${tsString(n)}: ${varsType(c)};`),
    '}',
    '',
  );
  // Every template's HTML starts with the same head and ends with the same footer (mjml's
  // boilerplate, the operator's line): written once, so the Workers bundle carries it once.
  const { head, foot } = sharedEnds(compiled.map(([, c]) => c.html));
  out.push(
    "/** The start every template's HTML shares (mjml's head and styles). */",
    `const HTML_HEAD = ${tsString(head)};`,
    "/** The end every template's HTML shares. */",
    `const HTML_FOOT = ${tsString(foot)};`,
    '',
  );
  // A text several templates share word for word (the footer, the greeting) is written once per
  // locale: the Workers bundle escapes every Cyrillic letter to six bytes.
  const shared = sharedTexts(compiled.map(([, c]) => c));
  out.push('/** Texts several templates share word for word, per locale. */', 'const SHARED_TEXTS = {');
  for (const locale of LOCALES) {
    out.push(`  ${locale}: {`);
    for (const [k, v] of Object.entries(shared[locale])) out.push(`    ${k}: ${tsString(v)},`);
    out.push('  },');
  }
  out.push('} as const;', '', 'export const COMPILED_EMAILS: { readonly [N in EmailName]: CompiledEmail } = {');
  for (const [n, c] of compiled) {
    out.push(`  ${tsString(n)}: {`);
    out.push(`    vars: ${JSON.stringify(c.vars)},`);
    out.push('    texts: {');
    for (const locale of LOCALES) {
      const t = c.texts[locale];
      out.push(`      ${locale}: {`);
      out.push('        strings: {');
      for (const [k, v] of Object.entries(t.strings)) out.push(`          ${k}: ${shared[locale][k] === v ? `SHARED_TEXTS.${locale}.${k}` : tsString(v)},`);
      out.push('        },');
      out.push(`        text: ${tsString(t.text)},`);
      out.push(`        enums: ${JSON.stringify(t.enums)},`);
      out.push('      },');
    }
    out.push('    },');
    out.push(`    html: HTML_HEAD + ${tsString(c.html.slice(head.length, c.html.length - foot.length))} + HTML_FOOT,`);
    out.push('  },');
  }
  out.push('};', '');
  return out.join('\n');
}

/**
 * The longest start and end all the HTML documents share, each cut after a line break so the
 * generated file reads by whole lines; head and foot never overlap within the shortest one.
 */
export function sharedEnds(htmls: readonly string[]): { head: string; foot: string } {
  if (htmls.length < 2) return { head: '', foot: '' };
  const first = htmls[0]!;
  const shortest = Math.min(...htmls.map((h) => h.length));
  let h = 0;
  while (h < shortest && htmls.every((x) => x[h] === first[h])) h++;
  const head = first.slice(0, first.lastIndexOf('\n', h - 1) + 1);
  let f = 0;
  while (f < shortest - head.length && htmls.every((x) => x[x.length - 1 - f] === first[first.length - 1 - f])) f++;
  // Start the foot at a line's start: where the shared end begins, or after its first line break.
  const from = first.length - f;
  const lineStart = from === 0 || first[from - 1] === '\n' ? from : first.indexOf('\n', from) + 1;
  return { head, foot: lineStart <= 0 ? '' : first.slice(lineStart) };
}

/**
 * Per locale, each text key whose most frequent value appears in two templates or more, with that
 * value; keys are valid identifiers (the texts' schema), so they index `SHARED_TEXTS` as they are.
 */
export function sharedTexts(compiled: readonly CompiledEmail[]): Record<(typeof LOCALES)[number], Record<string, string>> {
  const out = {} as Record<(typeof LOCALES)[number], Record<string, string>>;
  for (const locale of LOCALES) {
    const counts = new Map<string, Map<string, number>>();
    for (const c of compiled)
      for (const [k, v] of Object.entries(c.texts[locale].strings)) {
        const byValue = counts.get(k) ?? new Map<string, number>();
        byValue.set(v, (byValue.get(v) ?? 0) + 1);
        counts.set(k, byValue);
      }
    out[locale] = {};
    for (const k of [...counts.keys()].sort()) {
      const [value, n] = [...counts.get(k)!].sort((a, b) => b[1] - a[1])[0]!;
      if (n >= 2) out[locale][k] = value;
    }
  }
  return out;
}

/** What {@link buildEmails} did: the module was already as built, is stale (`check`), or was written. */
export type BuildOutcome = 'up_to_date' | 'stale' | 'written';

/**
 * Builds the module and compares it with `outFile`: with `check`, only says whether it is stale;
 * otherwise writes it, but only when it changed (`npm start` runs this, and may run where the
 * tree is read-only). Throws {@link EmailBuildError} as {@link buildEmailsModule} does.
 *
 * @example
 * await buildEmails({ check: true }) // 'up_to_date' while src/emails/compiled.ts is current
 */
export async function buildEmails(opts: { emailsDir?: string; outFile?: string; check?: boolean } = {}): Promise<BuildOutcome> {
  const outFile = opts.outFile ?? DEFAULT_OUT_FILE;
  const source = await buildEmailsModule(opts.emailsDir ?? DEFAULT_EMAILS_DIR);
  if (existsSync(outFile) && readFileSync(outFile, 'utf8') === source) return 'up_to_date';
  if (opts.check) return 'stale';
  writeFileSync(outFile, source);
  return 'written';
}
