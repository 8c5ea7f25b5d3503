/**
 * Compiles one e-mail template (`<name>.mjml`, strict MJML validation, includes resolved) and
 * checks it against its texts in every locale: every slot has a text and every text is used,
 * the locales agree, the HTML and the plain-text part carry the same variables, placeholders
 * sit only where they are escaped for what they hold. Problems are collected, not thrown.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mjml2html from 'mjml';
import { type CompiledEmail, type EmailLocale, type EmailLocaleTexts, type EmailVarKind, type EmailVarSpec, EMAIL_LOCALES as LOCALES } from '../types.js';
import { checkPlaceholderContexts, kindOf, placeholders, TOKEN_RE, varsOf } from './placeholders.js';
import { type RawTexts, readTexts, withSharedTexts } from './texts.js';

/** Compiles one template and checks it against its texts. */
export async function compileOne(
  emailsDir: string,
  name: string,
  problems: string[],
  shared: Partial<Record<EmailLocale, RawTexts[]>> = {},
): Promise<CompiledEmail | null> {
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
  const keysOf = (t: RawTexts) =>
    [...Object.keys(t.strings), ...Object.entries(t.enums).flatMap(([n, l]) => Object.keys(l).map((v) => `enums.${n}.${v}`))].sort();
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
