import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMailSenderPayload } from '../../src/mailsender/parse.js';
import { docValidator, type OpenApiDoc, openApiDoc, operationsOf } from '../helpers/openapi-doc.js';

/**
 * What /openapi.json promises, checked on the document itself (no database): code generators
 * and validating gateways read it, so it must name every operation, say what the service
 * enforces, and describe every shape the service takes (issue 11, items 13-15).
 */

let doc: OpenApiDoc;
let v: ReturnType<typeof docValidator>;
beforeAll(async () => {
  doc = await openApiDoc();
  v = docValidator(doc);
});

const op = (method: string, path: string) => {
  const o = doc.paths[path]?.[method.toLowerCase()];
  if (!o) throw new Error(`${method} ${path} is not in the document`);
  return o;
};
const ops = () => operationsOf(doc);
const isApi = (path: string) => path.startsWith('/v1/');

describe('every operation', () => {
  it('is found: the /v1 operations and the service endpoints', () => {
    expect(ops().filter((o) => isApi(o.path)).length).toBe(30);
    expect(ops().map((o) => `${o.method} ${o.path}`)).toEqual(
      expect.arrayContaining(['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /.well-known/jwks.json']),
    );
  });

  it('has a unique camelCase verbNoun operationId', () => {
    const ids = ops().map((o) => o.op.operationId ?? `(none: ${o.method} ${o.path})`);
    expect(ids.filter((id) => !/^[a-z]+(?:[A-Z][a-z0-9]*)+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has exactly one tag, listed with a description at the top of the document', () => {
    const described = new Map((doc.tags ?? []).map((t) => [t.name, t.description ?? '']));
    const bad = ops().filter((o) => o.op.tags?.length !== 1 || !(described.get(o.op.tags[0]!) ?? '').trim());
    expect(bad.map((o) => `${o.method} ${o.path}: ${o.op.tags}`)).toEqual([]);
    // No tag listed that nothing uses.
    const used = new Set(ops().flatMap((o) => o.op.tags ?? []));
    expect([...described.keys()].filter((t) => !used.has(t))).toEqual([]);
  });

  it('declares a success, 500, and on /v1 the errors of authentication, validation and a database that does not answer', () => {
    const missing: string[] = [];
    for (const { method, path, op: o } of ops()) {
      const codes = Object.keys(o.responses);
      // 422 wherever there is a parameter or a body to refuse.
      const validates = !!o.parameters?.length || !!o.requestBody;
      const need = ['500', ...(isApi(path) ? ['401', '403', '503', ...(validates ? ['422'] : [])] : [])];
      if (!codes.some((c) => c.startsWith('2'))) missing.push(`${method} ${path}: 2xx`);
      if (path === '/healthz' || path === '/readyz') continue; // they never throw: /readyz's 503 is its answer
      for (const c of need) if (!codes.includes(c)) missing.push(`${method} ${path}: ${c}`);
      for (const [c, r] of Object.entries(o.responses)) if (!r.description?.trim()) missing.push(`${method} ${path}: ${c} description`);
    }
    expect(missing).toEqual([]);
  });

  it('declares 503 with Retry-After on every /v1 operation', () => {
    const bad = ops().filter((o) => isApi(o.path) && !o.op.responses['503']?.headers?.['Retry-After']);
    expect(bad.map((o) => `${o.method} ${o.path}`)).toEqual([]);
  });

  it('declares 413 and 415 on the writes, which take a body, and never on a GET or a DELETE (which take none)', () => {
    const gets = ops().filter((o) => o.method === 'GET');
    expect(gets.length).toBeGreaterThan(5);
    expect(gets.filter((o) => o.op.responses['413'] || o.op.responses['415'] || o.op.requestBody).map((o) => o.path)).toEqual([]);
    const deletes = ops().filter((o) => o.method === 'DELETE');
    expect(deletes.filter((o) => o.op.responses['413'] || o.op.responses['415'] || o.op.requestBody).map((o) => o.path)).toEqual([]);
    const writes = ops().filter((o) => o.method !== 'GET' && o.method !== 'DELETE');
    expect(writes.length).toBeGreaterThan(10);
    expect(
      writes.filter((o) => !o.op.responses['400'] || !o.op.responses['413'] || !o.op.responses['415'] || !o.op.requestBody?.required).map((o) => o.path),
    ).toEqual([]);
  });

  it('says no authentication on the service endpoints, and the scopes on every /v1 one', () => {
    expect(op('GET', '/healthz').security).toEqual([]);
    expect(op('GET', '/readyz').security).toEqual([]);
    expect(op('GET', '/metrics').security).toEqual([{ bearer: ['metrics:read'] }, { bearer: ['admin'] }]);
    expect(op('GET', '/.well-known/jwks.json').security).toEqual([]);
    expect(ops().filter((o) => isApi(o.path) && !o.op.security?.length)).toEqual([]);
  });
});

describe('what the service enforces, said in the document', () => {
  const header = (method: string, path: string, name: string) => op(method, path).parameters?.find((p) => p.in === 'header' && p.name === name);

  it('requires X-Purpose on every read of personal data (the handlers answer 400 without it)', () => {
    for (const [m, p] of [
      ['GET', '/v1/subjects/{id}'],
      ['GET', '/v1/subjects'],
      ['GET', '/v1/subjects/{id}/export'],
    ] as const) {
      expect(header(m, p, 'x-purpose')?.required, `${m} ${p}`).toBe(true);
      expect(op(m, p).responses['400'], `${m} ${p}`).toBeDefined();
    }
    // On writes it is optional (the audit row carries it when given).
    expect(header('PATCH', '/v1/subjects/{id}', 'x-purpose')?.required).toBe(false);
  });

  it('takes exactly one of subjects or emails for a reservation', () => {
    const body = v.at(v.requestBody('POST', '/v1/campaigns/{campaignId}/reservations'));
    const id = '3f1c6a0e-8c1b-4d57-9f5e-2a7d1e0b9c11';
    expect(body({ subjects: [id] })).toBe(true);
    expect(body({ emails: ['ivan@example.ru'] })).toBe(true);
    expect(body({ subjects: [id], emails: ['ivan@example.ru'] })).toBe(false);
    expect(body({})).toBe(false);
  });

  it('marks e-mail fields format email and timestamps format date-time', () => {
    const s = doc.components.schemas;
    const prop = (schema: string, name: string) => (s[schema]!.properties as Record<string, Record<string, unknown>>)[name]!;
    expect(prop('Lead', 'email').format).toBe('email');
    expect(prop('SuppressionRecord', 'email').format).toBe('email');
    expect(prop('SuppressionRecord', 'createdAt').format).toBe('date-time');
    expect(prop('Subject', 'createdAt').format).toBe('date-time');
    expect(prop('DataSubjectRequest', 'dueAt').format).toBe('date-time');
    const lead = v.at('#/components/schemas/Lead');
    expect(lead({ email: 'not an address', consents: { processing: true }, policyVersion: '1' })).toBe(false);
    expect(lead({ email: 'ivan@example.ru', consents: { processing: true }, policyVersion: '1' })).toBe(true);
  });

  it('states the processing-consent rule: a lead without consent to processing is refused (consent_required)', () => {
    const lead = v.at('#/components/schemas/Lead');
    expect(lead({ email: 'ivan@example.ru', consents: { processing: false, marketing: true }, policyVersion: '1' })).toBe(false);
    expect(op('POST', '/v1/subjects').responses['422']!.description).toMatch(/consent_required/);
  });

  it('describes the feed: If-None-Match, ETag and X-High-Water-Mark, and NDJSON one record a line', () => {
    const feed = op('GET', '/v1/suppressions');
    expect(header('GET', '/v1/suppressions', 'if-none-match')?.required).toBe(false);
    for (const status of ['200', '304']) expect(Object.keys(feed.responses[status]!.headers ?? {}).sort(), status).toEqual(['ETag', 'X-High-Water-Mark']);
    const ndjson = feed.responses['200']!.content!['application/x-ndjson']!;
    expect(ndjson.schema).toEqual({ $ref: '#/components/schemas/SuppressionRecord' });
    expect(feed.responses['200']!.description).toMatch(/one SuppressionRecord as JSON per line/);
    const line = v.at('#/components/schemas/SuppressionRecord');
    expect(line({ seq: 1, hash: 'ab', reason: 'manual', active: true, createdAt: '2026-03-02T09:00:00.000Z', topic: null })).toBe(true);
    expect(line({ seq: 2, hash: 'ab', reason: 'unsubscribed', active: true, createdAt: '2026-03-02T09:00:00.000Z', topic: 'webinars' })).toBe(true);
  });

  it('gives the right-of-access export a schema of its own, not an open object', () => {
    const schema = v.at(v.response('GET', '/v1/subjects/{id}/export', 200));
    expect(schema({})).toBe(false);
    expect(doc.components.schemas.SubjectExport!.required).toEqual(
      expect.arrayContaining(['exportedAt', 'subject', 'consentEvents', 'sends', 'suppression', 'requests', 'disclosures']),
    );
  });
});

describe('POST /v1/events/mail-sender: the body', () => {
  const FIXTURES = join(import.meta.dirname, '../mailsender/fixtures');
  const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
  const sns = (m: unknown) => ({ ...fixture('sns-notification.json'), Message: JSON.stringify(m) });
  const generic = {
    events: [
      { type: 'hard_bounce', email: 'hard.bounce@example.ru', at: '2026-03-01T10:00:00Z', id: 'evt-1', detail: 'smtp; 550 5.1.1 User unknown' },
      { type: 'complaint', email: 'c@example.org', at: '2026-03-01T10:00:00+03:00', id: 'evt-2' },
      { type: 'soft_bounce', email: 's@example.org', at: '2026-03-01T10:00:00.123Z', id: 'evt-3' },
      { type: 'unsubscribe', email: 'u@example.org', at: '2026-03-01T10:00:00Z', id: 'evt-4' },
    ],
  };

  // Each real payload, and the branch of the oneOf that must take it.
  const examples: [string, unknown, string][] = [
    ['our own shape', generic, 'MailSenderEvents'],
    ...['ses-bounce-with-dsn', 'ses-bounce-without-dsn', 'ses-complaint-with-feedback', 'ses-complaint-without-feedback', 'ses-delivery'].flatMap(
      (f): [string, unknown, string][] => [
        [`${f} (raw)`, fixture(`${f}.json`), 'SesNotification'],
        [`${f} in an SNS envelope`, sns(fixture(`${f}.json`)), 'SnsMessage'],
      ],
    ),
    ['sns-notification', fixture('sns-notification.json'), 'SnsMessage'],
    ['sns-subscription-confirmation', fixture('sns-subscription-confirmation.json'), 'SnsMessage'],
    ...(JSON.parse(readFileSync(join(FIXTURES, 'sns-aws-published-messages.json'), 'utf8')) as unknown[]).map((m, i): [string, unknown, string] => [
      `AWS-signed SNS message ${i}`,
      m,
      'SnsMessage',
    ]),
    ['postmark-bounce', fixture('postmark-bounce.json'), 'PostmarkBounce'],
    ['postmark-bounce-legacy (no RecordType)', fixture('postmark-bounce-legacy.json'), 'PostmarkBounce'],
    ['postmark-spam-complaint', fixture('postmark-spam-complaint.json'), 'PostmarkBounce'],
    ['postmark-subscription-change', fixture('postmark-subscription-change.json'), 'PostmarkSubscriptionChange'],
  ];

  const branches = () => {
    const oneOf = (op('POST', '/v1/events/mail-sender').requestBody!.content['application/json']!.schema as { oneOf: { $ref: string }[] }).oneOf;
    const pointer = v.requestBody('POST', '/v1/events/mail-sender');
    return oneOf.map((b, i) => ({ name: b.$ref.split('/').pop()!, validate: v.at(`${pointer}/oneOf/${i}`) }));
  };
  const matching = (body: unknown) =>
    branches()
      .filter((b) => b.validate(body))
      .map((b) => b.name);

  it('is required, and names each shape as a component with its required properties', () => {
    const rb = op('POST', '/v1/events/mail-sender').requestBody!;
    expect(rb.required).toBe(true);
    expect(branches().map((b) => b.name)).toEqual(['MailSenderEvents', 'SnsMessage', 'SesNotification', 'PostmarkBounce', 'PostmarkSubscriptionChange']);
    for (const name of ['SnsMessage', 'SesNotification', 'PostmarkBounce', 'PostmarkSubscriptionChange', 'MailSenderEvents']) {
      expect((doc.components.schemas[name]!.required as string[] | undefined)?.length, name).toBeGreaterThan(0);
    }
  });

  it.each(examples)('accepts %s, by exactly one branch of the oneOf, the right one', (_, body, branch) => {
    expect(v.at(v.requestBody('POST', '/v1/events/mail-sender'))(body)).toBe(true);
    expect(matching(body)).toEqual([branch]);
  });

  it('tells the examples apart as the service does: the branch is the provider the parser reads', () => {
    const provider: Record<string, string> = {
      MailSenderEvents: 'generic',
      SnsMessage: 'ses',
      SesNotification: 'ses',
      PostmarkBounce: 'postmark',
      PostmarkSubscriptionChange: 'postmark',
    };
    // The SNS samples that carry no SES notification (their Message is plain text) are SNS
    // messages to the document, which cannot look inside a JSON string; the service answers 422.
    const readable = examples.filter(([, body]) => parseMailSenderPayload(body, {}).kind !== 'unknown');
    expect(readable.length).toBe(examples.length - 5);
    for (const [name, body, branch] of readable) {
      const parsed = parseMailSenderPayload(body, {});
      const read = parsed.kind === 'events' ? parsed.provider : parsed.kind === 'sns_subscription' ? 'ses' : 'unknown';
      expect(read, name).toBe(provider[branch]);
    }
  });

  it('reads a body that looks like two shapes as the parser does (it reads SNS, then ours, then SES, then Postmark)', () => {
    const all = [
      generic,
      fixture('ses-bounce-with-dsn.json'),
      sns(fixture('ses-bounce-with-dsn.json')),
      fixture('postmark-bounce.json'),
      fixture('postmark-subscription-change.json'),
    ];
    let pairs = 0;
    for (const a of all) {
      for (const b of all) {
        if (a === b) continue;
        const body = { ...b, ...a };
        const parsed = parseMailSenderPayload(body, {});
        const names = matching(body);
        if (parsed.kind === 'unknown') continue;
        pairs++;
        expect(names.length, JSON.stringify(Object.keys(body))).toBe(1);
        const read = parsed.kind === 'events' ? parsed.provider : 'ses';
        expect(
          { generic: ['MailSenderEvents'], ses: ['SnsMessage', 'SesNotification'], postmark: ['PostmarkBounce', 'PostmarkSubscriptionChange'] }[read],
        ).toContain(names[0]);
      }
    }
    expect(pairs).toBe(20);
  });

  it('refuses what the service refuses: an empty object, an empty events list, an unknown webhook', () => {
    const body = v.at(v.requestBody('POST', '/v1/events/mail-sender'));
    for (const b of [{}, { events: [] }, { RecordType: 'Delivery', MessageID: 'x' }, { Type: 'Notification' }]) {
      expect(parseMailSenderPayload(b, {}).kind, JSON.stringify(b)).toBe('unknown');
      expect(body(b), JSON.stringify(b)).toBe(false);
    }
  });
});
