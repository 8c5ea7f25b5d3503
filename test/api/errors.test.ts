import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, jsonRequest, lead } from '../helpers/harness.js';

let h: Harness;
let auth: string;
beforeAll(async () => {
  h = await createHarness();
  auth = await h.bearer('leads:write');
});
afterAll(() => h?.close());

async function countSubjects(): Promise<number> {
  const r = await h.db
    .selectFrom('subjects')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: { path: string; message: string }[];
}

/** Asserts an RFC 9457 problem with the given status (and code), and returns it. */
async function expectProblem(res: Response, status: number, code?: string): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
  const p = (await res.json()) as Problem;
  expect(p).toMatchObject({ type: expect.any(String), title: expect.any(String), status, code: expect.any(String) });
  expect(p.type.length).toBeGreaterThan(0);
  expect(p.title.length).toBeGreaterThan(0);
  if (code) expect(p.code).toBe(code);
  return p;
}

const postSubjects = (init: RequestInit) => h.app.request('/v1/subjects', init);

describe('POST /v1/subjects refuses bad requests with problem+json and writes nothing', () => {
  it('answers 400 to malformed JSON', async () => {
    const before = await countSubjects();
    for (const body of ['{"email": ', '{email: "a@example.ru"}', '']) {
      const p = await expectProblem(await postSubjects(jsonRequest('POST', body, auth)), 400);
      expect(p.code).toBe('bad_request');
    }
    expect(await countSubjects()).toBe(before);
  });

  it('answers 415 to a text/plain body, and to a body without a content type', async () => {
    const before = await countSubjects();
    const body = JSON.stringify(lead('plain@example.ru'));
    await expectProblem(
      await postSubjects({ method: 'POST', headers: { 'content-type': 'text/plain', authorization: auth }, body }),
      415,
      'unsupported_media_type',
    );
    await expectProblem(
      await postSubjects({ method: 'POST', headers: { authorization: auth }, body: new TextEncoder().encode(body) }),
      415,
      'unsupported_media_type',
    );
    expect(await countSubjects()).toBe(before);
  });

  it('accepts application/json with a charset parameter', async () => {
    const res = await postSubjects({
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: auth },
      body: JSON.stringify(lead('charset@example.ru')),
    });
    expect(res.status).toBe(201);
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const before = await countSubjects();
    const body = JSON.stringify(lead('big@example.ru', { userAgent: 'x'.repeat(1024 * 1024) }));
    expect(body.length).toBeGreaterThan(1024 * 1024);
    await expectProblem(await postSubjects(jsonRequest('POST', body, auth)), 413, 'payload_too_large');
    expect(await countSubjects()).toBe(before);
  });

  it('answers 422 naming the path of an unknown top-level field (a typo of consents)', async () => {
    const before = await countSubjects();
    const { consents, ...rest } = lead('typo@example.ru');
    const p = await expectProblem(await postSubjects(jsonRequest('POST', { ...rest, consent: consents }, auth)), 422, 'validation_failed');
    const paths = p.errors!.map((e) => e.path);
    expect(paths).toContain('consent');
    expect(paths).toContain('consents');
    expect(await countSubjects()).toBe(before);
  });

  it('answers 422 naming the path of an unknown nested field', async () => {
    const p = await expectProblem(
      await postSubjects(jsonRequest('POST', lead('nested@example.ru', { consents: { processing: true, marketing: false, newsletter: true } }), auth)),
      422,
      'validation_failed',
    );
    expect(p.errors!.map((e) => e.path)).toContain('consents.newsletter');
  });

  it('answers 422 listing every field of the wrong type', async () => {
    const before = await countSubjects();
    const p = await expectProblem(
      await postSubjects(jsonRequest('POST', { email: 5, consents: { processing: 'yes', marketing: null }, policyVersion: 3, locale: 'de' }, auth)),
      422,
      'validation_failed',
    );
    expect(p.errors!.map((e) => e.path).sort()).toEqual(['consents.marketing', 'consents.processing', 'email', 'locale', 'policyVersion']);
    for (const e of p.errors!) expect(e.message.length).toBeGreaterThan(0);
    await expectProblem(await postSubjects(jsonRequest('POST', '[]', auth)), 422, 'validation_failed');
    await expectProblem(await postSubjects(jsonRequest('POST', 'null', auth)), 422, 'validation_failed');
    expect(await countSubjects()).toBe(before);
  });

  const longLocal = 'a'.repeat(64);
  const invalidEmails: [string, string][] = [
    ['a@b', 'a single-label domain'],
    ['no-at', 'no @'],
    ['x@-bad-.ru', 'a label starting and ending with a hyphen'],
    ['x@127.0.0.1', 'an IP address as domain'],
    ['a b@c.ru', 'a space in the local part'],
    [`${longLocal}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.ru`, 'over 254 characters'],
    [`${'a'.repeat(310)}@example.ru`, 'over 320 characters'],
  ];
  it.each(invalidEmails.map(([email, why]) => ({ email, why })))(
    'answers 422 at path email for an address with $why, without echoing it',
    async ({ email }) => {
      const before = await countSubjects();
      const p = await expectProblem(await postSubjects(jsonRequest('POST', lead(email), auth)), 422, 'validation_failed');
      expect(p.errors!.map((e) => e.path)).toEqual(['email']);
      expect(JSON.stringify(p)).not.toContain(email);
      expect(await countSubjects()).toBe(before);
    },
  );
});

describe('unknown API paths', () => {
  it('answer 404 problem+json', async () => {
    await expectProblem(await h.app.request('/v1/nothing-here', { headers: { authorization: auth } }), 404, 'not_found');
    await expectProblem(await h.app.request('/v1/subjects/x/y/z', { headers: { authorization: auth } }), 404, 'not_found');
    await expectProblem(await h.app.request('/v1/subjects', { method: 'DELETE', headers: { authorization: auth } }), 404, 'not_found');
  });
});

describe('Authorization header', () => {
  const wellFormedUnknown = `mpk_AAAAAAAA_${'B'.repeat(43)}`;
  const variants = (valid: string): [string, Record<string, string>][] => [
    ['no header', {}],
    ['Basic credentials', { authorization: 'Basic x' }],
    ['Bearer without a token', { authorization: 'Bearer' }],
    ['a token not in the key format', { authorization: 'Bearer not-a-key' }],
    ['a key cut short', { authorization: `Bearer ${valid.slice(0, -1)}` }],
    ['a well-formed key nobody was given', { authorization: `Bearer ${wellFormedUnknown}` }],
    ['the key without the Bearer scheme', { authorization: valid }],
    ['the key under another scheme', { authorization: `Token ${valid}` }],
    ['two tokens', { authorization: `Bearer ${valid} ${valid}` }],
  ];

  it('answers 401 problem+json to each malformed, unknown or missing credential, writing nothing', async () => {
    const valid = auth.slice('Bearer '.length);
    const before = await countSubjects();
    for (const [name, headers] of variants(valid)) {
      const res = await postSubjects({
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(lead('authz@example.ru')),
      });
      expect(res.status, name).toBe(401);
      await expectProblem(res, 401, 'unauthorized');
    }
    expect(await countSubjects()).toBe(before);
  });

  it('accepts the Bearer scheme name in any case', async () => {
    const res = await postSubjects(jsonRequest('POST', lead('case@example.ru'), auth.replace(/^Bearer/, 'bearer')));
    expect(res.status).toBe(201);
  });

  it('challenges with WWW-Authenticate: Bearer on 401', async () => {
    const res = await postSubjects(jsonRequest('POST', lead('challenge@example.ru')));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/i);
  });

  it('answers 403 problem+json to a valid key without the scope', async () => {
    const other = await h.bearer('suppressions:read');
    const before = await countSubjects();
    await expectProblem(await postSubjects(jsonRequest('POST', lead('scope@example.ru'), other)), 403, 'forbidden');
    expect(await countSubjects()).toBe(before);
  });
});

describe('text PostgreSQL cannot store', () => {
  it('answers 422, not 500, for a NUL character in a field, and writes nothing', async () => {
    const before = await countSubjects();
    const res = await postSubjects(jsonRequest('POST', lead('nul@example.ru', { city: 'Ка\u0000зань' }), auth));
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await countSubjects()).toBe(before);
  });
});
