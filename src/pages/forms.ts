import type { Context } from 'hono';

/**
 * Reading the public pages' forms. Pure apart from reading the body; every problem names its
 * field so the page can point at it.
 */

export type FormFields = Record<string, string>;

/**
 * The posted fields as strings (urlencoded or multipart). A file where text belongs, or a body
 * that cannot be parsed, is null: the caller answers 400. NUL characters are dropped: PostgreSQL
 * text cannot hold them, and no person types one.
 */
export async function readForm(c: Context): Promise<FormFields | null> {
  let body: Record<string, string | File | (string | File)[]>;
  try {
    body = await c.req.parseBody();
  } catch {
    return null;
  }
  const out: FormFields = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v !== 'string') return null;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what is dropped (PostgreSQL text cannot hold it).
    out[k] = v.replace(/\u0000/g, '');
  }
  return out;
}

/** A problem with one field: the field's name (also its input's id suffix) and a message key. */
export interface FieldProblem<K extends string = string> {
  field: string;
  problem: K;
  max?: number;
}

/** The first value of a posted form field, trimmed and cut to an address's length; null when absent. */
export async function formField(req: Request, name: string): Promise<string | null> {
  try {
    const v = (await req.formData()).get(name);
    return typeof v === 'string' && v.trim() ? v.trim().slice(0, 320) : null;
  } catch {
    return null;
  }
}
