// What PostgreSQL can store as text: no NUL character (text and jsonb refuse it, 22021/22P05),
// and well-formed Unicode (an unpaired UTF-16 surrogate has no UTF-8 form: drivers turn it into
// U+FFFD, or fail). Pure; every layer may use it.

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding the NUL character is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/**
 * Whether the text can be stored as it is: no NUL, no unpaired surrogate.
 *
 * @example
 * isStorableText('Иван'); // true
 * isStorableText('a\u0000b'); // false
 */
export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/**
 * The text with every NUL and unpaired surrogate replaced by U+FFFD, for free text a third
 * party wrote that is kept as it came (a bounce's diagnostic): kept, not refused.
 */
export function storableText(s: string): string {
  return isStorableText(s) ? s : s.replace(UNSTORABLE_ALL, '\ufffd');
}

/**
 * Every place in a parsed value (strings and object keys, nested) holding text that cannot be
 * stored, as dotted paths (`entries.1.note`); empty when there is none.
 */
export function unstorableTextPaths(value: unknown, path: string[] = [], out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (!isStorableText(value)) out.push(path.join('.'));
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) unstorableTextPaths(value[i], [...path, String(i)], out);
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      if (!isStorableText(k)) out.push([...path, '(key)'].join('.'));
      else unstorableTextPaths(v, [...path, k], out);
    }
  }
  return out;
}
