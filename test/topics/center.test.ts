import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedHash } from '../helpers/feed.js';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';
import { createConfirmedSubject, eventsOf, formsOf, readFeedJson, snapshotDb, submitForm } from '../helpers/pages.js';

let h: Harness;
let admin: string;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.bearer('admin');
  const put = (key: string, body: Record<string, unknown>) => h.app.request(`/v1/topics/${key}`, jsonRequest('PUT', body, admin));
  await put('webinars', { name: { ru: 'Вебинары', en: 'Webinars' }, description: { ru: 'Приглашения на вебинары', en: 'Invitations to our webinars' } });
  await put('digest', { name: { ru: 'Дайджест', en: 'Digest' }, description: { ru: 'Раз в месяц', en: 'Once a month' }, defaultSubscribed: false });
  await put('retired', { name: { ru: 'Архив', en: 'Archive' } });
  await h.app.request('/v1/topics/retired', { method: 'DELETE', headers: { authorization: admin } });
});
afterAll(() => h.close());

const centerToken = (id: string) => h.deps.signer.sign({ sub: id, p: 'p', cmp: 'center-campaign', ttlSeconds: 30 * 86400 });
/** The topics form as a browser posts it: formsOf() takes every input, a browser no unticked box. */
function topicForm(html: string) {
  const form = formsOf(html).find((f) => f.action.includes('/topics'))!;
  for (const name of Object.keys(form.fields)) {
    if (name.startsWith('topic-') && !new RegExp(`name="${name}" value="1" checked`).test(html)) delete form.fields[name];
  }
  return form;
}
const topicEvents = async (id: string) => (await eventsOf(h, id)).filter((e) => e.action.startsWith('topic_'));

describe('the preference center lists the topics', () => {
  it('as checkboxes with their descriptions, ticked as the person receives them, no script, removed topics left out; GET writes nothing', async () => {
    const id = await createConfirmedSubject(h, 'center-list@example.ru');
    const token = await centerToken(id);
    const before = await snapshotDb(h);
    const res = await h.app.request(`/p/${token}?lang=en`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('Invitations to our webinars');
    expect(html).toContain('Once a month');
    expect(html).not.toContain('Archive');
    expect(html).toMatch(/<input type="checkbox" id="topic-webinars" name="topic-webinars" value="1" checked=""/);
    expect(html).toMatch(/<input type="checkbox" id="topic-digest" name="topic-digest" value="1"(?! checked)/);
    const form = topicForm(html);
    expect(form.method).toBe('post');
    expect(form.action).toBe(`/p/${token}/topics?lang=en`);
    // "Unsubscribe from everything" stays one form with one button.
    const all = formsOf(html).filter((f) => f.action.includes('/unsubscribe'));
    expect(all).toHaveLength(1);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('saves each changed box as one ledger event of the person through their link; saving the same again writes nothing', async () => {
    const id = await createConfirmedSubject(h, 'center-save@example.ru');
    const token = await centerToken(id);
    // Untick webinars, tick digest: two changes, two events.
    const res = await h.app.request(`/p/${token}/topics?lang=en`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Center browser' },
      body: 'shown-webinars=1&shown-digest=1&topic-digest=1',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Your choice is saved');
    const events = await topicEvents(id);
    expect(events.map((e) => [e.action, e.details])).toEqual([
      ['topic_subscribed', { topic: 'digest' }],
      ['topic_unsubscribed', { topic: 'webinars' }],
    ]);
    for (const e of events) {
      expect(e).toMatchObject({
        actor_type: 'subject',
        source: 'preference-center',
        user_agent: 'Center browser',
        ip: '198.51.100.7',
        campaign_id: 'center-campaign',
        purpose: 'marketing',
      });
    }
    const page = await (await h.app.request(`/p/${token}?lang=en`)).text();
    expect(page).toMatch(/id="topic-webinars" name="topic-webinars" value="1"(?! checked)/);
    expect(page).toMatch(/id="topic-digest" name="topic-digest" value="1" checked=""/);

    const before = await snapshotDb(h);
    const again = await submitForm(h, topicForm(page));
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('Your choice has not changed');
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('lets a person who left a topic by its link come back to it from the center: their own act, the feed lifts the topic record', async () => {
    const id = await createConfirmedSubject(h, 'center-back@example.ru');
    const u = await h.deps.signer.sign({ sub: id, p: 'u', t: 'webinars' });
    await h.app.request(`/u/${u}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    const token = await centerToken(id);
    const page = await (await h.app.request(`/p/${token}?lang=en`)).text();
    const form = topicForm(page);
    expect(form.fields['topic-webinars']).toBeUndefined();
    const res = await submitForm(h, { ...form, fields: { ...form.fields, 'topic-webinars': '1' } });
    expect(res.status).toBe(200);
    expect((await topicEvents(id)).map((e) => [e.action, e.actor_type, e.source])).toEqual([
      ['topic_unsubscribed', 'subject', 'one-click'],
      ['topic_subscribed', 'subject', 'preference-center'],
    ]);
    const feed = await readFeedJson(h);
    const mine = feed.records.filter((r) => (r as { topic?: string }).topic === 'webinars' && r.hash === expectedHash('center-back@example.ru'));
    expect(mine).toHaveLength(1);
    expect(mine.at(-1)).toMatchObject({ active: false });
    const reserve = await h.app.request(
      '/v1/campaigns/back-again/reservations',
      jsonRequest('POST', { subjects: [id], topic: 'webinars' }, await h.bearer('sends:write')),
    );
    expect(((await reserve.json()) as { allowed: string[] }).allowed).toEqual([id]);
  });

  it("puts the person's topic choices, and the topic of each topic event, in their export (right of access)", async () => {
    const id = await createConfirmedSubject(h, 'center-export@example.ru');
    const token = await centerToken(id);
    await h.app.request(`/p/${token}/topics`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'shown-webinars=1' });
    const data = (await (await h.app.request(`/p/${token}/export`)).json()) as {
      topics: { topic: string; subscribed: boolean; since: string }[];
      consentEvents: { action: string; topic?: string }[];
    };
    expect(data.topics).toEqual([{ topic: 'webinars', subscribed: false, since: h.clock.now().toISOString() }]);
    expect(data.consentEvents.filter((e) => e.action === 'topic_unsubscribed')).toMatchObject([{ topic: 'webinars' }]);
    expect(data.consentEvents.find((e) => e.action === 'granted')).not.toHaveProperty('topic');
  });

  it('refuses garbage with a page and writes nothing: no topics named, an unknown or removed key, a box of a topic not shown, a link of another purpose', async () => {
    const id = await createConfirmedSubject(h, 'center-garbage@example.ru');
    const token = await centerToken(id);
    const before = await snapshotDb(h);
    const post = (body: string, tok = token) =>
      h.app.request(`/p/${tok}/topics?lang=en`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect((await post('')).status).toBe(400);
    expect((await post('topic-webinars=1')).status).toBe(400);
    for (const body of [
      'shown-never-was=1',
      'shown-retired=1',
      'shown-Bad%20Key=1&shown-webinars=1&topic-webinars=1',
      'shown-webinars=1&topic-webinars=1&topic-digest=1',
    ]) {
      const res = await post(body);
      expect(res.status, body).toBe(200);
    }
    expect((await post('shown-webinars=1', await h.deps.signer.sign({ sub: id, p: 'u' }))).status).toBeGreaterThanOrEqual(400);
    const multipart = new FormData();
    multipart.append('shown-webinars', new Blob(['x']), 'file.txt');
    expect((await h.app.request(`/p/${token}/topics`, { method: 'POST', body: multipart })).status).toBe(400);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('refuses a change after consent to processing was withdrawn (409), writing nothing', async () => {
    const id = await createConfirmedSubject(h, 'center-withdrawn@example.ru');
    const token = await centerToken(id);
    const w = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: 86400 });
    const wr = await h.app.request(`/w/${w}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=1' });
    expect(wr.status).toBe(200);
    const before = await snapshotDb(h);
    const res = await h.app.request(`/p/${token}/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'shown-webinars=1',
    });
    expect(res.status).toBe(409);
    expect(await snapshotDb(h)).toEqual(before);
  });
});
