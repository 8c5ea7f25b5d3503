import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/keys.js';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';
import { createConfirmedSubject } from '../helpers/pages.js';

/**
 * HTTP Basic (the API key as the password) exists for webhook senders that can only put
 * credentials in a URL: it is accepted on the webhook route and nowhere else. API answers carry
 * personal data: none may be stored by a cache. Pages refuse to be framed, old browsers included.
 */

let h: Harness;
let adminKey: string;
beforeAll(async () => {
  h = await createHarness();
  adminKey = (await createApiKey(h.db, { name: 'admin', scopes: ['admin'] }, h.clock.now())).key;
});
afterAll(() => h.close());

const basic = (password: string) => `Basic ${Buffer.from(`anyone:${password}`, 'utf8').toString('base64')}`;

describe('HTTP Basic', () => {
  it('is refused with 401 problem on every /v1 route but the mail-sender webhook, even with an admin key', async () => {
    const id = await createConfirmedSubject(h, 'basic-victim@example.ru');
    const calls: [string, RequestInit][] = [
      ['/v1/suppressions?format=json', {}],
      [`/v1/subjects/${id}`, { headers: { 'x-purpose': 'support' } }],
      [`/v1/subjects/${id}/export`, { headers: { 'x-purpose': 'support' } }],
      ['/v1/audit', {}],
      ['/v1/links', jsonRequest('POST', { subjects: [id], campaignId: 'c1' })],
      ['/v1/suppressions', jsonRequest('POST', { emails: ['x@example.ru'] })],
      ['/v1/events/mail-sender', {}], // a GET on the webhook path is not the webhook
    ];
    for (const [path, init] of calls) {
      const headers = new Headers(init.headers);
      headers.set('authorization', basic(adminKey));
      const res = await h.app.request(path, { ...init, headers });
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type'), path).toBe('application/problem+json');
      const body = (await res.json()) as { detail: string };
      expect(body.detail, path).toContain('Bearer');
    }
    // The same key as a bearer works: it is Basic that is refused, not the key.
    const ok = await h.app.request('/v1/suppressions?format=json', { headers: { authorization: `Bearer ${adminKey}` } });
    expect(ok.status).toBe(200);
  });

  it('is accepted on POST /v1/events/mail-sender', async () => {
    const res = await h.app.request(
      '/v1/events/mail-sender',
      jsonRequest('POST', { events: [{ type: 'hard_bounce', email: 'basic-bounce@example.ru', at: '2026-03-01T10:00:00Z', id: 'basic-1' }] }, basic(adminKey)),
    );
    expect(res.status).toBe(200);
  });
});

describe('Cache-Control on /v1', () => {
  it('is no-store on answers with personal data, errors included', async () => {
    const id = await createConfirmedSubject(h, 'cache@example.ru');
    const auth = { authorization: `Bearer ${adminKey}` };
    const answers = [
      await h.app.request(`/v1/subjects/${id}`, { headers: { ...auth, 'x-purpose': 'support' } }),
      await h.app.request(`/v1/subjects/${id}/export`, { headers: { ...auth, 'x-purpose': 'support' } }),
      await h.app.request('/v1/subjects?email=cache@example.ru', { headers: { ...auth, 'x-purpose': 'support' } }),
      await h.app.request('/v1/links', jsonRequest('POST', { subjects: [id], campaignId: 'c1' }, `Bearer ${adminKey}`)),
      await h.app.request('/v1/audit', { headers: auth }),
      await h.app.request('/v1/subjects/00000000-0000-4000-8000-000000000000', { headers: { ...auth, 'x-purpose': 'support' } }),
      await h.app.request('/v1/nothing-here', { headers: auth }),
      await h.app.request('/v1/audit'),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 404, 404, 401]);
    for (const r of answers) expect(r.headers.get('cache-control'), r.url).toBe('no-store');
  });

  it('the suppression feed keeps private, no-cache: a client revalidates with If-None-Match, no shared cache stores it', async () => {
    const res = await h.app.request('/v1/suppressions?format=json', { headers: { authorization: `Bearer ${adminKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
  });
});

describe('X-Frame-Options on pages', () => {
  it('is DENY on every page, beside CSP frame-ancestors', async () => {
    const id = await createConfirmedSubject(h, 'frame@example.ru');
    const u = await h.deps.signer.sign({ sub: id, p: 'u' });
    const p = await h.deps.signer.sign({ sub: id, p: 'p' });
    const w = await h.deps.signer.sign({ sub: id, p: 'w' });
    const c = await h.deps.signer.sign({ sub: id, p: 'c' });
    const pages = await Promise.all(
      [`/u/${u}`, `/p/${p}`, `/w/${w}`, `/c/${c}`, `/p/${p}/export`, '/u/not-a-token', '/privacy', '/', '/no-such-page'].map((path) => h.app.request(path)),
    );
    expect(pages.map((r) => r.status)).toEqual([200, 200, 200, expect.any(Number), 200, expect.any(Number), 200, 200, 404]);
    for (const r of pages) {
      expect(r.headers.get('x-frame-options'), r.url).toBe('DENY');
      expect(r.headers.get('cache-control'), r.url).toBe('no-store');
    }
  });
});
