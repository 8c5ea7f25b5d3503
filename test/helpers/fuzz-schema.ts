import fc from 'fast-check';

/**
 * A small JSON Schema → fast-check arbitrary generator for the fuzz suite (`test/fuzz/`), covering
 * what `/openapi.json` uses: `$ref` into components, object (properties, required,
 * additionalProperties), array (items, minItems, maxItems), string (minLength, maxLength,
 * format email/uuid/date-time/date/uri/ip, pattern, enum), integer and number (minimum,
 * maximum, exclusiveMinimum/Maximum), boolean, null, `type: [..., 'null']`, OpenAPI 3.0
 * `nullable`, oneOf/anyOf/allOf (first branch), const, and `{}` (any JSON). Values stay small:
 * lengths and item counts are capped (the hostile half of the suite sends the huge ones).
 *
 * @example
 * const arb = schemaArbitrary(doc.components.schemas.Lead, { root: doc });
 * fc.sample(arb, 1); // [{ email: 'a@b.ru', consents: { processing: true }, policyVersion: 'x' }]
 */

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  nullable?: boolean;
  [k: string]: unknown;
};

export interface SchemaOptions {
  /** The document `$ref`s point into (`#/components/schemas/X`). */
  root?: unknown;
  /** Draws a `format: uuid` value: pass one that mixes known ids in, so lookups sometimes hit. */
  uuid?: fc.Arbitrary<string>;
  /** Draws a `format: email` value (known addresses mixed in). */
  email?: fc.Arbitrary<string>;
  /**
   * A format for strings that declare none, by property or parameter name (`{ email: 'email' }`):
   * where the document is vaguer than the code, so generated values still get past validation.
   */
  formatByName?: Record<string, string>;
  /** Cap on generated string lengths and array sizes (default 24 and 4). */
  maxStringLength?: number;
  maxItems?: number;
}

/** Follows a local `$ref` (`#/a/b`) in `root`. */
export function resolveRef(root: unknown, ref: string): JsonSchema {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  if (!node) throw new Error(`unresolved $ref ${ref}`);
  return node as JsonSchema;
}

/** An address most validators take, and sometimes fast-check's stranger (still RFC-valid) ones. */
export const plausibleEmail = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        // No two dots in a row: `format: email` (and RFC 5322's dot-atom) refuses them.
        fc.stringMatching(/^[a-z][a-z0-9._-]{0,15}[a-z0-9]$/).map((l) => l.replace(/\.{2,}/g, '.')),
        fc.constantFrom('example.ru', 'example.com', 'mail.example.org'),
      )
      .map(([l, d]) => `${l}@${d}`),
  },
  { weight: 1, arbitrary: fc.emailAddress() },
);

const isoDateTime = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());

function stringArbitrary(s: JsonSchema, opts: SchemaOptions, name?: string): fc.Arbitrary<string> {
  switch (s.format ?? (name === undefined ? undefined : opts.formatByName?.[name])) {
    case 'email':
      return opts.email ?? plausibleEmail;
    case 'uuid':
      return opts.uuid ?? fc.uuid();
    case 'date-time':
      return isoDateTime;
    case 'date':
      return isoDateTime.map((d) => d.slice(0, 10));
    case 'uri':
      return fc.webUrl();
    case 'ip':
    case 'ipv4':
      return s.format === 'ip' ? fc.oneof(fc.ipV4(), fc.ipV6()) : fc.ipV4();
    case 'ipv6':
      return fc.ipV6();
  }
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern));
  const minLength = s.minLength ?? 0;
  const cap = opts.maxStringLength ?? 24;
  const maxLength = Math.max(minLength, Math.min(s.maxLength ?? cap, cap));
  return fc.string({
    minLength,
    maxLength,
    unit: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...'abcxyz019 -_.'.split('')) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
    ),
  });
}

function numberArbitrary(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  let min = s.minimum;
  let max = s.maximum;
  if (typeof s.exclusiveMinimum === 'number') min = integer ? s.exclusiveMinimum + 1 : s.exclusiveMinimum + Number.EPSILON;
  if (typeof s.exclusiveMaximum === 'number') max = integer ? s.exclusiveMaximum - 1 : s.exclusiveMaximum - Number.EPSILON;
  if (integer) {
    const lo = Math.max(min ?? -1_000_000, Number.MIN_SAFE_INTEGER);
    const hi = Math.min(max ?? 1_000_000, Number.MAX_SAFE_INTEGER);
    // Small values near the lower bound are the useful ones (limits, counts); the bounds themselves too.
    return fc.oneof(fc.integer({ min: lo, max: Math.min(hi, lo + 100) }), fc.constantFrom(lo, hi), fc.integer({ min: lo, max: hi }));
  }
  return fc.double({ min: min ?? -1e6, max: max ?? 1e6, noNaN: true, noDefaultInfinity: true });
}

/**
 * The arbitrary of values valid against `schema` (as far as the generator understands it).
 *
 * @example
 * fc.sample(schemaArbitrary({ type: 'integer', minimum: 1, maximum: 5 }), 3); // [1, 5, 3]
 */
export function schemaArbitrary(schema: JsonSchema, opts: SchemaOptions = {}, depth = 0, name?: string): fc.Arbitrary<unknown> {
  if (depth > 20) throw new Error('schema nests too deep (a recursive $ref?)');
  // `name`: the property (or parameter) the value is for; array items keep their array's name.
  const next = (s: JsonSchema, as = name) => schemaArbitrary(s, opts, depth + 1, as);
  if (schema.$ref) return next(resolveRef(opts.root, schema.$ref));
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const branches = schema.oneOf ?? schema.anyOf;
  if (branches) return fc.oneof(...branches.map((b) => next(withBranch(schema, b, opts.root))));
  if (schema.allOf) return next(Object.assign({}, ...schema.allOf.map((s) => (s.$ref ? resolveRef(opts.root, s.$ref) : s))));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (schema.nullable && !types.includes('null')) types.push('null');
  if (types.length > 1) return fc.oneof(...types.map((t) => next({ ...schema, type: t, nullable: false })));
  const type = types[0] ?? (schema.properties ? 'object' : schema.items ? 'array' : undefined);
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'number':
      return numberArbitrary(schema, type === 'integer');
    case 'string':
      return stringArbitrary(schema, opts, name);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const cap = opts.maxItems ?? 4;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? cap, cap));
      return fc.array(next(schema.items ?? {}), { minLength, maxLength });
    }
    case 'object': {
      const props = schema.properties ?? {};
      const model = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, next(s, k)]));
      const known = fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
      if (schema.additionalProperties === false || !schema.additionalProperties) return known;
      const extra = schema.additionalProperties === true ? fc.jsonValue({ maxDepth: 2 }) : next(schema.additionalProperties);
      return fc
        .tuple(known, fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), extra, { maxKeys: 3 }))
        .map(([k, e]) => ({ ...Object.fromEntries(Object.entries(e).filter(([name]) => !(name in props) && name !== '__proto__')), ...k }));
    }
    default:
      // `{}`: anything JSON.
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/**
 * One branch of a `oneOf`/`anyOf` as a whole schema. Alone when the schema is only the choice
 * (the mail-sender's providers); otherwise the schema's own keywords with the branch's
 * `required` added and the properties its `not: { required }` forbids left out (a reservation:
 * `subjects` or `emails`, each with the schema's own definition, never both).
 */
function withBranch(schema: JsonSchema, branch: JsonSchema, root: unknown): JsonSchema {
  const { oneOf: _one, anyOf: _any, ...base } = schema;
  const b = branch.$ref ? resolveRef(root, branch.$ref) : branch;
  if (!base.properties && !base.type) return b;
  const not = b.not as JsonSchema | undefined;
  const excluded = new Set(not?.required ?? []);
  const properties = Object.fromEntries(Object.entries({ ...(b.properties ?? {}), ...(base.properties ?? {}) }).filter(([k]) => !excluded.has(k)));
  return { ...base, properties, required: [...new Set([...(base.required ?? []), ...(b.required ?? [])])] };
}

// ---------------------------------------------------------------------------------------------
// Hostile values

/** Text that breaks naive code: NUL and control characters, lone surrogates, bidi and zero-width marks, combining runs, traversal, markup, SQL. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\u0001\u0002\u0007\u0008\u001b[31m\u007f',
    '\r\nX-Injected: 1\r\n',
    '\ud800',
    'x\udfffy',
    '\udc00\ud800',
    '\u202eevil\u202c',
    '\u200b\u200c\u200d\ufeff',
    'e\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301',
    '𝕏👩‍👩‍👧‍👦🏳️‍🌈',
    'ＡＢＣ＠ｅｘａｍｐｌｅ．ｒｕ',
    '../../../../etc/passwd',
    '..%2F..%2F%00',
    '<script>alert(1)</script>',
    "' or 1=1; drop table subjects; --",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j-style lookup, literally.
    '${jndi:ldap://x}',
    '=HYPERLINK("http://x")',
    '',
    ' ',
    'null',
    'NaN',
    '-1',
    '1e309',
    '9'.repeat(400),
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 10 }),
  fc.integer({ min: 300, max: 70_000 }).map((n) => 'A'.repeat(n)),
  fc.integer({ min: 100, max: 5_000 }).map((n) => 'Ж\u0000'.repeat(n)),
);

/** A JSON value nested `depth` deep (as text: JSON.stringify would recurse as deep). */
export const deepJson = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

/** Any value of a wrong kind for most fields: other types, hostile strings, extremes, nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    -0,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    [],
    {},
    [null],
    { '': null },
    JSON.parse('{"__proto__":{"polluted":true}}'),
  ),
  fc.integer({ min: 10, max: 200 }).map((d) => JSON.parse(deepJson(d))),
  fc.integer({ min: 10, max: 200 }).map((d) => JSON.parse(`${'{"a":'.repeat(d)}1${'}'.repeat(d)}`)),
  fc.array(fc.constant('x'), { minLength: 500, maxLength: 3000 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Paths to every value inside `v` (the root is `[]`). */
function pathsOf(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) for (const [i, x] of v.entries()) pathsOf(x, [...at, i], out);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  return out;
}

function setAt(v: unknown, path: (string | number)[], value: unknown, mode: 'set' | 'delete' | 'add'): unknown {
  if (path.length === 0) return mode === 'set' ? value : v;
  const [head, ...rest] = path;
  const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>;
  if (rest.length === 0) {
    if (mode === 'delete') {
      if (Array.isArray(copy)) (copy as unknown[]).splice(head as number, 1);
      else delete copy[head!];
    } else copy[head!] = value;
    return copy;
  }
  copy[head!] = setAt(copy[head!], rest, value, mode);
  return copy;
}

export type BodyMutation =
  | { kind: 'replace'; path: string; value: unknown }
  | { kind: 'delete'; path: string }
  | { kind: 'unknown-field'; path: string; name: string }
  | { kind: 'whole'; value: unknown };

/**
 * A valid value with one hostile change: a value somewhere replaced by one of the wrong kind,
 * a field removed (often a required one), an unknown field added, or the whole body replaced.
 * Returns the mutated value and what was done (for the failure message).
 */
export function mutate(valid: fc.Arbitrary<unknown>): fc.Arbitrary<{ value: unknown; mutation: BodyMutation }> {
  return fc
    .tuple(valid, fc.constantFrom('replace', 'replace', 'delete', 'unknown-field', 'whole'), fc.nat(), hostileValue, fc.string({ minLength: 1, maxLength: 12 }))
    .map(([v, kind, pick, hostile, name]) => {
      const paths = pathsOf(v);
      const objects = paths.filter((p) => {
        const x = p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], v);
        return x && typeof x === 'object' && !Array.isArray(x);
      });
      const show = (p: (string | number)[]) => p.join('.') || '(body)';
      if (kind === 'replace' && paths.length > 0) {
        const p = paths[pick % paths.length]!;
        return { value: setAt(v, p, hostile, 'set'), mutation: { kind, path: show(p), value: hostile } as BodyMutation };
      }
      if (kind === 'delete' && paths.length > 1) {
        const p = paths.slice(1)[pick % (paths.length - 1)]!;
        return { value: setAt(v, p, undefined, 'delete'), mutation: { kind, path: show(p) } as BodyMutation };
      }
      if (kind === 'unknown-field' && objects.length > 0) {
        const p = objects[pick % objects.length]!;
        const field = name === '__proto__' ? 'proto' : `${name}_x`;
        return { value: setAt(v, [...p, field], hostile, 'add'), mutation: { kind, path: show(p), name: field } as BodyMutation };
      }
      return { value: hostile, mutation: { kind: 'whole', value: hostile } as BodyMutation };
    });
}

/** Bodies that are not JSON (or not JSON the app should take): truncated, trailing garbage, BOM, NaN, deep nesting past the parser. */
export const malformedJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"a":',
    '{"a":1,}',
    "{'a':1}",
    '{a:1}',
    '\ufeff{}',
    'NaN',
    '[1,2',
    '{"a":1}{"b":2}',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
    '"\u0000"',
    'null',
    'true',
    '12',
    '"text"',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
  ),
  fc.integer({ min: 1_000, max: 20_000 }).map((d) => deepJson(d)),
  fc.integer({ min: 1_000, max: 20_000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
  fc.string({ unit: 'binary', maxLength: 60 }),
);
