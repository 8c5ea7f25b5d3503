import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeToTopic } from '../../src/topics/actions.js';
import { campaignCall, HOUR, reserveOk, sendRows } from '../helpers/cadence.js';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';
import { createConfirmedSubject, snapshotDb } from '../helpers/pages.js';
import { personEvidenceAt } from '../helpers/topics.js';

let h: Harness;
let admin: string;
let sends: string;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.bearer('admin');
  sends = await h.bearer('sends:write', 'subjects:read');
  const put = (key: string, body: Record<string, unknown> = {}) =>
    h.app.request(`/v1/topics/${key}`, jsonRequest('PUT', { name: { ru: key, en: key }, ...body }, admin));
  await put('webinars');
  await put('digest');
  await put('opt-in-only', { defaultSubscribed: false });
  await put('alerts', { countsTowardCap: false });
  await put('retired');
  await h.app.request('/v1/topics/retired', { method: 'DELETE', headers: { authorization: admin } });
});
afterAll(() => h.close());

let n = 0;
const campaign = () => `topics-campaign-${++n}`;

async function leaveTopic(subject: string, topic: string) {
  const token = await h.deps.signer.sign({ sub: subject, p: 'u', t: topic });
  const res = await h.app.request(`/u/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  expect(res.status).toBe(200);
}

describe('POST /v1/campaigns/{id}/reservations with a topic', () => {
  it('denies a person who left the topic (topic_unsubscribed), and allows them mail of another topic and of none', async () => {
    const left = await createConfirmedSubject(h, 'res-left@example.ru');
    const other = await createConfirmedSubject(h, 'res-other@example.ru');
    const none = await createConfirmedSubject(h, 'res-none@example.ru');
    for (const id of [left, other, none]) await leaveTopic(id, 'webinars');
    const c = campaign();
    const r = await reserveOk(h, sends, c, { subjects: [left], topic: 'webinars' });
    expect(r).toEqual({ allowed: [], denied: [{ subject: left, reason: 'topic_unsubscribed' }] });
    expect(await sendRows(h.db, { campaign: c })).toEqual([]);

    expect((await reserveOk(h, sends, campaign(), { subjects: [other], topic: 'digest' })).allowed).toEqual([other]);
    const plain = campaign();
    expect((await reserveOk(h, sends, plain, { subjects: [none] })).allowed).toEqual([none]);
    expect((await sendRows(h.db, { campaign: plain }))[0]!.topic).toBeNull();
  });

  it('names the topic on the ledger rows, and denies by address too', async () => {
    const id = await createConfirmedSubject(h, 'res-by-address@example.ru');
    const c = campaign();
    expect((await reserveOk(h, sends, c, { emails: ['res-by-address@example.ru'], topic: 'digest' })).allowed).toEqual([id]);
    expect((await sendRows(h.db, { campaign: c }))[0]!.topic).toBe('digest');
    const left = await createConfirmedSubject(h, 'res-by-address-left@example.ru');
    await leaveTopic(left, 'digest');
    const r = await reserveOk(h, sends, campaign(), { emails: ['res-by-address-left@example.ru'], topic: 'digest' });
    expect(r.denied).toEqual([{ subject: left, email: 'res-by-address-left@example.ru', reason: 'topic_unsubscribed' }]);
  });

  it('re-checks on a repeated reservation: a person who left the topic since is denied and their reservation released', async () => {
    const id = await createConfirmedSubject(h, 'res-repeat@example.ru');
    const c = campaign();
    expect((await reserveOk(h, sends, c, { subjects: [id], topic: 'webinars' })).allowed).toEqual([id]);
    await leaveTopic(id, 'webinars');
    expect((await reserveOk(h, sends, c, { subjects: [id], topic: 'webinars' })).denied).toEqual([{ subject: id, reason: 'topic_unsubscribed' }]);
    expect((await sendRows(h.db, { campaign: c }))[0]!.status).toBe('released');
  });

  it("follows a topic's default for people who never chose, and their own choice once they make one", async () => {
    const id = await createConfirmedSubject(h, 'res-default@example.ru');
    expect((await reserveOk(h, sends, campaign(), { subjects: [id], topic: 'opt-in-only' })).denied).toEqual([{ subject: id, reason: 'topic_unsubscribed' }]);
    expect((await subscribeToTopic(h.db, id, 'opt-in-only', personEvidenceAt(h))).kind).toBe('subscribed');
    expect((await reserveOk(h, sends, campaign(), { subjects: [id], topic: 'opt-in-only' })).allowed).toEqual([id]);
  });

  it('puts the global reasons first: a person who left everything is suppressed, not topic_unsubscribed', async () => {
    const id = await createConfirmedSubject(h, 'res-global@example.ru');
    await leaveTopic(id, 'webinars');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    await h.app.request(`/u/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect((await reserveOk(h, sends, campaign(), { subjects: [id], topic: 'webinars' })).denied[0]!.reason).toBe('suppressed');
  });

  it('refuses an unknown, removed or malformed topic with one 422 problem at topic, reserving nothing', async () => {
    const id = await createConfirmedSubject(h, 'res-bad-topic@example.ru');
    const before = await snapshotDb(h);
    for (const topic of ['never-was', 'retired', 'Not A Key', 7]) {
      const res = await campaignCall(h, sends, campaign(), 'reservations', { subjects: [id], topic });
      expect(res.status, String(topic)).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain('topic');
    }
    expect(await snapshotDb(h)).toEqual(before);
  });
});

describe('topics and the cadence cap', () => {
  it('counting topics share the cap with mail of no topic; a topic outside it counts only its own sends; the view shows sends per topic', async () => {
    const id = await createConfirmedSubject(h, 'cap-share@example.ru');
    const t0 = h.clock.now().getTime();
    try {
      // Mail outside the shared cap first: it does not count for the others (no min_gap after it).
      const a = campaign();
      expect((await reserveOk(h, sends, a, { subjects: [id], topic: 'alerts' })).allowed).toEqual([id]);
      h.clock.set(new Date(t0 + HOUR));
      expect((await reserveOk(h, sends, campaign(), { subjects: [id], topic: 'digest' })).allowed).toEqual([id]);
      // A counting topic now shares the gap with the digest just reserved.
      h.clock.set(new Date(t0 + 2 * HOUR));
      expect((await reserveOk(h, sends, campaign(), { subjects: [id], topic: 'webinars' })).denied[0]!.reason).toBe('min_gap');
      expect((await reserveOk(h, sends, campaign(), { subjects: [id] })).denied[0]!.reason).toBe('min_gap');
      // The topic outside the cap counts its own: a second alert within 72 hours of the first is too soon.
      expect((await reserveOk(h, sends, campaign(), { subjects: [id], topic: 'alerts' })).denied[0]!.reason).toBe('min_gap');

      const view = (await (await h.app.request(`/v1/subjects/${id}/cadence`, { headers: { authorization: sends } })).json()) as {
        sends: { topic: string | null }[];
        sendsByTopic: { topic: string | null; count: number }[];
        reason?: string;
      };
      expect(view.sends.map((s) => s.topic)).toEqual(['alerts', 'digest']);
      expect(view.sendsByTopic).toEqual([
        { topic: 'alerts', count: 1 },
        { topic: 'digest', count: 1 },
      ]);
      expect(view.reason).toBe('min_gap');
    } finally {
      h.clock.set(new Date(t0));
    }
  });
});
