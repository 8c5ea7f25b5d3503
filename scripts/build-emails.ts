/**
 * Compiles the e-mail templates once, so that rendering at run time is substitution, not MJML
 * (mjml does not run on Workers and costs milliseconds a render):
 *
 *   npm run build:emails              writes src/emails/compiled.ts
 *   npm run build:emails -- --check   exits 1 if src/emails/compiled.ts is stale (CI)
 *
 * Options for tests and experiments: `--emails-dir DIR` (default `emails/`), `--out FILE`
 * (default `src/emails/compiled.ts`).
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
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mjml2html from 'mjml';
import type { CompiledEmail, EmailLocale, EmailLocaleTexts, EmailVarKind, EmailVarSpec } from '../src/emails/types.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_EMAILS_DIR = join(ROOT, 'emails');
export const DEFAULT_OUT_FILE = join(ROOT, 'src', 'emails', 'compiled.ts');

const LOCALES: readonly EmailLocale[] = ['ru', 'en'];
const NAME_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const KEY_RE = /^[A-Za-z][A-Za-z0-9]*$/;
/** Every `{{...}}`; what is inside is checked separately, so a typo is an error, not literal text. */
const ANY_PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const TOKEN_RE = /^(?:t\.)?[A-Za-z][A-Za-z0-9]*$/;
/** Attributes a placeholder may sit in (besides href, checked on its own): text, escaped. */
const TEXT_ATTRIBUTES = new Set(['aria-label', 'title', 'alt']);

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

function placeholders(s: string): string[] {
  return [...s.matchAll(ANY_PLACEHOLDER)].map((m) => m[1]!);
}

function kindOf(name: string, enums: Set<string>): EmailVarKind {
  if (name === 'firstName') return 'name';
  if (enums.has(name)) return 'enum';
  if (/Url$/.test(name)) return 'url';
  if (/Email$/.test(name)) return 'email';
  return 'text';
}

interface RawTexts extends EmailLocaleTexts {
  file: string;
}

/**
 * Reads and checks one `<name>.<locale>.json` (or a partial's shared texts, which have no
 * subject of their own); problems are pushed, not thrown.
 */
function readTexts(file: string, rel: string, problems: string[], opts: { shared?: boolean } = {}): RawTexts | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    problems.push(`${rel}: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`${rel}: must be a JSON object`);
    return null;
  }
  const strings: Record<string, string> = {};
  const enums: Record<string, Record<string, string>> = {};
  let text: string | null = null;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === 'text') {
      if (typeof value === 'string') text = value;
      else if (Array.isArray(value) && value.every((l) => typeof l === 'string')) text = value.join('\n');
      else problems.push(`${rel}: "text" must be a string or an array of lines`);
    } else if (key === 'enums') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push(`${rel}: "enums" must be an object`);
        continue;
      }
      for (const [name, table] of Object.entries(value as Record<string, unknown>)) {
        if (!KEY_RE.test(name)) problems.push(`${rel}: enum name "${name}" is not a plain identifier`);
        if (typeof table !== 'object' || table === null || Array.isArray(table) || Object.keys(table).length === 0) {
          problems.push(`${rel}: enums.${name} must be a non-empty object of labels`);
          continue;
        }
        const labels: Record<string, string> = {};
        for (const [v, label] of Object.entries(table as Record<string, unknown>)) {
          if (typeof label !== 'string' || !label.trim()) problems.push(`${rel}: enums.${name}.${v} must be a non-empty string`);
          else labels[v] = label;
        }
        enums[name] = labels;
      }
    } else if (!KEY_RE.test(key)) {
      problems.push(`${rel}: key "${key}" is not a plain identifier`);
    } else if (typeof value !== 'string' || !value.trim()) {
      problems.push(`${rel}: "${key}" must be a non-empty string`);
    } else {
      strings[key] = value;
    }
  }
  if (text === null && !problems.some((p) => p.startsWith(`${rel}: "text"`))) problems.push(`${rel}: "text" (the plain-text part) is missing`);
  if (!strings.subject && !opts.shared) problems.push(`${rel}: "subject" is missing`);
  // Plain text only: markup belongs in the MJML, and texts are escaped when rendered into HTML.
  const all: [string, string][] = [
    ...Object.entries(strings),
    ['text', text ?? ''],
    ...Object.entries(enums).flatMap(([n, t]) => Object.entries(t).map(([v, l]): [string, string] => [`enums.${n}.${v}`, l])),
  ];
  for (const [key, value] of all) {
    if (/<[A-Za-z!/?]|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);/.test(value)) problems.push(`${rel}: "${key}" contains HTML; texts are plain text`);
    for (const p of placeholders(value)) {
      if (!TOKEN_RE.test(p)) problems.push(`${rel}: "${key}" has a malformed placeholder {{${p}}}`);
      else if (p.startsWith('t.') && key !== 'text') problems.push(`${rel}: "${key}" refers to {{${p}}}; only "text" may use text slots`);
      else if (p === 'lang') problems.push(`${rel}: "${key}" uses {{lang}}, which is reserved for the markup`);
    }
    const stray = value.replace(ANY_PLACEHOLDER, '');
    if (stray.includes('{{') || stray.includes('}}')) problems.push(`${rel}: "${key}" has an unbalanced {{ or }}`);
  }
  if (text === null) return null;
  return { file: rel, strings, text, enums };
}

/** Variables a string uses, following `{{t.key}}` into the texts. */
function varsOf(s: string, strings: Readonly<Record<string, string>>): Set<string> {
  const out = new Set<string>();
  for (const p of placeholders(s)) {
    if (p === 'lang') continue;
    if (p.startsWith('t.')) {
      for (const q of placeholders(strings[p.slice(2)] ?? '')) out.add(q);
    } else out.add(p);
  }
  return out;
}

/**
 * Checks where each placeholder sits in the compiled HTML: text content, or a quoted attribute
 * that is safe for it. Returns the problems found.
 */
function checkPlaceholderContexts(html: string, kinds: Map<string, EmailVarKind>, rel: string): string[] {
  const problems: string[] = [];
  for (const m of html.matchAll(ANY_PLACEHOLDER)) {
    const token = m[1]!;
    const at = m.index;
    const before = html.slice(0, at);
    const lastOpen = before.lastIndexOf('<');
    const lastClose = before.lastIndexOf('>');
    const kind = kinds.get(token);
    if (lastOpen > lastClose) {
      // Inside a tag: must be in a double-quoted attribute value.
      const tagSoFar = before.slice(lastOpen);
      const attr = /\s([A-Za-z_:][-A-Za-z0-9_:.]*)="([^"]*)$/.exec(tagSoFar);
      const after = html.slice(at + m[0].length);
      if (!attr || !/^[^"<>]*"/.test(after)) {
        problems.push(`${rel}: {{${token}}} is inside a tag but not in a double-quoted attribute`);
        continue;
      }
      const name = attr[1]!.toLowerCase();
      const valueBefore = attr[2]!;
      const valueAfter = /^([^"]*)"/.exec(after)![1]!;
      if (name === 'href') {
        const whole = valueBefore === '' && valueAfter === '';
        const mailto = valueBefore === 'mailto:' && valueAfter === '';
        if (!((kind === 'url' && whole) || (kind === 'email' && mailto))) {
          problems.push(`${rel}: href="${valueBefore}{{${token}}}${valueAfter}": an href holds exactly one URL variable ({{…Url}}), or mailto: and one e-mail variable ({{…Email}})`);
        }
      } else if (name === 'lang') {
        if (token !== 'lang' || valueBefore || valueAfter) problems.push(`${rel}: lang="…" must be exactly {{lang}}`);
      } else if (!TEXT_ATTRIBUTES.has(name) || token === 'lang') {
        problems.push(`${rel}: {{${token}}} in attribute ${name}: placeholders are allowed only in text, ${[...TEXT_ATTRIBUTES].join(', ')}, lang and href`);
      }
    } else {
      // Text content (<title> included) is escaped; style and script content is not text.
      const lower = before.toLowerCase();
      for (const el of ['style', 'script']) {
        if (lower.lastIndexOf(`<${el}`) > lower.lastIndexOf(`</${el}`)) problems.push(`${rel}: {{${token}}} inside <${el}>`);
      }
      if (before.lastIndexOf('<!--') > before.lastIndexOf('-->')) problems.push(`${rel}: {{${token}}} inside an HTML comment`);
      if (token === 'lang') problems.push(`${rel}: {{lang}} is for the lang attribute only`);
    }
  }
  return problems;
}

/**
 * The texts of the shared partials (`emails/partials/<partial>.<locale>.json`), per locale: the
 * footer's operator name and contact line, say. Every template gets them, so a template that
 * does not include the partial fails the build ("never used"): every mail carries the footer.
 */
function readSharedTexts(emailsDir: string, problems: string[]): Partial<Record<EmailLocale, RawTexts[]>> {
  const dir = join(emailsDir, 'partials');
  const out: Partial<Record<EmailLocale, RawTexts[]>> = {};
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    const m = /^(.+)\.([a-z]+)\.json$/.exec(f);
    if (!m) continue;
    const locale = m[2] as EmailLocale;
    if (!(LOCALES as readonly string[]).includes(locale)) {
      problems.push(`emails/partials/${f}: no locale of that name`);
      continue;
    }
    const t = readTexts(join(dir, f), `emails/partials/${f}`, problems, { shared: true });
    if (t) (out[locale] ??= []).push(t);
  }
  return out;
}

/** Adds the shared partials' texts to a template's: their slots, and their plain-text lines at the end. */
function withSharedTexts(t: RawTexts, shared: RawTexts[] | undefined, problems: string[]): RawTexts {
  const strings = { ...t.strings };
  let text = t.text;
  for (const s of shared ?? []) {
    for (const [key, value] of Object.entries(s.strings)) {
      if (key in strings) problems.push(`${t.file}: "${key}" is a shared text of ${s.file}; name it otherwise`);
      else strings[key] = value;
    }
    text = `${text.replace(/\n+$/, '')}\n${s.text}`;
  }
  return { ...t, strings, text };
}

/** Compiles one template and checks it against its texts. */
async function compileOne(emailsDir: string, name: string, problems: string[], shared: Partial<Record<EmailLocale, RawTexts[]>> = {}): Promise<CompiledEmail | null> {
  const file = join(emailsDir, `${name}.mjml`);
  const rel = `emails/${name}.mjml`;
  const texts: Partial<Record<EmailLocale, RawTexts>> = {};
  for (const locale of LOCALES) {
    const f = join(emailsDir, `${name}.${locale}.json`);
    const relJson = `emails/${name}.${locale}.json`;
    if (!existsSync(f)) {
      problems.push(`${relJson} is missing`);
      continue;
    }
    const t = readTexts(f, relJson, problems);
    if (t) texts[locale] = withSharedTexts(t, shared[locale], problems);
  }

  let html: string;
  try {
    const result = await mjml2html(readFileSync(file, 'utf8'), {
      validationLevel: 'strict',
      filePath: file,
      ignoreIncludes: false,
      // No web fonts: nothing in a message is fetched from the network.
      fonts: {},
      keepComments: false,
      beautify: false,
      minify: false,
    });
    if (result.errors.length) {
      for (const e of result.errors) problems.push(`${rel}: line ${e.line}: ${e.message}`);
      return null;
    }
    html = result.html;
  } catch (e) {
    problems.push(`${rel}: ${e instanceof Error ? e.message.trim() : String(e)}`);
    return null;
  }
  if (/mj-include (?:denied|fails)/.test(html)) {
    problems.push(`${rel}: an mj-include could not be resolved`);
    return null;
  }
  // Layout whitespace is insignificant in these documents (no <pre>): keep the module small.
  html = html
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('\n');

  for (const p of placeholders(html)) {
    if (!TOKEN_RE.test(p)) problems.push(`${rel}: malformed placeholder {{${p}}}`);
  }
  const ru = texts.ru;
  const en = texts.en;
  if (!ru || !en) return null;

  // The locales must offer the same slots and labels.
  const keysOf = (t: RawTexts) => [...Object.keys(t.strings), ...Object.entries(t.enums).flatMap(([n, l]) => Object.keys(l).map((v) => `enums.${n}.${v}`))].sort();
  const ruKeys = keysOf(ru);
  const enKeys = keysOf(en);
  for (const k of ruKeys) if (!enKeys.includes(k)) problems.push(`${en.file}: "${k}" is missing (present in ${ru.file})`);
  for (const k of enKeys) if (!ruKeys.includes(k)) problems.push(`${ru.file}: "${k}" is missing (present in ${en.file})`);

  const enumNames = new Set([...Object.keys(ru.enums), ...Object.keys(en.enums)]);
  const allVars = new Set<string>();
  for (const locale of LOCALES) {
    const t = texts[locale]!;
    const used = new Set<string>(['subject']);
    for (const p of [...placeholders(html), ...placeholders(t.text)]) if (p.startsWith('t.')) used.add(p.slice(2));
    for (const key of used) {
      if (key === 'greetingAnonymous') problems.push(`${t.file}: use {{t.greeting}}; greetingAnonymous is chosen when firstName is empty`);
      else if (!(key in t.strings)) problems.push(`${t.file}: no text for {{t.${key}}} (used in ${rel} or "text")`);
    }
    if (used.has('greeting')) used.add('greetingAnonymous');
    for (const key of Object.keys(t.strings)) if (!used.has(key)) problems.push(`${t.file}: "${key}" is never used`);

    const htmlVars = varsOf(html, t.strings);
    const textVars = varsOf(t.text, t.strings);
    for (const v of htmlVars) if (!textVars.has(v)) problems.push(`${t.file}: the plain-text part lacks {{${v}}}, which the HTML shows`);
    for (const v of textVars) if (!htmlVars.has(v)) problems.push(`${t.file}: the HTML lacks {{${v}}}, which the plain-text part shows`);
    for (const v of [...htmlVars, ...textVars]) allVars.add(v);

    const greetingVars = placeholders(t.strings.greeting ?? '');
    if (greetingVars.includes('firstName') && !t.strings.greetingAnonymous) {
      problems.push(`${t.file}: "greeting" uses {{firstName}}, so "greetingAnonymous" (without a name) is needed`);
    }
    if (t.strings.greetingAnonymous && placeholders(t.strings.greetingAnonymous).length) {
      problems.push(`${t.file}: "greetingAnonymous" must not use variables`);
    }
  }
  for (const locale of LOCALES) {
    const t = texts[locale]!;
    const mine = new Set([...varsOf(html, t.strings), ...varsOf(t.text, t.strings)]);
    for (const v of allVars) if (!mine.has(v)) problems.push(`${t.file}: does not use {{${v}}}, which the other locale uses`);
  }
  if (allVars.has('firstName')) {
    for (const locale of LOCALES) {
      for (const [key, s] of Object.entries(texts[locale]!.strings)) {
        if (key !== 'greeting' && placeholders(s).includes('firstName')) {
          problems.push(`${texts[locale]!.file}: "${key}" uses {{firstName}}; the name may be absent, so only "greeting" may use it`);
        }
      }
    }
  }
  for (const n of enumNames) if (!allVars.has(n)) problems.push(`emails/${name}: enum "${n}" is not a variable of the template`);

  const kinds = new Map<string, EmailVarKind>([...allVars].map((v) => [v, kindOf(v, enumNames)]));
  problems.push(...checkPlaceholderContexts(html, kinds, rel));

  const vars: EmailVarSpec[] = [...kinds].sort(([a], [b]) => a.localeCompare(b)).map(([v, kind]) => ({ name: v, kind }));
  const strip = (t: RawTexts): EmailLocaleTexts => ({ strings: t.strings, text: t.text, enums: t.enums });
  return { vars, html, texts: { ru: strip(ru), en: strip(en) } };
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

  const out: string[] = [];
  out.push(
    '// GENERATED FILE: do not edit by hand.',
    `// Built by scripts/build-emails.ts (mjml ${mjmlVersion()}, strict validation) from emails/<name>.mjml and`,
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
    'export const COMPILED_EMAILS: { readonly [N in EmailName]: CompiledEmail } = {',
  );
  for (const [n, c] of compiled) {
    out.push(`  ${tsString(n)}: {`);
    out.push(`    vars: ${JSON.stringify(c.vars)},`);
    out.push('    texts: {');
    for (const locale of LOCALES) {
      const t = c.texts[locale];
      out.push(`      ${locale}: {`);
      out.push('        strings: {');
      for (const [k, v] of Object.entries(t.strings)) out.push(`          ${k}: ${tsString(v)},`);
      out.push('        },');
      out.push(`        text: ${tsString(t.text)},`);
      out.push(`        enums: ${JSON.stringify(t.enums)},`);
      out.push('      },');
    }
    out.push('    },');
    out.push(`    html: ${tsString(c.html)},`);
    out.push('  },');
  }
  out.push('};', '');
  return out.join('\n');
}

/** Whether `outFile` holds exactly what the templates in `emailsDir` compile to. */
export async function isFresh(emailsDir: string = DEFAULT_EMAILS_DIR, outFile: string = DEFAULT_OUT_FILE): Promise<boolean> {
  const wanted = await buildEmailsModule(emailsDir);
  return existsSync(outFile) && readFileSync(outFile, 'utf8') === wanted;
}

async function main(argv: string[]): Promise<number> {
  let check = false;
  let emailsDir = DEFAULT_EMAILS_DIR;
  let outFile = DEFAULT_OUT_FILE;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--check') check = true;
    else if (a === '--emails-dir' && argv[i + 1]) emailsDir = resolve(argv[++i]!);
    else if (a === '--out' && argv[i + 1]) outFile = resolve(argv[++i]!);
    else {
      console.error(`usage: tsx scripts/build-emails.ts [--check] [--emails-dir DIR] [--out FILE]\nunknown argument: ${a}`);
      return 2;
    }
  }
  const relOut = relative(process.cwd(), outFile) || outFile;
  let source: string;
  try {
    source = await buildEmailsModule(emailsDir);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return 1;
  }
  if (check) {
    if (existsSync(outFile) && readFileSync(outFile, 'utf8') === source) {
      console.log(`${relOut} is up to date`);
      return 0;
    }
    console.error(`${relOut} is stale: run \`npm run build:emails\` and commit the result`);
    return 1;
  }
  if (existsSync(outFile) && readFileSync(outFile, 'utf8') === source) {
    console.log(`${relOut} is up to date`);
    return 0;
  }
  // Only a change is written: `npm start` runs this, and may run where the tree is read-only.
  writeFileSync(outFile, source);
  console.log(`wrote ${relOut}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
