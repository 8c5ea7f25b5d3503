import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dueAfterBusinessDays, weekendCalendar } from '../../src/time/business-days.js';
import { createHarness, type Harness, onPostgres } from '../helpers/harness.js';
import {
  consentState,
  count,
  createConfirmedSubject,
  createSubject,
  DAY,
  eventsOf,
  expectPageHeaders,
  flipSignatureChar,
  foreignToken,
  formsOf,
  htmlLang,
  outboxOf,
  raceOnSubject,
  snapshotDb,
  submitForm,
  suppressionOf,
} from '../helpers/pages.js';

const START = '2026-03-02T09:00:00Z';
const W_TTL = 365 * 86400;

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: START });
});
afterAll(() => h.close());
beforeEach(() => h.clock.set(START));

/** The second step's post: `confirm=yes` withdraws. */
const confirmPost = (token: string) =>
  h.app.request(`/w/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=yes' });

const erasureRequests = (subjectId: string) =>
  h.db.selectFrom('requests').selectAll().where('subject_id', '=', subjectId).where('type', '=', 'erasure').execute();

describe('GET /w/{token}', () => {
  it('explains the consequences with one confirm button and writes nothing', async () => {
    const id = await createConfirmedSubject(h, 'w-get@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: W_TTL });
    const before = await snapshotDb(h);

    const res = await h.app.request(`/w/${token}`);
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    const html = await res.text();
    expect(htmlLang(html)).toBe('ru');
    expect(html).toContain('Отозвать согласие');
    expect(html).toContain('2 рабочих дня');
    expect(count(html, /<button\b/)).toBe(1);
    expect(formsOf(html)[0]).toMatchObject({ method: 'post' });

    const en = await h.app.request(`/w/${token}?lang=en`);
    const enHtml = await en.text();
    expect(htmlLang(enHtml)).toBe('en');
    expect(enHtml).toContain('deleted within 2 business days');

    expect(await snapshotDb(h)).toEqual(before);
    expect(await consentState(h, id, 'processing')).toBe('granted');
  });
});

describe('POST /w/{token}', () => {
  it('withdraws processing and marketing, suppresses as withdrawn, files one erasure request due in 2 business days, queues withdrawal-received', async () => {
    // Friday 2026-03-06 12:00 in Moscow.
    h.clock.set('2026-03-06T09:00:00Z');
    const id = await createConfirmedSubject(h, 'w-post@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: W_TTL });

    const res = await h.app.request(`/w/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expectPageHeaders(res);
    // The moment the erasure runs (24 hours' grace, well before the due time), to the minute.
    expect(await res.text()).toContain('7 марта 2026 в 12:00 (GMT+3)');

    expect(await consentState(h, id, 'processing')).toBe('withdrawn');
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'withdrawn' });

    const requests = await erasureRequests(id);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ type: 'erasure', status: 'received', channel: 'link', completed_at: null });
    expect(requests[0]!.received_at.toISOString()).toBe('2026-03-06T09:00:00.000Z');
    // The production calendar: Sunday 8 March is a holiday, moved to Monday 9 March, so the two
    // business days are Tuesday 10 and Wednesday 11: end of 2026-03-11 in Moscow.
    expect(requests[0]!.due_at.toISOString()).toBe('2026-03-11T20:59:59.999Z');

    const outbox = (await outboxOf(h, id)).filter((o) => o.kind === 'withdrawal-received');
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.payload).toMatchObject({ subjectId: id, requestId: requests[0]!.id });

    const events = await eventsOf(h, id);
    expect(
      events
        .filter((e) => e.action === 'withdrawn')
        .map((e) => e.purpose)
        .sort(),
    ).toEqual(['marketing', 'processing']);
    expect(events.filter((e) => e.action === 'erasure_requested')).toHaveLength(1);
    expect(events.find((e) => e.action === 'withdrawn')).toMatchObject({ actor_type: 'subject', ip: '198.51.100.7', source: 'withdrawal-link' });
  });

  it("works from the page's own form and also withdraws a still-pending subscription", async () => {
    const { id, consents } = await createSubject(h, 'w-form@example.ru');
    expect(consents.marketing).toBe('pending');
    const token = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: W_TTL });
    const [form] = formsOf(await (await h.app.request(`/w/${token}`)).text());
    const step2 = await submitForm(h, form!);
    expect(await consentState(h, id, 'processing')).toBe('granted');
    const [confirm] = formsOf(await step2.text());
    expect(confirm!.fields).toEqual({ confirm: 'yes' });
    const res = await submitForm(h, confirm!);
    expect(res.status).toBe(200);
    expect(await consentState(h, id, 'processing')).toBe('withdrawn');
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect(await erasureRequests(id)).toHaveLength(1);
  });

  it('posting twice files no second request and writes nothing the second time', async () => {
    const id = await createConfirmedSubject(h, 'w-twice@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: W_TTL });
    expect((await confirmPost(token)).status).toBe(200);
    const first = await erasureRequests(id);
    expect(first).toHaveLength(1);
    const before = await snapshotDb(h);

    h.clock.advance(3600_000);
    const again = await confirmPost(token);
    expect(again.status).toBe(200);
    expect(await erasureRequests(id)).toEqual(first);
    expect(await snapshotDb(h)).toEqual(before);
  });

  // A race needs parallel connections: PGlite has one and would only run the posts in turn.
  it.skipIf(!onPostgres)('posts arriving together file one request and record each withdrawal once (PostgreSQL)', async () => {
    const id = await createConfirmedSubject(h, 'w-burst@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: W_TTL });
    const answers = await raceOnSubject(h, id, 6, () => confirmPost(token));
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(await erasureRequests(id)).toHaveLength(1);
    const events = await eventsOf(h, id);
    expect(events.filter((e) => e.action === 'withdrawn')).toHaveLength(2);
    expect(events.filter((e) => e.action === 'erasure_requested')).toHaveLength(1);
    expect((await outboxOf(h, id)).filter((o) => o.kind === 'withdrawal-received')).toHaveLength(1);
  });

  it('refuses an unsubscribe (u) token with a 4xx page and changes nothing', async () => {
    const id = await createConfirmedSubject(h, 'w-wrong@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    const before = await snapshotDb(h);
    for (const method of ['GET', 'POST']) {
      const res = await h.app.request(`/w/${token}`, { method });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expectPageHeaders(res);
    }
    expect(await snapshotDb(h)).toEqual(before);
  });
});

describe('expired withdrawal link', () => {
  async function expiredToken(email: string) {
    const id = await createConfirmedSubject(h, email);
    const token = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: W_TTL });
    h.clock.advance(366 * DAY);
    return { id, token };
  }

  it('answers 410 with a form for a fresh link, on GET and POST, and withdraws nothing', async () => {
    const { id, token } = await expiredToken('w-expired@example.ru');
    const before = await snapshotDb(h);
    for (const method of ['GET', 'POST']) {
      const res = await h.app.request(`/w/${token}`, { method });
      expect(res.status).toBe(410);
      expectPageHeaders(res);
      const forms = formsOf(await res.text());
      expect(forms).toHaveLength(1);
      expect(forms[0]).toMatchObject({ method: 'post' });
      expect(forms[0]!.action.startsWith(`/w/${token}/fresh-link`)).toBe(true);
    }
    expect(await snapshotDb(h)).toEqual(before);
    expect(await consentState(h, id, 'processing')).toBe('granted');
  });

  it('the fresh-link form queues one fresh-link message; a second within 10 minutes queues nothing more and answers the same page', async () => {
    const { id, token } = await expiredToken('w-fresh@example.ru');
    const [form] = formsOf(await (await h.app.request(`/w/${token}`)).text());

    const first = await submitForm(h, form!);
    expect(first.status).toBe(200);
    expectPageHeaders(first);
    const firstHtml = await first.text();
    let fresh = (await outboxOf(h, id)).filter((o) => o.kind === 'fresh-link');
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.payload).toMatchObject({ subjectId: id, purpose: 'w' });
    expect(JSON.stringify(fresh[0]!.payload)).not.toContain('@');

    h.clock.advance(9 * 60_000);
    const second = await submitForm(h, form!);
    expect(second.status).toBe(first.status);
    expect(await second.text()).toBe(firstHtml);
    fresh = (await outboxOf(h, id)).filter((o) => o.kind === 'fresh-link');
    expect(fresh).toHaveLength(1);
  });

  it('two fresh-link requests a minute apart queue one message even when they straddle a 10-minute boundary', async () => {
    const id = await createConfirmedSubject(h, 'w-fresh-edge@example.ru');
    h.clock.set('2026-03-02T09:09:30Z');
    const token = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: 60 });
    h.clock.set('2026-03-02T09:19:30Z');
    expect((await h.app.request(`/w/${token}/fresh-link`, { method: 'POST' })).status).toBe(200);
    h.clock.set('2026-03-02T09:20:30Z');
    expect((await h.app.request(`/w/${token}/fresh-link`, { method: 'POST' })).status).toBe(200);
    expect((await outboxOf(h, id)).filter((o) => o.kind === 'fresh-link')).toHaveLength(1);
  });

  it('a forged or damaged token on fresh-link queues nothing', async () => {
    const { id, token } = await expiredToken('w-forged@example.ru');
    const forged = await foreignToken({ sub: id, p: 'w', ttlSeconds: 60 }, 'test-key-1');
    const unknownKid = await foreignToken({ sub: id, p: 'w', ttlSeconds: 60 }, 'other-kid');
    const before = await snapshotDb(h);
    for (const t of [forged, unknownKid, flipSignatureChar(token), token.slice(0, -6), 'abc']) {
      const res = await h.app.request(`/w/${t}/fresh-link`, { method: 'POST' });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expectPageHeaders(res);
    }
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('an expired token of another purpose on the withdrawal fresh-link path queues nothing', async () => {
    const id = await createConfirmedSubject(h, 'w-fresh-purpose@example.ru');
    const p = await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 60 });
    h.clock.advance(DAY);
    const before = await snapshotDb(h);
    const res = await h.app.request(`/w/${p}/fresh-link`, { method: 'POST' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await snapshotDb(h)).toEqual(before);
  });
});

describe('dueAfterBusinessDays (weekends only, Europe/Moscow)', () => {
  const due = (received: string, n = 2) => dueAfterBusinessDays(new Date(received), n, 'Europe/Moscow', weekendCalendar).toISOString();

  it('Wednesday receipt is due at the end of Friday', () => {
    expect(due('2026-03-04T12:00:00+03:00')).toBe('2026-03-06T20:59:59.999Z');
  });

  it('Friday receipt is due at the end of the next Tuesday', () => {
    expect(due('2026-03-06T12:00:00+03:00')).toBe('2026-03-10T20:59:59.999Z');
    expect(due('2026-05-08T10:00:00+03:00')).toBe('2026-05-12T20:59:59.999Z');
  });

  it('Saturday and Sunday receipts are due at the end of Tuesday', () => {
    expect(due('2026-03-07T10:00:00+03:00')).toBe('2026-03-10T20:59:59.999Z');
    expect(due('2026-03-08T23:00:00+03:00')).toBe('2026-03-10T20:59:59.999Z');
  });

  it('counts from the Moscow date, not the UTC date', () => {
    // 22:30 UTC on Friday is already 01:30 on Saturday in Moscow.
    expect(due('2026-03-06T22:30:00Z')).toBe('2026-03-10T20:59:59.999Z');
    // 20:59 UTC on Friday is still Friday in Moscow.
    expect(due('2026-03-06T20:59:00Z')).toBe('2026-03-10T20:59:59.999Z');
    // 21:00 UTC on Thursday is Friday 00:00 in Moscow.
    expect(due('2026-03-05T21:00:00Z')).toBe('2026-03-10T20:59:59.999Z');
    expect(due('2026-03-05T20:59:59Z')).toBe('2026-03-09T20:59:59.999Z');
  });

  it('crosses the year end: 2025-12-31 is due at the end of 2026-01-02 with the weekend-only calendar', () => {
    expect(due('2025-12-31T15:00:00+03:00')).toBe('2026-01-02T20:59:59.999Z');
  });

  it('uses the calendar it is given', () => {
    const noMondays = {
      isBusinessDay: (d: { year: number; month: number; day: number }) => weekendCalendar.isBusinessDay(d) && !(d.month === 3 && d.day === 9),
    };
    expect(dueAfterBusinessDays(new Date('2026-03-06T12:00:00+03:00'), 2, 'Europe/Moscow', noMondays).toISOString()).toBe('2026-03-11T20:59:59.999Z');
  });
});
