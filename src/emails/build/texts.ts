/**
 * The texts of the e-mail templates at build time: each `<name>.<locale>.json` read and checked
 * (plain text, well-formed placeholders), and the shared partials' texts added to every
 * template's. Problems are collected, not thrown, so one build names them all.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EmailLocale, type EmailLocaleTexts, EMAIL_LOCALES as LOCALES } from '../types.js';
import { ANY_PLACEHOLDER, placeholders, TOKEN_RE } from './placeholders.js';

/** A text key, an enum name: a plain identifier. */
const KEY_RE = /^[A-Za-z][A-Za-z0-9]*$/;

/** One texts file as read: its texts and its path relative to the repository (for problems). */
export interface RawTexts extends EmailLocaleTexts {
  file: string;
}

/**
 * Reads and checks one `<name>.<locale>.json` (or a partial's shared texts, which have no
 * subject of their own); problems are pushed, not thrown.
 */
export function readTexts(file: string, rel: string, problems: string[], opts: { shared?: boolean } = {}): RawTexts | null {
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

/**
 * The texts of the shared partials (`emails/partials/<partial>.<locale>.json`), per locale: the
 * footer's operator name and contact line, say. Every template gets them, so a template that
 * does not include the partial fails the build ("never used"): every mail carries the footer.
 */
export function readSharedTexts(emailsDir: string, problems: string[]): Partial<Record<EmailLocale, RawTexts[]>> {
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
    if (!t) continue;
    out[locale] ??= [];
    out[locale].push(t);
  }
  return out;
}

/** Adds the shared partials' texts to a template's: their slots, and their plain-text lines at the end. */
export function withSharedTexts(t: RawTexts, shared: RawTexts[] | undefined, problems: string[]): RawTexts {
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
