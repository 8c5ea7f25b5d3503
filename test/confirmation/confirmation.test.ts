import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suppress } from '../../src/suppressions/queries.js';
import { createHarness, type Harness, jsonRequest, onPostgres } from '../helpers/harness.js';
import {
  consentState,
  count,
  createConfirmedSubject,
  createSubject,
  DAY,
  eventsOf,
  expectPageHeaders,
  formsOf,
  htmlLang,
  outboxOf,
  raceOnSubject,
  readFeedJson,
  snapshotDb,
  submitForm,
  suppressionOf,
} from '../helpers/pages.js';
import { deliverDueMail } from '../helpers/rights.js';

const C_TTL = 30 * 86400;
const oneClick = (): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });

async function unsubscribeVia(h: Harness, id: string) {
  const u = await h.deps.signer.sign({ sub: id, p: 'u' });
  expect((await h.app.request(`/u/${u}`, oneClick())).status).toBe(200);
}

async function confirmVia(h: Harness, id: string) {
  const c = await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: C_TTL });
  return h.app.request(`/c/${c}`, { method: 'POST' });
}

describe('double opt-in (DOUBLE_OPT_IN default: true)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('a lead with the marketing box ticked is pending and gets a confirmation message queued', async () => {
    const { id, consents, status } = await createSubject(h, 'doi-new@example.ru');
    expect(status).toBe(201);
    expect(consents).toEqual({ processing: 'granted', marketing: 'pending' });
    expect(await consentState(h, id, 'marketing')).toBe('pending');
    expect((await outboxOf(h, id)).map((o) => o.kind)).toEqual(['confirm-subscription']);
  });

  it('a pending person who unsubscribes before the confirmation goes out is not sent it (stop means stop); one who asks again is', async () => {
    const { id } = await createSubject(h, 'doi-left-first@example.ru');
    expect((await outboxOf(h, id)).map((o) => o.kind)).toEqual(['confirm-subscription']);
    await unsubscribeVia(h, id);
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    const sent = await deliverDueMail(h);
    expect(sent.filter((m) => m.to === 'doi-left-first@example.ru')).toEqual([]);
    expect((await outboxOf(h, id)).map((o) => o.last_error)).toEqual(['cancelled: the person unsubscribed before this confirmation went out']);
    // The way back (a new form, later) queues a new confirmation, and that one goes.
    h.clock.advance(60_000);
    await createSubject(h, 'doi-left-first@example.ru');
    expect(await consentState(h, id, 'marketing')).toBe('pending');
    const again = (await deliverDueMail(h)).filter((m) => m.to === 'doi-left-first@example.ru');
    expect(again).toHaveLength(1);
    expect(again[0]!.links.some((l) => l.startsWith('/c/'))).toBe(true);
  });

  it('GET /c shows one confirm button and changes nothing', async () => {
    const { id } = await createSubject(h, 'doi-get@example.ru');
    const c = await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: C_TTL });
    const before = await snapshotDb(h);
    const res = await h.app.request(`/c/${c}`);
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    const html = await res.text();
    expect(htmlLang(html)).toBe('ru');
    expect(html).toContain('Подтвердите подписку');
    expect(count(html, /<button\b/)).toBe(1);
    expect(await snapshotDb(h)).toEqual(before);
    expect(await consentState(h, id, 'marketing')).toBe('pending');
  });

  it("POST /c (the page's form) grants marketing and records a 'confirmed' event; a second POST answers 200 and records nothing", async () => {
    const { id } = await createSubject(h, 'doi-post@example.ru');
    const c = await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: C_TTL });
    const [form] = formsOf(await (await h.app.request(`/c/${c}?lang=en`)).text());

    const res = await submitForm(h, form!);
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expectPageHeaders(res);
    expect(await res.text()).toContain('Subscription confirmed');
    expect(await consentState(h, id, 'marketing')).toBe('granted');
    const confirmed = (await eventsOf(h, id)).filter((e) => e.action === 'confirmed');
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]).toMatchObject({ purpose: 'marketing', actor_type: 'subject', ip: '198.51.100.7', source: 'confirmation-link' });

    const before = await snapshotDb(h);
    h.clock.advance(60_000);
    const again = await submitForm(h, form!);
    expect(again.status).toBe(200);
    expect(await snapshotDb(h)).toEqual(before);
  });

  // A race needs parallel connections: PGlite has one and would only run the posts in turn.
  it.skipIf(!onPostgres)('confirmations arriving together record one confirmation (PostgreSQL)', async () => {
    const { id } = await createSubject(h, 'doi-burst@example.ru');
    const c = await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: C_TTL });
    const answers = await raceOnSubject(h, id, 6, () => h.app.request(`/c/${c}`, { method: 'POST' }));
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect((await eventsOf(h, id)).filter((e) => e.action === 'confirmed')).toHaveLength(1);
  });

  it('a person who unsubscribed and submits the form again stays suppressed and pending until confirming; confirming lifts the suppression as a new feed record', async () => {
    const id = await createConfirmedSubject(h, 'doi-back@example.ru');
    await unsubscribeVia(h, id);
    const hash = (await suppressionOf(h, id))!.hash;
    const feed1 = await readFeedJson(h);
    const suppressed = feed1.records.filter((r) => r.hash === hash);
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0]).toMatchObject({ active: true, reason: 'unsubscribed', email: 'doi-back@example.ru' });
    const seqBefore = suppressed[0]!.seq;

    h.clock.advance(DAY);
    const again = await createSubject(h, 'doi-back@example.ru');
    expect(again.id).toBe(id);
    expect(again.status).toBe(200);
    expect(again.consents.marketing).toBe('pending');
    expect(await consentState(h, id, 'marketing')).toBe('pending');
    const still = await suppressionOf(h, id);
    expect(still).toMatchObject({ active: true, reason: 'unsubscribed' });
    expect(Number(still!.seq)).toBe(seqBefore);
    expect((await outboxOf(h, id)).filter((o) => o.kind === 'confirm-subscription')).toHaveLength(2);
    // Nothing new in the feed while the person has not confirmed.
    expect((await readFeedJson(h, seqBefore)).records.filter((r) => r.hash === hash)).toEqual([]);

    h.clock.advance(3600_000);
    const res = await confirmVia(h, id);
    expect(res.status).toBe(200);
    expect(await consentState(h, id, 'marketing')).toBe('granted');
    const lifted = await suppressionOf(h, id);
    expect(lifted).toMatchObject({ active: false, reason: 'unsubscribed', seq: null });
    expect(lifted!.changed_at.toISOString()).toBe(h.clock.now().toISOString());
    expect((await eventsOf(h, id)).filter((e) => e.action === 'unsuppressed')).toHaveLength(1);

    const feed2 = await readFeedJson(h, seqBefore);
    const tombstone = feed2.records.filter((r) => r.hash === hash);
    expect(tombstone).toHaveLength(1);
    expect(tombstone[0]!.active).toBe(false);
    expect(tombstone[0]!.seq).toBeGreaterThan(seqBefore);
    expect(feed2.highWaterMark).toBe(tombstone[0]!.seq);
  });

  it('an old confirmation link used after unsubscribing (without a new form) does not re-grant', async () => {
    const { id } = await createSubject(h, 'doi-stale@example.ru');
    const c = await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: C_TTL });
    await unsubscribeVia(h, id);
    const before = await snapshotDb(h);
    const get = await h.app.request(`/c/${c}`);
    expect(get.status).toBe(409);
    expectPageHeaders(get);
    const post = await h.app.request(`/c/${c}`, { method: 'POST' });
    expect(post.status).toBe(409);
    expect(await snapshotDb(h)).toEqual(before);
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'unsubscribed' });
  });

  it("a 'bounced' suppression is not lifted by confirmation", async () => {
    const { id } = await createSubject(h, 'doi-bounced@example.ru');
    const hash = (await h.db.selectFrom('subjects').select('email_hash').where('id', '=', id).executeTakeFirstOrThrow()).email_hash;
    expect(await suppress(h.db, { hash, email: 'doi-bounced@example.ru', subjectId: id, reason: 'bounced', actorType: 'mail_sender', at: h.clock.now() })).toBe(
      true,
    );
    const seqBefore = (await readFeedJson(h)).records.find((r) => r.hash === hash)!.seq;

    h.clock.advance(60_000);
    const res = await confirmVia(h, id);
    expect(res.status).toBe(200);
    expect(await consentState(h, id, 'marketing')).toBe('granted');
    const kept = await suppressionOf(h, id);
    expect(kept).toMatchObject({ active: true, reason: 'bounced' });
    expect(Number(kept!.seq)).toBe(seqBefore);
    expect((await eventsOf(h, id)).filter((e) => e.action === 'unsuppressed')).toHaveLength(0);
    expect((await readFeedJson(h, seqBefore)).records.filter((r) => r.hash === hash)).toEqual([]);
  });

  it("a 'manual' suppression added by staff is not lifted by confirmation", async () => {
    const { id } = await createSubject(h, 'doi-manual@example.ru');
    const staff = await h.bearer('suppressions:write');
    const add = await h.app.request('/v1/suppressions', jsonRequest('POST', { entries: [{ email: 'doi-manual@example.ru', note: 'asked by phone' }] }, staff));
    expect(add.status).toBe(200);
    expect(await add.json()).toEqual({ added: 1, unchanged: 0 });
    expect((await confirmVia(h, id)).status).toBe(200);
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'manual' });
  });

  it('a bounce that arrives while the person is unsubscribed still blocks mail after they opt in again and confirm', async () => {
    const id = await createConfirmedSubject(h, 'doi-unsub-bounce@example.ru');
    await unsubscribeVia(h, id);
    const hash = (await suppressionOf(h, id))!.hash;
    h.clock.advance(60_000);
    // A message already on its way when they unsubscribed bounces hard.
    await suppress(h.db, { hash, email: 'doi-unsub-bounce@example.ru', subjectId: id, reason: 'bounced', actorType: 'mail_sender', at: h.clock.now() });

    h.clock.advance(DAY);
    expect((await createSubject(h, 'doi-unsub-bounce@example.ru')).consents.marketing).toBe('pending');
    expect((await confirmVia(h, id)).status).toBe(200);
    const s = await suppressionOf(h, id);
    expect(s?.active).toBe(true);
  });

  it('an expired confirmation link answers 410 with a fresh-link form and confirms nothing', async () => {
    const { id } = await createSubject(h, 'doi-expired@example.ru');
    const c = await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: C_TTL });
    const start = h.clock.now();
    h.clock.advance(31 * DAY);
    try {
      const before = await snapshotDb(h);
      for (const method of ['GET', 'POST']) {
        const res = await h.app.request(`/c/${c}`, { method });
        expect(res.status).toBe(410);
        expectPageHeaders(res);
        expect(formsOf(await res.text())[0]!.action.startsWith(`/c/${c}/fresh-link`)).toBe(true);
      }
      expect(await snapshotDb(h)).toEqual(before);
      expect(await consentState(h, id, 'marketing')).toBe('pending');
    } finally {
      h.clock.set(start);
    }
  });

  it('refuses an unsubscribe (u) token on /c and changes nothing', async () => {
    const { id } = await createSubject(h, 'doi-wrong@example.ru');
    const u = await h.deps.signer.sign({ sub: id, p: 'u' });
    const before = await snapshotDb(h);
    for (const method of ['GET', 'POST']) {
      const res = await h.app.request(`/c/${u}`, { method });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect(await snapshotDb(h)).toEqual(before);
  });
});

describe('single opt-in (DOUBLE_OPT_IN=false)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { DOUBLE_OPT_IN: 'false' } });
  });
  afterAll(() => h.close());

  it('grants marketing to a fresh lead at once, with no confirmation message', async () => {
    const { id, consents, status } = await createSubject(h, 'soi-new@example.ru');
    expect(status).toBe(201);
    expect(consents).toEqual({ processing: 'granted', marketing: 'granted' });
    expect(await consentState(h, id, 'marketing')).toBe('granted');
    expect((await outboxOf(h, id)).filter((o) => o.kind === 'confirm-subscription')).toHaveLength(0);
    expect((await eventsOf(h, id)).filter((e) => e.purpose === 'marketing').map((e) => e.action)).toEqual(['granted']);
  });

  it('still sends a previously unsubscribed address to pending, suppressed until it confirms', async () => {
    const { id } = await createSubject(h, 'soi-back@example.ru');
    await unsubscribeVia(h, id);
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');

    h.clock.advance(DAY);
    const again = await createSubject(h, 'soi-back@example.ru');
    expect(again.id).toBe(id);
    expect(again.consents.marketing).toBe('pending');
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'unsubscribed' });
    expect((await outboxOf(h, id)).filter((o) => o.kind === 'confirm-subscription')).toHaveLength(1);

    expect((await confirmVia(h, id)).status).toBe(200);
    expect(await consentState(h, id, 'marketing')).toBe('granted');
    expect(await suppressionOf(h, id)).toMatchObject({ active: false });
  });
});
