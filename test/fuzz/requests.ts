import fc from 'fast-check';
import { hostileString, type JsonSchema, malformedJson, mutate, type SchemaOptions, schemaArbitrary } from '../helpers/fuzz-schema.js';
import { type Operation, show } from './oracle.js';

/**
 * Requests built from an operation of `/openapi.json`: valid ones from its parameter and body
 * schemas, and hostile ones (a mutated body, malformed JSON, a wrong content type, no body,
 * an oversized body, bad path parameters, bad query values, bad headers).
 */

export interface FuzzRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** What the request is, for a failure message. */
  note: string;
  /** A path parameter was mutated: the URL may no longer match the operation's template. */
  pathEscaped?: boolean;
}

/** Printable ASCII: header values must be byte strings, and the client refuses CR, LF and NUL in them. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 });

interface Parts {
  path: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
}

function partsArbitrary(op: Operation, opts: SchemaOptions): fc.Arbitrary<Parts> {
  const arbs = (where: 'path' | 'query' | 'header') => {
    const ps = op.parameters.filter((p) => p.in === where);
    const model = Object.fromEntries(
      ps.map((p) => [
        p.name,
        (where === 'header' ? headerText : schemaArbitrary(p.schema, opts, 0, p.name)).map((v) => (v === null || v === undefined ? undefined : String(v))),
      ]),
    );
    // Optional parameters are left out now and then, not half the time: most requests should go deep.
    const required = ps.filter((p) => p.required || where === 'header').map((p) => p.name);
    return fc
      .record(model, { requiredKeys: required })
      .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Record<string, string>);
  };
  return fc.record({ path: arbs('path'), query: arbs('query'), headers: arbs('header') });
}

function urlOf(op: Operation, parts: Parts, rawPath: Record<string, string> = {}): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => rawPath[name] ?? encodeURIComponent(parts.path[name] ?? ''));
  const q = new URLSearchParams(parts.query).toString();
  return q ? `${path}?${q}` : path;
}

/** The JSON body schema of the operation, if it takes one. */
export function jsonBodySchema(op: Operation): JsonSchema | undefined {
  return op.body?.content['application/json']?.schema;
}

/** Requests valid against the operation's parameters and body. */
export function validRequest(op: Operation, auth: string, opts: SchemaOptions): fc.Arbitrary<FuzzRequest> {
  const bodySchema = jsonBodySchema(op);
  const body = bodySchema ? schemaArbitrary(bodySchema, opts) : fc.constant(undefined);
  return fc.tuple(partsArbitrary(op, opts), body).map(([parts, b]) => ({
    // A path parameter of `.` or `..` is resolved away by the URL itself (`/v1/campaigns/./sent`
    // is `/v1/campaigns/sent`): such a request never reaches the operation.
    ...(Object.values(parts.path).some((v) => v === '.' || v === '..') ? { pathEscaped: true } : {}),
    url: urlOf(op, parts),
    method: op.method,
    headers: { authorization: auth, ...parts.headers, ...(b === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(b === undefined ? {} : { body: JSON.stringify(b) }),
    note: `valid ${show(b)}`,
  }));
}

/** Path segments a client should never get a 5xx for. */
const hostileSegment: fc.Arbitrary<{ raw: string }> = fc.oneof(
  fc
    .constantFrom(
      'not-a-uuid',
      '..',
      '.',
      '%2e%2e',
      '..%2F..%2Fetc%2Fpasswd',
      '%2F',
      '%00',
      '%',
      '%zz',
      '%E0%A4%A',
      '%C0%AE',
      '%ED%A0%80',
      '{id}',
      '00000000-0000-0000-0000-000000000000',
      ' ',
      '%20',
    )
    .map((raw) => ({ raw })),
  fc.uuid().map((u) => ({ raw: u.toUpperCase() })),
  fc.uuid().map((u) => ({ raw: `{${u}}` })),
  fc.uuid().map((u) => ({ raw: `${u}x` })),
  fc.integer({ min: 201, max: 20_000 }).map((n) => ({ raw: 'a'.repeat(n) })),
  hostileString.map((s) => ({ raw: encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '')) || 'x' })),
);

/** Query values a client should never get a 5xx for (raw, already in URL form). */
const hostileQueryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '-1',
    '0',
    '1e999',
    '1e3',
    '0x10',
    '1.5',
    'NaN',
    'Infinity',
    '99999999999999999999999',
    'true',
    'null',
    '%',
    '%zz',
    '%00',
    '%ED%A0%80',
    'a%2Cb',
    '[]',
    '{}',
  ),
  hostileString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))),
);

const wrongContentType = fc.constantFrom(
  'text/plain',
  'text/plain; charset=utf-8',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-16',
  'application/jsonx',
  'json',
  'application/octet-stream',
  '*/*',
);

/**
 * Hostile requests for the operation, each made with a key holding every scope (so they get
 * past authorization and reach the parsing and the handler). `bodyLimit`: the operation's
 * body limit in bytes (an oversized body goes one byte over it), or null to skip that case.
 */
export function hostileRequest(
  op: Operation,
  auth: string,
  opts: SchemaOptions & { bodyLimit: number | null; examples?: unknown[] },
): fc.Arbitrary<FuzzRequest> {
  const bodySchema = jsonBodySchema(op);
  const base = validRequest(op, auth, opts);
  const parts = partsArbitrary(op, opts);
  const withBody = (r: FuzzRequest, body: string | undefined, contentType: string | undefined, note: string): FuzzRequest => {
    const headers = { ...r.headers };
    delete headers['content-type'];
    if (contentType !== undefined) headers['content-type'] = contentType;
    return { ...r, headers, ...(body === undefined ? { body: undefined } : { body }), note };
  };
  const cases: fc.Arbitrary<FuzzRequest>[] = [];
  if (bodySchema) {
    const valid = schemaArbitrary(bodySchema, opts);
    cases.push(
      fc
        .tuple(base, mutate(valid))
        .map(([r, m]) => withBody(r, JSON.stringify(m.value), 'application/json', `mutated body (${show(m.mutation, 200)}): ${show(m.value)}`)),
      fc
        .tuple(base, mutate(valid))
        .map(([r, m]) => withBody(r, JSON.stringify(m.value), 'application/json', `mutated body (${show(m.mutation, 200)}): ${show(m.value)}`)),
      fc.tuple(base, malformedJson).map(([r, b]) => withBody(r, b, 'application/json', `malformed JSON ${show(b, 120)}`)),
      fc.tuple(base, wrongContentType).map(([r, ct]) => withBody(r, r.body, ct, `content type ${ct}`)),
      base.map((r) => withBody(r, undefined, undefined, 'no body, no content type')),
      base.map((r) => withBody(r, undefined, 'application/json', 'no body')),
    );
    if (opts.examples?.length) {
      // Real bodies (a provider's webhook, say) reach code a schema as loose as `type: object` never shows the generator.
      const example = fc.constantFrom(...opts.examples);
      cases.push(
        fc.tuple(base, example).map(([r, e]) => withBody(r, JSON.stringify(e), 'application/json', `example ${show(e)}`)),
        fc
          .tuple(base, mutate(example))
          .map(([r, m]) => withBody(r, JSON.stringify(m.value), 'application/json', `mutated example (${show(m.mutation, 200)}): ${show(m.value)}`)),
        fc
          .tuple(base, mutate(example))
          .map(([r, m]) => withBody(r, JSON.stringify(m.value), 'application/json', `mutated example (${show(m.mutation, 200)}): ${show(m.value)}`)),
      );
    }
    if (op.body?.content['text/plain']) {
      // Amazon SNS posts JSON as text/plain with its own header: the one text body the API takes.
      const text = fc.oneof(
        malformedJson,
        mutate(opts.examples?.length ? fc.constantFrom(...opts.examples) : fc.jsonValue()).map((m) => JSON.stringify(m.value)),
      );
      cases.push(
        fc.tuple(base, text, fc.constantFrom('Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation', 'Other', '')).map(([r, b, type]) => ({
          ...withBody(r, b, 'text/plain; charset=UTF-8', `SNS ${type} as text/plain: ${show(b)}`),
          headers: { ...withBody(r, b, 'text/plain; charset=UTF-8', '').headers, 'x-amz-sns-message-type': type },
        })),
      );
    }
    if (opts.bodyLimit !== null) {
      const limit = opts.bodyLimit;
      cases.push(base.map((r) => withBody(r, `{"pad":"${'x'.repeat(limit)}"}`, 'application/json', `a body of ${limit + 10} bytes`)));
    }
  }
  const pathParams = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  if (pathParams.length) {
    cases.push(
      fc.tuple(parts, base, fc.constantFrom(...pathParams), hostileSegment).map(([p, r, name, seg]) => ({
        ...r,
        url: urlOf(op, p, { [name]: seg.raw }),
        note: `path parameter ${name} = ${show(seg.raw, 120)}`,
        pathEscaped: true,
      })),
    );
  }
  const queryParams = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  if (queryParams.length) {
    cases.push(
      fc.tuple(base, fc.constantFrom(...queryParams), hostileQueryValue, fc.constantFrom('replace', 'repeat', 'unknown')).map(([r, name, value, how]) => {
        const [path, q = ''] = r.url.split('?');
        const kept = how === 'replace' ? q.split('&').filter((kv) => kv && !kv.startsWith(`${name}=`)) : q.split('&').filter(Boolean);
        const added = how === 'unknown' ? `${name}_x=${value}` : `${name}=${value}`;
        return { ...r, url: `${path}?${[...kept, added].join('&')}`, note: `query ${how} ${name}=${show(value, 120)}` };
      }),
    );
  }
  const headerParams = op.parameters.filter((p) => p.in === 'header').map((p) => p.name);
  for (const name of headerParams) {
    cases.push(
      fc
        .tuple(base, fc.oneof(fc.constantFrom('', ' ', '\t', 'a'.repeat(10_000)), headerText))
        .map(([r, v]) => ({ ...r, headers: { ...r.headers, [name]: v }, note: `header ${name} = ${show(v, 60)}` })),
      base.map((r) => {
        const headers = { ...r.headers };
        delete headers[name];
        return { ...r, headers, note: `no ${name} header` };
      }),
    );
  }
  // Every operation: headers that steer content negotiation or caching, with junk in them.
  cases.push(
    fc
      .tuple(
        base,
        fc.constantFrom('accept', 'if-none-match', 'accept-language', 'x-request-id'),
        fc.oneof(headerText, fc.constant('*/*'), fc.constant('"x", W/"y"'), fc.constant('a'.repeat(5000))),
      )
      .map(([r, name, v]) => ({ ...r, headers: { ...r.headers, [name]: v }, note: `header ${name} = ${show(v, 60)} on ${r.note}` })),
  );
  return fc.oneof(...cases);
}
