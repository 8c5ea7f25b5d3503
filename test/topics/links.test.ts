import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, jsonRequest, onPostgres } from '../helpers/harness.js';
import { consentState, count, createConfirmedSubject, eventsOf, formsOf, raceOnSubject, snapshotDb, submitForm, suppressionOf } from '../helpers/pages.js';
import { decodeSegment, withPayload } from '../helpers/tokens.js';

let h: Harness;
let admin: string;
let links: string;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.bearer('admin');
  links = await h.bearer('links:write');
  await h.app.request('/v1/topics/webinars', jsonRequest('PUT', { name: { ru: 'Вебинары', en: 'Webinars' } }, admin));
  await h.app.request('/v1/topics/digest', jsonRequest('PUT', { name: { ru: 'Дайджест', en: 'Digest' } }, admin));
  await h.app.request('/v1/topics/old-news', jsonRequest('PUT', { name: { ru: 'Старые новости', en: 'Old news' } }, admin));
});
afterAll(() => h.close());

const oneClick = (body = 'List-Unsubscribe=One-Click'): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 (compatible; Google-Unsubscribe)' },
  body,
});

async function topicLink(subject: string, topic: string, campaignId = 'spring-2026'): Promise<string> {
  const res = await h.app.request('/v1/links', jsonRequest('POST', { subjects: [subject], campaignId, topic }, links));
  expect(res.status).toBe(200);
  const { links: out } = (await res.json()) as { links: { unsubscribeUrl: string; headers: Record<string, string> }[] };
  expect(out[0]!.headers['List-Unsubscribe']).toContain(out[0]!.unsubscribeUrl);
  return out[0]!.unsubscribeUrl.split('/u/')[1]!;
}

async function topicState(subject: string, topic: string) {
  const s = await h.db.selectFrom('subjects').select('email_hash').where('id', '=', subject).executeTakeFirstOrThrow();
  const choice = await h.db.selectFrom('topic_choices').selectAll().where('subject_id', '=', subject).where('topic', '=', topic).executeTakeFirst();
  const sup = await h.db.selectFrom('topic_suppressions').selectAll().where('hash', '=', s.email_hash).where('topic', '=', topic).executeTakeFirst();
  return { choice: choice?.subscribed, suppressed: sup?.active };
}

describe('POST /v1/links with a topic', () => {
  it('signs the unsubscribe link for that topic (claim t); the preferences and withdrawal links carry none', async () => {
    const id = await createConfirmedSubject(h, 'links-topic@example.ru');
    const res = await h.app.request('/v1/links', jsonRequest('POST', { subjects: [id], topic: 'webinars' }, links));
    const { links: out } = (await res.json()) as { links: { unsubscribeUrl: string; preferencesUrl: string; withdrawUrl: string }[] };
    expect(decodeSegment(out[0]!.unsubscribeUrl.split('/u/')[1]!, 1).t).toBe('webinars');
    expect(decodeSegment(out[0]!.preferencesUrl.split('/p/')[1]!, 1).t).toBeUndefined();
    expect(decodeSegment(out[0]!.withdrawUrl.split('/w/')[1]!, 1).t).toBeUndefined();
  });

  it('refuses an unknown, removed or malformed topic with one 422 problem at topic, signing nothing', async () => {
    const id = await createConfirmedSubject(h, 'links-bad-topic@example.ru');
    await h.app.request('/v1/topics/gone', jsonRequest('PUT', { name: { ru: 'Ушедшая', en: 'Gone' } }, admin));
    await h.app.request('/v1/topics/gone', { method: 'DELETE', headers: { authorization: admin } });
    const before = await snapshotDb(h);
    for (const topic of ['never-was', 'gone', 'Webinars', '', 42]) {
      const res = await h.app.request('/v1/links', jsonRequest('POST', { subjects: [id], topic }, links));
      expect(res.status, String(topic)).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const p = (await res.json()) as { errors: { path: string }[] };
      expect(p.errors.map((e) => e.path)).toContain('topic');
    }
    expect(await snapshotDb(h)).toEqual(before);
  });
});

describe('a topic link', () => {
  it("one-click leaves that topic only: marketing consent stays granted, no global suppression, one ledger event with the act's evidence", async () => {
    const id = await createConfirmedSubject(h, 'one-click-topic@example.ru');
    const token = await topicLink(id, 'webinars');
    const res = await h.app.request(`/u/${token}`, oneClick());
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('webinars');

    expect(await consentState(h, id, 'marketing')).toBe('granted');
    expect(await suppressionOf(h, id)).toBeUndefined();
    expect(await topicState(id, 'webinars')).toEqual({ choice: false, suppressed: true });
    expect(await topicState(id, 'digest')).toEqual({ choice: undefined, suppressed: undefined });
    const events = (await eventsOf(h, id)).filter((e) => e.action.startsWith('topic_'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'topic_unsubscribed',
      purpose: 'marketing',
      actor_type: 'subject',
      ip: '198.51.100.7',
      user_agent: 'Mozilla/5.0 (compatible; Google-Unsubscribe)',
      campaign_id: 'spring-2026',
      source: 'one-click',
      details: { topic: 'webinars' },
    });

    // A second click (or a retry by the mailbox) changes nothing and writes nothing.
    const before = await snapshotDb(h);
    expect((await h.app.request(`/u/${token}`, oneClick())).status).toBe(200);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('GET names the topic, with its own button first and "all advertising mail" as a second, separate form; it writes nothing', async () => {
    const id = await createConfirmedSubject(h, 'get-topic@example.ru');
    const token = await topicLink(id, 'webinars');
    const before = await snapshotDb(h);
    const res = await h.app.request(`/u/${token}?lang=en`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Unsubscribe from “Webinars”');
    const forms = formsOf(html);
    expect(forms.map((f) => f.action)).toEqual([`/u/${token}?lang=en`, `/u/${token}/all?lang=en`]);
    expect(html).toContain('Unsubscribe from all advertising mail');
    expect(count(html, /<section class="offer"/)).toBe(1);
    expect(await snapshotDb(h)).toEqual(before);

    // The page's own button: the topic only, and the answer offers all mail again.
    const done = await submitForm(h, forms[0]!);
    expect(done.status).toBe(200);
    const doneHtml = await done.text();
    expect(doneHtml).toContain('You are unsubscribed from “Webinars”');
    expect(formsOf(doneHtml).map((f) => f.action)).toEqual([`/u/${token}/all?lang=en`]);
    expect(await consentState(h, id, 'marketing')).toBe('granted');
    expect(await topicState(id, 'webinars')).toEqual({ choice: false, suppressed: true });

    // Opened again: the page says it is done, and still offers all mail.
    const again = await (await h.app.request(`/u/${token}?lang=en`)).text();
    expect(again).toContain('You are unsubscribed from “Webinars”');

    // The second choice leaves everything, as a link without a topic does.
    const all = await submitForm(h, formsOf(again)[0]!);
    expect(all.status).toBe(200);
    expect(await all.text()).toContain('You are unsubscribed');
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect((await suppressionOf(h, id))?.active).toBe(true);
  });

  it('ignores a topic named in the body: the signed token alone says which topic', async () => {
    const id = await createConfirmedSubject(h, 'body-topic@example.ru');
    const token = await topicLink(id, 'webinars');
    const res = await h.app.request(`/u/${token}`, oneClick('List-Unsubscribe=One-Click&topic=digest&t=digest'));
    expect(res.status).toBe(200);
    expect(await topicState(id, 'webinars')).toEqual({ choice: false, suppressed: true });
    expect(await topicState(id, 'digest')).toEqual({ choice: undefined, suppressed: undefined });
    expect(await consentState(h, id, 'marketing')).toBe('granted');
  });

  it('refuses a token whose topic was changed (a bad signature): a page, nothing written', async () => {
    const id = await createConfirmedSubject(h, 'forged-topic@example.ru');
    const token = await topicLink(id, 'webinars');
    const forged = withPayload(token, { ...decodeSegment(token, 1), t: 'digest' });
    const before = await snapshotDb(h);
    const res = await h.app.request(`/u/${forged}`, oneClick());
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('a link without a topic (every link before topics) still leaves all advertising mail', async () => {
    const id = await createConfirmedSubject(h, 'old-link@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'autumn-2025' });
    expect(decodeSegment(token, 1).t).toBeUndefined();
    expect((await h.app.request(`/u/${token}`, oneClick())).status).toBe(200);
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect((await suppressionOf(h, id))?.active).toBe(true);
    expect((await eventsOf(h, id)).some((e) => e.action.startsWith('topic_'))).toBe(false);
  });

  it('of a topic removed while the link was in the mailbox still leaves that topic, and the page says which', async () => {
    const id = await createConfirmedSubject(h, 'removed-topic@example.ru');
    const token = await topicLink(id, 'old-news');
    await h.app.request('/v1/topics/old-news', { method: 'DELETE', headers: { authorization: admin } });
    const page = await (await h.app.request(`/u/${token}?lang=en`)).text();
    expect(page).toContain('Unsubscribe from “Old news”');
    expect(page).toContain('We no longer send this mailing');
    const res = await h.app.request(`/u/${token}?lang=en`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'confirm=1',
    });
    expect(await res.text()).toContain('You are unsubscribed from “Old news”');
    expect(await topicState(id, 'old-news')).toEqual({ choice: false, suppressed: true });
    expect(await consentState(h, id, 'marketing')).toBe('granted');
  });

  it('of a topic never defined here (another database, a restore) leaves all advertising mail, and the page says so', async () => {
    const id = await createConfirmedSubject(h, 'unknown-topic@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u', t: 'from-elsewhere' });
    const page = await (await h.app.request(`/u/${token}?lang=en`)).text();
    expect(page).not.toContain('from-elsewhere');
    expect(page).toContain('You will stop receiving our advertising');
    const res = await h.app.request(`/u/${token}?lang=en`, oneClick());
    expect(await res.text()).toContain('You are unsubscribed');
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect((await suppressionOf(h, id))?.active).toBe(true);
  });

  // A race needs parallel connections: PGlite has one and would only run the posts in turn.
  it.skipIf(!onPostgres)('six one-clicks racing on one person write one ledger event and one topic record', async () => {
    const id = await createConfirmedSubject(h, 'race-topic@example.ru');
    const token = await topicLink(id, 'digest');
    const answers = await raceOnSubject(h, id, 6, () => h.app.request(`/u/${token}`, oneClick()));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await eventsOf(h, id)).filter((e) => e.action === 'topic_unsubscribed')).toHaveLength(1);
    expect(await topicState(id, 'digest')).toEqual({ choice: false, suppressed: true });
  });
});
