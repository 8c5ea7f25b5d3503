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
 * stored, as dotted paths (`entries.1.note`); empty when there is none. One shared path stack, so
 * a batch of 100,000 addresses costs a walk, not 100,000 path arrays.
 */
export function unstorableTextPaths(value: unknown): string[] {
  const out: string[] = [];
  const path: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (!isStorableText(v)) out.push(path.join('.'));
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(String(i));
        walk(v[i]);
        path.pop();
      }
    } else if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      for (const [k, x] of Object.entries(v)) {
        path.push(isStorableText(k) ? k : '(key)');
        if (isStorableText(k)) walk(x);
        else out.push(path.join('.'));
        path.pop();
      }
    }
  };
  walk(value);
  return out;
}
