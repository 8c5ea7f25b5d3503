/**
 * The placeholders of the e-mail templates (`{{name}}`, `{{t.key}}`, `{{lang}}`), at build time:
 * which ones a string uses, what kind each variable is, and where in the compiled HTML each may
 * sit. Pure.
 */
import type { EmailVarKind } from '../types.js';

/** Every `{{...}}`; what is inside is checked separately, so a typo is an error, not literal text. */
export const ANY_PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
/** What may be inside `{{...}}`: a variable, or `t.` and a text's key. */
export const TOKEN_RE = /^(?:t\.)?[A-Za-z][A-Za-z0-9]*$/;
/** Attributes a placeholder may sit in (besides href, checked on its own): text, escaped. */
const TEXT_ATTRIBUTES = new Set(['aria-label', 'title', 'alt']);

/** What is inside each `{{...}}` of a string, in order. */
export function placeholders(s: string): string[] {
  return [...s.matchAll(ANY_PLACEHOLDER)].map((m) => m[1]!);
}

/**
 * The kind of a variable, from its name (see `EmailVarKind`): `firstName` is the name, a label
 * table makes an enum, `…Url` a URL, `…Email` an address, anything else text.
 */
export function kindOf(name: string, enums: Set<string>): EmailVarKind {
  if (name === 'firstName') return 'name';
  if (enums.has(name)) return 'enum';
  if (/Url$/.test(name)) return 'url';
  if (/Email$/.test(name)) return 'email';
  return 'text';
}

/** Variables a string uses, following `{{t.key}}` into the texts. */
export function varsOf(s: string, strings: Readonly<Record<string, string>>): Set<string> {
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
export function checkPlaceholderContexts(html: string, kinds: Map<string, EmailVarKind>, rel: string): string[] {
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
          problems.push(
            `${rel}: href="${valueBefore}{{${token}}}${valueAfter}": an href holds exactly one URL variable ({{…Url}}), or mailto: and one e-mail variable ({{…Email}})`,
          );
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
