import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';
import { snapshotDb } from '../helpers/pages.js';

let h: Harness;
let admin: string;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.bearer('admin');
});
afterAll(() => h.close());

const webinars = {
  name: { ru: 'Вебинары', en: 'Webinars' },
  description: { ru: 'Приглашения на вебинары', en: 'Invitations to webinars' },
};

describe('PUT /v1/topics/{key}', () => {
  it('creates a topic (201), replaces it (200), and GET /v1/topics lists it in key order', async () => {
    const created = await h.app.request('/v1/topics/webinars', jsonRequest('PUT', webinars, admin));
    expect(created.status).toBe(201);
    const body = (await created.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      key: 'webinars',
      name: webinars.name,
      description: webinars.description,
      defaultSubscribed: true,
      countsTowardCap: true,
      removedAt: null,
    });

    const updated = await h.app.request('/v1/topics/webinars', jsonRequest('PUT', { ...webinars, defaultSubscribed: false, countsTowardCap: false }, admin));
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ key: 'webinars', defaultSubscribed: false, countsTowardCap: false });
    await h.app.request('/v1/topics/digest', jsonRequest('PUT', { name: { ru: 'Дайджест', en: 'Digest' } }, admin));

    const list = await h.app.request('/v1/topics', { headers: { authorization: await h.bearer('links:write') } });
    expect(list.status).toBe(200);
    const { topics } = (await list.json()) as { topics: { key: string; description: unknown }[] };
    expect(topics.map((t) => t.key)).toEqual(['digest', 'webinars']);
    expect(topics[0]!.description).toEqual({ ru: '', en: '' });
  });

  it('is the admin scope only: a links:write key may read topics but not define them, and nothing is written', async () => {
    const before = await snapshotDb(h);
    const res = await h.app.request('/v1/topics/news', jsonRequest('PUT', webinars, await h.bearer('links:write')));
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const read = await h.app.request('/v1/topics', { headers: { authorization: await h.bearer('suppressions:read') } });
    expect(read.status).toBe(403);
    // The two keys made above are the only change.
    const after = await snapshotDb(h);
    expect(after.topics).toEqual(before.topics);
  });

  it('refuses a bad key or body with one 422 problem naming the field, writing nothing', async () => {
    const before = await snapshotDb(h);
    for (const [key, body, path] of [
      ['Webinars', webinars, 'key'],
      ['-x', webinars, 'key'],
      ['a'.repeat(64), webinars, 'key'],
      ['news', { name: { ru: '', en: 'News' } }, 'name.ru'],
      ['news', { name: { ru: 'Новости' } }, 'name.en'],
      ['news', { ...webinars, defaultSubscribed: 'yes' }, 'defaultSubscribed'],
      ['news', { ...webinars, extra: 1 }, ''],
    ] as const) {
      const res = await h.app.request(`/v1/topics/${encodeURIComponent(key)}`, jsonRequest('PUT', body, admin));
      expect(res.status, `${key} ${JSON.stringify(body)}`).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { errors?: { path: string }[] };
      if (path) expect(problem.errors?.map((e) => e.path)).toContain(path);
    }
    const after = await snapshotDb(h);
    expect(after.topics).toEqual(before.topics);
    expect(after.audit_log).toEqual(before.audit_log);
  });

  it('leaves an audit row naming the key and the operation', async () => {
    await h.app.request('/v1/topics/events', {
      ...jsonRequest('PUT', webinars, admin),
      headers: { 'content-type': 'application/json', authorization: admin, 'x-purpose': 'ticket 7' },
    });
    const rows = await h.db.selectFrom('audit_log').selectAll().where('action', '=', 'PUT /v1/topics/{key}').execute();
    expect(rows.some((r) => r.purpose === 'ticket 7')).toBe(true);
  });
});

describe('DELETE /v1/topics/{key}', () => {
  it('removes a topic softly: GET hides it unless includeRemoved, a second removal answers the same, PUT brings it back', async () => {
    await h.app.request('/v1/topics/promo', jsonRequest('PUT', { name: { ru: 'Акции', en: 'Promotions' } }, admin));
    const removed = await h.app.request('/v1/topics/promo', { method: 'DELETE', headers: { authorization: admin } });
    expect(removed.status).toBe(200);
    const r1 = (await removed.json()) as { removedAt: string | null };
    expect(r1.removedAt).toBe(h.clock.now().toISOString());
    const again = await h.app.request('/v1/topics/promo', { method: 'DELETE', headers: { authorization: admin } });
    expect(again.status).toBe(200);

    const list = async (q = '') =>
      ((await (await h.app.request(`/v1/topics${q}`, { headers: { authorization: admin } })).json()) as { topics: { key: string }[] }).topics.map((t) => t.key);
    expect(await list()).not.toContain('promo');
    expect(await list('?includeRemoved=true')).toContain('promo');

    const back = await h.app.request('/v1/topics/promo', jsonRequest('PUT', { name: { ru: 'Акции', en: 'Promotions' } }, admin));
    expect(back.status).toBe(200);
    expect(((await back.json()) as { removedAt: unknown }).removedAt).toBeNull();
    expect(await list()).toContain('promo');
  });

  it('answers 404 problem+json for a key never defined, writing nothing', async () => {
    const before = await snapshotDb(h);
    const res = await h.app.request('/v1/topics/never-was', { method: 'DELETE', headers: { authorization: admin } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await snapshotDb(h)).toEqual(before);
  });
});
