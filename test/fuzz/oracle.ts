import { isIP } from 'node:net';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { sql } from 'kysely';
import type { Db } from '../../src/db/handle.js';
import type { JsonSchema } from '../helpers/fuzz-schema.js';
import { dataTables } from '../helpers/pages.js';
import { TEST_SEED } from '../helpers/seed.js';
import { type KnownMismatch, knownMismatch } from './known-mismatches.js';

/**
 * The fuzz suite's oracle: what every answer must be, whatever was asked. Checked against the
 * document the app serves (`/openapi.json`) with ajv (OpenAPI 3.1 schemas are JSON Schema
 * 2020-12), and against the database (a refused request writes nothing).
 */

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: JsonSchema;
}

interface MediaType {
  schema?: JsonSchema;
}

export interface Operation {
  /** `METHOD /path/{template}`. */
  key: string;
  method: string;
  path: string;
  parameters: Parameter[];
  body?: { required: boolean; content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: Operation['body']; responses: Operation['responses'] }>>;
  components: { schemas: Record<string, JsonSchema> };
}

/** Every operation of the document. */
export function operationsOf(doc: OpenApiDoc): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      ...(op.requestBody ? { body: { required: !!op.requestBody.required, content: op.requestBody.content } } : {}),
      responses: op.responses,
    })),
  );
}

const DOC_ID = 'https://fuzz.mailprefs.invalid/openapi.json';

/** Validates bodies against the document's schemas, `$ref`s into its components included. */
export function createValidator(doc: OpenApiDoc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addFormat('ip', { type: 'string', validate: (s: string) => isIP(s) !== 0 });
  ajv.addSchema({ $id: DOC_ID, components: doc.components });
  const cache = new Map<string, ReturnType<typeof ajv.compile>>();
  return (schema: JsonSchema, value: unknown): string | null => {
    const text = JSON.stringify(schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`);
    let validate = cache.get(text);
    if (!validate) {
      validate = ajv.compile(JSON.parse(text));
      cache.set(text, validate);
    }
    return validate(value) ? null : ajv.errorsText(validate.errors, { dataVar: 'body' });
  };
}

/**
 * A cheap fingerprint of the whole database: per table, its row count and an md5 of its rows; and
 * the suppression sequence. A key's last use (`api_keys.last_used_at`, the bearer check's
 * bookkeeping for the dashboard) is left out: it is not a change the call made.
 */
export async function fingerprint(db: Db): Promise<Record<string, string>> {
  const parts = (await dataTables(db)).map(
    (t) =>
      sql`select ${t}::text as t, count(*)::text || ':' || coalesce(md5(string_agg((to_jsonb(x) - 'last_used_at')::text, '|' order by (to_jsonb(x) - 'last_used_at')::text)), '') as f from ${sql.table(t)} x`,
  );
  parts.push(sql`select 'suppression_seq'::text as t, last_value::text || ':' || is_called::text as f from suppression_seq`);
  const rows = await sql<{ t: string; f: string }>`${sql.join(parts, sql` union all `)}`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.t, r.f]));
}

/** The tables whose fingerprint differs. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((t) => before[t] !== after[t]);
}

export class Hang extends Error {}

/** The answer, or a `Hang` after `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Hang(`hang: no answer within ${ms} ms to ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** What the suite met that the known mismatches excused, per entry. */
export const excused = new Map<KnownMismatch, number>();

const mediaOf = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase();

/**
 * Everything wrong with an answer to `op`, as readable lines (empty: fine). `pathEscaped`: the
 * request's path no longer matches the operation's template (a mutated path parameter), so a
 * router-level 404 problem is as good as a declared status.
 */
export function problemsWith(op: Operation, a: Answer, validate: ReturnType<typeof createValidator>, opts: { pathEscaped?: boolean } = {}): string[] {
  const out: string[] = [];
  const excuse = (kind: KnownMismatch['kind'], line: string) => {
    const known = knownMismatch(op.key, a.status, kind);
    if (known) excused.set(known, (excused.get(known) ?? 0) + 1);
    else out.push(line);
  };
  if (a.status >= 500) out.push(`${a.status}: a server error`);
  const media = mediaOf(a.contentType);
  if (a.status >= 400) {
    if (media !== 'application/problem+json') out.push(`${a.status} answered as ${a.contentType || '(no content type)'}, not application/problem+json`);
    else {
      let p: unknown;
      try {
        p = JSON.parse(a.text);
      } catch {
        out.push(`${a.status}: a problem that is not JSON`);
      }
      if (p !== undefined) {
        const bad = validate({ $ref: '#/components/schemas/Problem' }, p);
        if (bad) out.push(`${a.status}: problem does not match Problem: ${bad}`);
        else if ((p as { status: number }).status !== a.status) out.push(`${a.status}: problem says status ${(p as { status: number }).status}`);
      }
    }
  }
  const declared = op.responses[String(a.status)] ?? op.responses[`${String(a.status)[0]}XX`] ?? op.responses.default;
  if (!declared) {
    if (!(opts.pathEscaped && a.status === 404 && media === 'application/problem+json'))
      excuse('status', `${a.status} is not a declared response of ${op.key}`);
    return out;
  }
  const content = declared.content;
  if (!content) {
    if (a.text.length > 0) excuse('body', `${a.status} declares no content but has a body`);
    return out;
  }
  const mt = content[media];
  if (!mt) {
    excuse('content-type', `${a.status} answered as ${a.contentType || '(none)'}; declared: ${Object.keys(content).join(', ')}`);
    return out;
  }
  if (!mt.schema) return out;
  let values: unknown[];
  try {
    if (media === 'application/x-ndjson')
      values = a.text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    else if (media.endsWith('json')) values = [JSON.parse(a.text)];
    else values = [a.text];
  } catch {
    out.push(`${a.status} ${media}: body does not parse`);
    return out;
  }
  for (const v of values) {
    const bad = validate(mt.schema, v);
    if (bad) {
      excuse('body', `${a.status} ${media}: ${bad}`);
      break;
    }
  }
  return out;
}

/** A failure message that says how to run it again. */
export function failure(what: string, lines: string[]): Error {
  return new Error(`${what}\n  - ${lines.join('\n  - ')}\n  (TEST_SEED=${TEST_SEED} to repeat)`);
}

/** A value for a message: JSON, cut to `max` characters. */
export function show(v: unknown, max = 400): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}
