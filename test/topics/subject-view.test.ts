// A person's standing on each topic, as staff read it (GET /v1/subjects/{id}).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unsubscribeFromTopic } from '../../src/topics/actions.js';
import { createHarness, type Harness, jsonRequest, registerLead } from '../helpers/harness.js';
import { personEvidenceAt } from '../helpers/topics.js';

let h: Harness;
let reader: string;

beforeAll(async () => {
  h = await createHarness({ env: { DOUBLE_OPT_IN: 'false' } });
  const admin = await h.bearer('admin');
  reader = await h.bearer('subjects:read');
  const put = (key: string, body: Record<string, unknown>) => h.app.request(`/v1/topics/${key}`, jsonRequest('PUT', body, admin));
  expect((await put('webinars', { name: { ru: 'Вебинары', en: 'Webinars' } })).status).toBe(201);
  expect((await put('digest', { name: { ru: 'Дайджест', en: 'Digest' }, defaultSubscribed: false })).status).toBe(201);
  expect((await put('retired', { name: { ru: 'Старое', en: 'Old' } })).status).toBe(201);
  await h.app.request('/v1/topics/retired', { method: 'DELETE', headers: { authorization: admin } });
});
afterAll(() => h?.close());

const read = async (id: string) => {
  const res = await h.app.request(`/v1/subjects/${id}`, { headers: { authorization: reader, 'x-purpose': 'support ticket 5' } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { topics: unknown[] }).topics;
};

describe('GET /v1/subjects/{id}: topics', () => {
  it('shows every live topic with the default for a person who never chose, and their own choice once they made one', async () => {
    const { id } = await registerLead(h, 'topics-view@example.ru');
    expect(await read(id)).toEqual([
      { topic: 'digest', subscribed: false, chosen: false, since: null },
      { topic: 'webinars', subscribed: true, chosen: false, since: null },
    ]);
    h.clock.advance(60_000);
    expect((await unsubscribeFromTopic(h.db, id, 'webinars', personEvidenceAt(h))).kind).toBe('unsubscribed');
    expect(await read(id)).toEqual([
      { topic: 'digest', subscribed: false, chosen: false, since: null },
      { topic: 'webinars', subscribed: false, chosen: true, since: h.clock.now().toISOString() },
    ]);
  });
});
