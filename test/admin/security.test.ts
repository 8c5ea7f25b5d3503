import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../src/auth/keys.js';
import { changedTables, fingerprint } from '../fuzz/oracle.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { apiKey, fileRequestOk, registerPerson } from '../helpers/rights.js';
import { csrfOf, postForm, sessionCookie, signIn } from './helpers.js';

/**
 * The dashboard's defences, each tried by an attacker's request: forged, tampered, expired and
 * revoked sessions; keys without the scope; CSRF without, with a wrong or another session's
 * token, or from another site; a requests:manage session on admin-only pages and actions; open
 * redirects through `next`; and GETs that must change nothing.
 */

let h: Harness;
let leads: string;
let appealId: string;
let subjectId: string;

async function deadRow(): Promise<string> {
  const r = await h.db
    .insertInto('outbox')
    .values({
      kind: 'request-received',
      subject_id: subjectId,
      payload: JSON.stringify({ subjectId, requestId: appealId }),
      idempotency_key: `dead-${crypto.randomUUID()}`,
      status: 'dead',
      attempts: 10,
      available_at: h.clock.now(),
      created_at: h.clock.now(),
      last_error: 'SMTP 550 5.1.1 <someone@example.ru>: no such user',
      done_at: h.clock.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return String(r.id);
}
const outboxStatus = async (id: string) => (await h.db.selectFrom('outbox').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

beforeAll(async () => {
  h = await createHarness();
  leads = (await apiKey(h, 'leads:write', 'requests:manage')).auth;
  subjectId = await registerPerson(h, leads, 'appellant@example.ru');
  appealId = (await fileRequestOk(h, leads, subjectId, { type: 'appeal', body: 'Прошу пересмотреть решение.', receivedAt: '2026-02-01T09:00:00Z' })).id;
});
afterAll(async () => h?.close());

describe('sign-in', () => {
  it('issues an httpOnly, SameSite=Strict, Secure cookie on /admin that expires, for an admin key', async () => {
    const { auth } = await apiKey(h, 'admin');
    const res = await postForm(h, '/admin/login', { key: auth.slice(7) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin');
    const set = res.headers.getSetCookie().find((v) => v.startsWith('mp_admin='))!;
    expect(set).toMatch(/; HttpOnly/);
    expect(set).toMatch(/; SameSite=Strict/);
    expect(set).toMatch(/; Secure/);
    expect(set).toMatch(/; Path=\/admin(;|$)/);
    expect(set).toMatch(/; Max-Age=28800/);
    // The cookie holds no key material.
    expect(set).not.toContain(auth.slice(7));
  });

  it('refuses an unknown key and a key without admin or requests:manage, with no cookie', async () => {
    for (const key of [`mpk_00000000_${'A'.repeat(43)}`, 'nonsense', (await apiKey(h, 'leads:write', 'subjects:read')).auth.slice(7)]) {
      const res = await postForm(h, '/admin/login', { key });
      expect(res.status).toBe(401);
      expect(sessionCookie(res)).toBeNull();
    }
  });

  it('refuses a sign-in posted from another site', async () => {
    const { auth } = await apiKey(h, 'admin');
    const sites: Record<string, string>[] = [
      { origin: 'https://evil.example', 'sec-fetch-site': '' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site', origin: 'null' },
    ];
    for (const headers of sites) {
      const res = await postForm(h, '/admin/login', { key: auth.slice(7) }, headers);
      expect(res.status).toBe(403);
      expect(sessionCookie(res)).toBeNull();
    }
  });

  it('never redirects off the dashboard through next', async () => {
    const { auth } = await apiKey(h, 'admin');
    const attempts = [
      '//evil.example/admin',
      '/\\evil.example',
      'https://evil.example/admin',
      '/admin@evil.example',
      '/admin/../evil',
      '/admin/%2F%2Fevil.example',
      '/admin//evil.example',
      'javascript:alert(1)',
      '/admin\t/x',
      '',
    ];
    for (const next of attempts) {
      const res = await postForm(h, '/admin/login', { key: auth.slice(7), next });
      expect(res.status, next).toBe(303);
      const loc = res.headers.get('location')!;
      expect(loc, next).toMatch(/^\/admin(\/|$|\?)/);
      expect(new URL(loc, 'https://prefs.example.ru').origin, next).toBe('https://prefs.example.ru');
    }
    const ok = await postForm(h, '/admin/login', { key: auth.slice(7), next: '/admin/outbox?done=retried' });
    expect(ok.headers.get('location')).toBe('/admin/outbox?done=retried');
  });

  it('rate-limits sign-in attempts per client', async () => {
    const other = await createHarness({ handle: h.handle, clientIp: '203.0.113.9' });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await postForm(other, '/admin/login', { key: 'wrong' })).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });
});

describe('sessions', () => {
  it('sends a request without a session to the sign-in page, keeping where it was going', async () => {
    const res = await h.app.request('/admin/outbox');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Foutbox');
  });

  it('refuses a forged, tampered or foreign-key cookie', async () => {
    const s = await signIn(h, 'admin');
    const [payload, mac] = s.cookie.slice('mp_admin='.length).split('.');
    const decoded = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...decoded, e: Date.parse('2030-01-01') })).toString('base64url');
    const otherKeyHarness = await createHarness({ handle: h.handle, env: { ADMIN_SESSION_KEY: 'another-admin-session-key-0123456789abcdef' } });
    for (const cookie of [
      `mp_admin=${forged}.${mac}`,
      `mp_admin=${payload}.${mac!.slice(0, -2)}AA`,
      `mp_admin=${payload}`,
      'mp_admin=garbage',
      `mp_admin=${payload}.${mac}.x`,
    ]) {
      const res = await h.app.request('/admin', { headers: { cookie } });
      expect(res.status, cookie).toBe(303);
    }
    // A real cookie of this instance is refused by one with another session key.
    expect((await otherKeyHarness.app.request('/admin', { headers: { cookie: s.cookie } })).status).toBe(303);
    expect((await h.app.request('/admin', { headers: { cookie: s.cookie } })).status).toBe(200);
  });

  it('ends a session when it expires', async () => {
    const s = await signIn(h, 'requests:manage');
    h.clock.advance(8 * 3_600_000 - 1000);
    expect((await h.app.request('/admin', { headers: { cookie: s.cookie } })).status).toBe(200);
    h.clock.advance(2000);
    expect((await h.app.request('/admin', { headers: { cookie: s.cookie } })).status).toBe(303);
    h.clock.set('2026-03-02T09:00:00Z');
  });

  it('ends every session of a revoked key at once, and of a key that lost its scope', async () => {
    const s = await signIn(h, 'admin');
    const id = await deadRow();
    await revokeApiKey(h.db, s.keyId, h.clock.now());
    expect((await h.app.request('/admin', { headers: { cookie: s.cookie } })).status).toBe(303);
    const post = await postForm(h, `/admin/outbox/${id}/retry`, { csrf: s.csrf }, { cookie: s.cookie });
    expect(post.status).toBe(403);
    expect(await outboxStatus(id)).toBe('dead');

    const t = await signIn(h, 'requests:manage');
    await h.db
      .updateTable('api_keys')
      .set({ scopes: ['leads:write'] })
      .where('id', '=', t.keyId)
      .execute();
    expect((await h.app.request('/admin', { headers: { cookie: t.cookie } })).status).toBe(303);
  });

  it('signs out: the cookie is cleared', async () => {
    const s = await signIn(h, 'admin');
    const res = await postForm(h, '/admin/logout', { csrf: s.csrf }, { cookie: s.cookie });
    expect(res.status).toBe(303);
    const set = res.headers.getSetCookie().find((v) => v.startsWith('mp_admin='))!;
    expect(set).toMatch(/Max-Age=0/);
  });
});

describe('CSRF', () => {
  it('refuses a post without, with a wrong, or with another session’s token, or from another site, and changes nothing', async () => {
    const a = await signIn(h, 'admin');
    const b = await signIn(h, 'admin');
    const id = await deadRow();
    const tries: [Record<string, string>, Record<string, string>][] = [
      [{}, {}],
      [{ csrf: '' }, {}],
      [{ csrf: 'A'.repeat(43) }, {}],
      [{ csrf: b.csrf }, {}],
      [{ csrf: a.csrf }, { origin: 'https://evil.example', 'sec-fetch-site': '' }],
      [{ csrf: a.csrf }, { 'sec-fetch-site': 'cross-site' }],
      [{ csrf: a.csrf }, { origin: 'null', 'sec-fetch-site': '' }],
      [{ csrf: a.csrf }, { origin: 'https://prefs.example.ru', 'sec-fetch-site': 'same-site' }],
    ];
    for (const [fields, headers] of tries) {
      const before = await fingerprint(h.db);
      const res = await postForm(h, `/admin/outbox/${id}/retry`, fields, { cookie: a.cookie, ...headers });
      expect(res.status, JSON.stringify([fields, headers])).toBe(403);
      expect(changedTables(before, await fingerprint(h.db))).toEqual([]);
    }
    expect(await outboxStatus(id)).toBe('dead');
    const ok = await postForm(h, `/admin/outbox/${id}/retry`, { csrf: a.csrf }, { cookie: a.cookie, origin: 'https://prefs.example.ru' });
    expect(ok.status).toBe(303);
    expect(await outboxStatus(id)).toBe('pending');
  });

  it('refuses a request action without the token', async () => {
    const a = await signIn(h, 'requests:manage');
    const res = await postForm(h, `/admin/requests/${appealId}/start`, {}, { cookie: a.cookie });
    expect(res.status).toBe(403);
    const r = await h.db.selectFrom('requests').select('status').where('id', '=', appealId).executeTakeFirstOrThrow();
    expect(r.status).toBe('received');
  });
});

describe('scopes', () => {
  it('keeps a requests:manage session to the requests: admin pages and actions answer 403 and change nothing', async () => {
    const s = await signIn(h, 'requests:manage');
    expect((await h.app.request('/admin', { headers: { cookie: s.cookie } })).status).toBe(200);
    for (const path of ['/admin/charts', '/admin/cadence', '/admin/outbox', '/admin/mailbox', '/admin/keys']) {
      expect((await h.app.request(path, { headers: { cookie: s.cookie } })).status, path).toBe(403);
    }
    const id = await deadRow();
    const before = await fingerprint(h.db);
    const attempts = [
      [`/admin/outbox/${id}/retry`, {}],
      ['/admin/keys', { name: 'sneaky', 'scope:admin': 'on' }],
      [`/admin/keys/${s.keyId}/revoke`, {}],
    ] as const;
    for (const [path, fields] of attempts) {
      const res = await postForm(h, path, { csrf: s.csrf, ...fields }, { cookie: s.cookie });
      expect(res.status, path).toBe(403);
    }
    expect(changedTables(before, await fingerprint(h.db))).toEqual([]);
    // The nav offers only what the key may open.
    const page = await (await h.app.request('/admin', { headers: { cookie: s.cookie } })).text();
    expect(page).not.toContain('href="/admin/keys"');
  });
});

describe('GET changes nothing', () => {
  it('every dashboard page, and a request without a stated purpose, leaves the database as it was', async () => {
    const s = await signIn(h, 'admin');
    await deadRow();
    const before = await fingerprint(h.db);
    for (const path of [
      '/admin',
      '/admin/login',
      '/admin/charts',
      '/admin/charts?days=365',
      '/admin/cadence',
      '/admin/outbox',
      '/admin/mailbox',
      '/admin/keys',
      `/admin/requests/${appealId}`,
      '/admin/requests/not-a-uuid',
      '/admin/mailbox/..%2F..%2Fetc%2Fpasswd',
    ]) {
      const res = await h.app.request(path, { headers: { cookie: s.cookie } });
      expect(res.status, path).toBeLessThan(500);
    }
    expect(changedTables(before, await fingerprint(h.db))).toEqual([]);
  });

  it('reading a request’s text writes exactly one audit row with the purpose, and shows the text', async () => {
    const s = await signIn(h, 'requests:manage');
    const page = await (await h.app.request(`/admin/requests/${appealId}`, { headers: { cookie: s.cookie } })).text();
    expect(page).not.toContain('Прошу пересмотреть решение.');
    const before = await fingerprint(h.db);
    const res = await h.app.request(`/admin/requests/${appealId}?purpose=${encodeURIComponent('ticket 77')}`, { headers: { cookie: s.cookie } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Прошу пересмотреть решение.');
    expect(changedTables(before, await fingerprint(h.db))).toEqual(['audit_log']);
    const rows = await h.db.selectFrom('audit_log').selectAll().where('key_id', '=', s.keyId).where('action', 'like', 'request.read%').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ subject_id: subjectId, purpose: 'ticket 77', action: `request.read:${appealId}` });
  });
});

describe('request actions', () => {
  it('start, then reject without a reason (422, unchanged), then extend with a reason, through the existing actions', async () => {
    const s = await signIn(h, 'requests:manage');
    const id = (await fileRequestOk(h, leads, subjectId, { type: 'access' })).id;
    const start = await postForm(h, `/admin/requests/${id}/start`, { csrf: s.csrf }, { cookie: s.cookie });
    expect(start.status).toBe(303);
    expect(start.headers.get('location')).toBe(`/admin/requests/${id}?done=start`);
    const reject = await postForm(h, `/admin/requests/${id}/reject`, { csrf: s.csrf, reason: '  ' }, { cookie: s.cookie });
    expect(reject.status).toBe(422);
    const extend = await postForm(
      h,
      `/admin/requests/${id}/extend`,
      { csrf: s.csrf, reason: 'Нужна выписка из архива', businessDays: '5' },
      { cookie: s.cookie },
    );
    expect(extend.status).toBe(303);
    const r = await h.db.selectFrom('requests').select(['status', 'extensions']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(r.status).toBe('in_progress');
    expect(r.extensions).toHaveLength(1);
    const again = await postForm(h, `/admin/requests/${id}/extend`, { csrf: s.csrf, reason: 'ещё раз' }, { cookie: s.cookie });
    expect(again.status).toBe(409);
  });

  it('shows open requests most urgent first, the overdue one marked in words and with a symbol', async () => {
    const s = await signIn(h, 'requests:manage');
    const text = await (await h.app.request('/admin?lang=en', { headers: { cookie: s.cookie } })).text();
    const first = text.indexOf('data-request="');
    expect(text.slice(first + 14, first + 50)).toBe(appealId);
    expect(text).toMatch(/⚠[^<]*<\/span>Overdue by \d+ d/);
  });
});

describe('API keys', () => {
  it('creates a key shown once, which then works and shows its last use; revokes it', async () => {
    const s = await signIn(h, 'admin');
    const res = await postForm(h, '/admin/keys', { csrf: s.csrf, name: 'site form', 'scope:leads:write': 'on' }, { cookie: s.cookie });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const key = /id="new-key">([^<]+)</.exec(await res.text())![1]!;
    const row = await h.db.selectFrom('api_keys').selectAll().where('name', '=', 'site form').executeTakeFirstOrThrow();
    expect(row.scopes).toEqual(['leads:write']);
    expect(row.last_used_at).toBeNull();
    const list = await (await h.app.request('/admin/keys', { headers: { cookie: s.cookie } })).text();
    expect(list).not.toContain(key);
    expect((await h.app.request('/v1/topics', { headers: { authorization: `Bearer ${key}` } })).status).toBeLessThan(500);
    const revoke = await postForm(h, `/admin/keys/${row.id}/revoke`, { csrf: s.csrf }, { cookie: s.cookie });
    expect(revoke.status).toBe(303);
    expect((await h.db.selectFrom('api_keys').select('revoked_at').where('id', '=', row.id).executeTakeFirstOrThrow()).revoked_at).not.toBeNull();
  });

  it('the bearer check writes last use at most once a minute per key, and only for an answered call', async () => {
    const { id, auth } = await apiKey(h, 'subjects:read');
    const lastUsed = async () => (await h.db.selectFrom('api_keys').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow()).last_used_at;
    // Refused (no X-Purpose): not a use.
    expect((await h.app.request(`/v1/subjects/${subjectId}`, { headers: { authorization: auth } })).status).toBe(400);
    expect(await lastUsed()).toBeNull();
    const read = () => h.app.request(`/v1/subjects/${subjectId}`, { headers: { authorization: auth, 'x-purpose': 'test' } });
    expect((await read()).status).toBe(200);
    const first = await lastUsed();
    expect(first).toEqual(h.clock.now());
    h.clock.advance(30_000);
    await read();
    expect(await lastUsed()).toEqual(first);
    h.clock.advance(31_000);
    await read();
    expect(await lastUsed()).toEqual(h.clock.now());
    h.clock.set('2026-03-02T09:00:00Z');
  });

  it('a dashboard sign-in records the key’s use', async () => {
    const s = await signIn(h, 'requests:manage');
    const row = await h.db.selectFrom('api_keys').select('last_used_at').where('id', '=', s.keyId).executeTakeFirstOrThrow();
    expect(row.last_used_at).toEqual(h.clock.now());
  });
});

it('a page carries the CSRF token of its own session only', async () => {
  const a = await signIn(h, 'admin');
  const b = await signIn(h, 'admin');
  expect(a.csrf).not.toBe(b.csrf);
  expect(await csrfOf(h, a.cookie, '/admin/keys')).toBe(a.csrf);
});
