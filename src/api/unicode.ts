import type { FieldProblem } from '../errors/index.js';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Where a parsed JSON value holds a string (or a key) with a lone UTF-16 surrogate: JSON can
 * spell one (`"\ud800"`), but it is not text. PostgreSQL's json refuses it and its text would
 * keep U+FFFD instead, so the API refuses it where it enters, naming each field.
 *
 * @example
 * loneSurrogates({ a: ['ok', 'x\ud800'] }); // [{ path: 'a.1', message: 'not well-formed Unicode (a lone surrogate)' }]
 */
export function loneSurrogates(value: unknown): FieldProblem[] {
  interface Node {
    v: unknown;
    key: string | null;
    parent: Node | null;
  }
  const pathOf = (n: Node) => {
    const parts: string[] = [];
    for (let at: Node | null = n; at?.key != null; at = at.parent) parts.push(at.key);
    return parts.reverse().join('.') || '(body)';
  };
  const out: FieldProblem[] = [];
  // A stack, not recursion, and paths built only for a hit: a body may nest as deep as JSON.parse goes.
  const stack: Node[] = [{ v: value, key: null, parent: null }];
  while (stack.length) {
    const n = stack.pop()!;
    if (typeof n.v === 'string') {
      if (LONE_SURROGATE.test(n.v)) out.push({ path: pathOf(n), message: 'not well-formed Unicode (a lone surrogate)' });
    } else if (Array.isArray(n.v)) {
      for (const [i, x] of n.v.entries()) stack.push({ v: x, key: String(i), parent: n });
    } else if (n.v && typeof n.v === 'object') {
      for (const [k, x] of Object.entries(n.v)) {
        if (LONE_SURROGATE.test(k)) out.push({ path: pathOf(n), message: 'a field name is not well-formed Unicode (a lone surrogate)' });
        else stack.push({ v: x, key: k, parent: n });
      }
    }
  }
  return out.reverse();
}
