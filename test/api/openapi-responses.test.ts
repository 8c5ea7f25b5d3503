import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, jsonRequest, registerLead } from '../helpers/harness.js';
import { docValidator, type OpenApiDoc } from '../helpers/openapi-doc.js';

/**
 * The answers of a person's life through the API, each checked against the schema the document
 * declares for it (formats included: e-mail, date-time, date), and the runtime rules the
 * document states (X-Purpose): what the document says is what the service does (issue 11,
 * items 14-15). Both databases.
 */

let h: Harness;
let doc: OpenApiDoc;
let v: ReturnType<typeof docValidator>;
let auth: string;
let subject: string;

beforeAll(async () => {
  h = await createHarness();
  doc = (await (await h.app.request('/openapi.json')).json()) as OpenApiDoc;
  v = docValidator(doc);
  auth = await h.bearer('admin');
  subject = (await registerLead(h, 'Ivan.Petrov@example.ru', { lastName: 'Петров', ip: '203.0.113.5', userAgent: 'Mozilla/5.0' }, auth)).id;
});
afterAll(() => h.close());

const read = (path: string) => h.app.request(path, { headers: { authorization: auth, 'x-purpose': 'ticket 1' } });

/** Asserts the answer has the status and a body valid against the operation's declared schema. */
async function expectDeclared(res: Response, method: string, pattern: string, status: number, mediaType = 'application/json') {
  const text = await res.text();
  expect(res.status, `${method} ${pattern}: ${text.slice(0, 300)}`).toBe(status);
  expect(res.headers.get('content-type') ?? '', `${method} ${pattern}`).toContain(mediaType);
  const validate = v.at(v.response(method, pattern, status, mediaType));
  const body = JSON.parse(text) as unknown;
  expect(validate(body) ? [] : validate.errors, `${method} ${pattern} ${status}`).toEqual([]);
  return body;
}

describe('answers match the schemas the document declares', () => {
  it('a person: read, found, exported (the right of access has a schema of its own), their cadence', async () => {
    await h.app.request(`/v1/subjects/${subject}/preferences`, jsonRequest('PUT', { frequency: 'monthly', pausedUntil: '2026-04-01' }, auth));
    await h.app.request(`/v1/subjects/${subject}/requests`, jsonRequest('POST', { type: 'access' }, auth));
    await h.app.request(`/v1/subjects/${subject}/disclosures`, jsonRequest('POST', { recipient: 'Court', legalBasis: 'Order 1', data: 'e-mail' }, auth));
    const reserved = await h.app.request(
      '/v1/campaigns/c1/reservations',
      jsonRequest('POST', { emails: ['ivan.petrov@example.ru', 'nobody@example.ru'] }, auth),
    );
    await expectDeclared(reserved, 'POST', '/v1/campaigns/{campaignId}/reservations', 200);

    const profile = (await expectDeclared(await read(`/v1/subjects/${subject}`), 'GET', '/v1/subjects/{id}', 200)) as { preferences: { pausedUntil: string } };
    expect(profile.preferences.pausedUntil).toBe('2026-04-01');
    await expectDeclared(await read('/v1/subjects?email=ivan.petrov@example.ru'), 'GET', '/v1/subjects', 200);
    const exported = (await expectDeclared(await read(`/v1/subjects/${subject}/export`), 'GET', '/v1/subjects/{id}/export', 200)) as {
      consentEvents: unknown[];
      requests: unknown[];
      disclosures: unknown[];
    };
    expect(exported.consentEvents.length).toBeGreaterThan(0);
    expect(exported.requests.length).toBe(1);
    expect(exported.disclosures.length).toBe(1);
    await expectDeclared(await read(`/v1/subjects/${subject}/cadence`), 'GET', '/v1/subjects/{id}/cadence', 200);
  });

  it('requests (with an extension), the audit log and the feed in JSON and in NDJSON, line by line', async () => {
    const filed = (await (await h.app.request(`/v1/subjects/${subject}/requests`, jsonRequest('POST', { type: 'objection' }, auth))).json()) as { id: string };
    const extended = await h.app.request(`/v1/requests/${filed.id}/extend`, jsonRequest('POST', { reason: 'Archive search', businessDays: 3 }, auth));
    const request = (await expectDeclared(extended, 'POST', '/v1/requests/{id}/{action}', 200)) as { extensions: unknown[] };
    expect(request.extensions.length).toBe(1);
    await expectDeclared(await read('/v1/requests'), 'GET', '/v1/requests', 200);
    await expectDeclared(await read('/v1/audit'), 'GET', '/v1/audit', 200);

    await h.app.request('/v1/suppressions', jsonRequest('POST', { entries: [{ email: 'manual@example.ru' }] }, auth));
    await expectDeclared(await read('/v1/suppressions?format=json'), 'GET', '/v1/suppressions', 200);
    const res = await read('/v1/suppressions');
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.split('\n').slice(0, -1);
    expect(lines.length).toBe(1);
    const line = v.at(v.response('GET', '/v1/suppressions', 200, 'application/x-ndjson'));
    for (const l of lines) expect(line(JSON.parse(l)) ? [] : line.errors).toEqual([]);
    // The headers the document declares, and the 304 it promises for them.
    const etag = res.headers.get('etag')!;
    expect(res.headers.get('x-high-water-mark')).toMatch(/^\d+$/);
    const again = await h.app.request('/v1/suppressions', { headers: { authorization: auth, 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('the service endpoints: /healthz, /readyz, /metrics and the JWK set', async () => {
    await expectDeclared(await h.app.request('/healthz'), 'GET', '/healthz', 200);
    await expectDeclared(await h.app.request('/readyz'), 'GET', '/readyz', 200);
    const scraped = await h.app.request('/metrics', { headers: { authorization: await h.bearer('metrics:read') } });
    expect([scraped.status, scraped.headers.get('content-type')]).toEqual([200, 'text/plain; version=0.0.4; charset=utf-8']);
    await expectDeclared(
      await h.app.request('/metrics', { headers: { authorization: await h.bearer('leads:write') } }),
      'GET',
      '/metrics',
      403,
      'application/problem+json',
    );
    await expectDeclared(await h.app.request('/.well-known/jwks.json'), 'GET', '/.well-known/jwks.json', 200);
  });

  it('answers 400 problem+json without X-Purpose on each operation that declares it required', async () => {
    const required = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op.parameters?.some((p) => p.in === 'header' && p.name === 'x-purpose' && p.required))
        .map(([method]) => ({ method, path })),
    );
    expect(required.length).toBe(3);
    for (const { method, path } of required) {
      const url = path.replace('{id}', subject) + (path === '/v1/subjects' ? '?email=ivan.petrov@example.ru' : '');
      const res = await h.app.request(url, { method: method.toUpperCase(), headers: { authorization: auth } });
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
    }
  });
});
