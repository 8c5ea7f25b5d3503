import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sweepLedger } from '../../src/cadence/reservations.js';
import { at, campaignCall, countSends, createSubject, DAY, HOUR, insertSend, type ReservationBody, randomId, reserveOk, sendRows } from '../helpers/cadence.js';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';

const T0 = '2026-03-02T09:00:00.000Z';
const iso = (d: Date | string) => new Date(d).toISOString();

let h: Harness;
let leads: string;
let sends: string;
let staff: string;
let reader: string;
let n = 0;
/** A new person with granted marketing consent (DOUBLE_OPT_IN=false). */
const person = async (over: Record<string, unknown> = {}) => createSubject(h, leads, `cad-${++n}-${Date.now()}@example.ru`, over);
const campaign = () => `cmp-${++n}`;

beforeAll(async () => {
  h = await createHarness({ env: { DOUBLE_OPT_IN: 'false' }, now: T0 });
  leads = await h.bearer('leads:write');
  sends = await h.bearer('sends:write');
  staff = await h.bearer('subjects:write');
  reader = await h.bearer('subjects:read');
});
afterAll(() => h.close());
beforeEach(() => h.clock.set(T0));

const putPreferences = (id: string, body: unknown, auth = staff) => h.app.request(`/v1/subjects/${id}/preferences`, jsonRequest('PUT', body, auth));
const cadenceOf = async (id: string) => {
  const res = await h.app.request(`/v1/subjects/${id}/cadence`, { headers: { authorization: reader } });
  expect(res.status).toBe(200);
  return res.json();
};
const reasonOf = (body: ReservationBody, id: string) => body.denied.find((d) => d.subject === id);

describe('POST /v1/campaigns/{campaignId}/reservations: decisions', () => {
  it('allows a granted person and writes one reserved ledger row that expires in 24 hours', async () => {
    const id = await person();
    const cmp = campaign();
    const body = await reserveOk(h, sends, cmp, { subjects: [id] });
    expect(body).toEqual({ allowed: [id], denied: [] });
    const rows = await sendRows(h.db, { subject: id });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ campaign_id: cmp, status: 'reserved', sent_at: null, released_at: null });
    expect(iso(rows[0]!.reserved_at)).toBe(T0);
    expect(iso(rows[0]!.expires_at)).toBe(iso(at(T0, 24 * HOUR)));
  });

  it('answers {allowed:[uuid], denied:[{subject, reason, nextAllowedAt?}]}, with nextAllowedAt only on timing refusals', async () => {
    const ok = await person();
    const noMarketing = await person({ consents: { processing: true, marketing: false } });
    const recent = await person();
    await reserveOk(h, sends, campaign(), { subjects: [recent] });
    const unknown = randomId();

    const body = await reserveOk(h, sends, campaign(), { subjects: [ok, noMarketing, recent, unknown] });
    expect(body.allowed).toEqual([ok]);
    expect(body.denied).toHaveLength(3);
    expect(reasonOf(body, noMarketing)).toEqual({ subject: noMarketing, reason: 'no_consent' });
    expect(reasonOf(body, unknown)).toEqual({ subject: unknown, reason: 'unknown_subject' });
    expect(reasonOf(body, recent)).toEqual({ subject: recent, reason: 'min_gap', nextAllowedAt: iso(at(T0, 72 * HOUR)) });
  });

  it('allows the same subject for the same campaign twice, counted once in the ledger', async () => {
    const id = await person();
    const cmp = campaign();
    expect(await reserveOk(h, sends, cmp, { subjects: [id] })).toEqual({ allowed: [id], denied: [] });
    h.clock.advance(HOUR);
    expect(await reserveOk(h, sends, cmp, { subjects: [id] })).toEqual({ allowed: [id], denied: [] });
    const rows = await sendRows(h.db, { subject: id });
    expect(rows).toHaveLength(1);
    expect(iso(rows[0]!.reserved_at)).toBe(T0);
    // Counted once: a standard person still has room for other campaigns after the gap.
    h.clock.advance(72 * HOUR);
    expect((await reserveOk(h, sends, campaign(), { subjects: [id] })).allowed).toEqual([id]);
  });

  it('answers a subject listed twice in one call (also in upper case) once, with one ledger row', async () => {
    const id = await person();
    const body = await reserveOk(h, sends, campaign(), { subjects: [id, id, id.toUpperCase()] });
    expect(body).toEqual({ allowed: [id], denied: [] });
    expect(await sendRows(h.db, { subject: id })).toHaveLength(1);
  });

  it('refuses a person who never agreed to marketing as no_consent and writes no row', async () => {
    const id = await person({ consents: { processing: true, marketing: false } });
    expect(await reserveOk(h, sends, campaign(), { subjects: [id] })).toEqual({ allowed: [], denied: [{ subject: id, reason: 'no_consent' }] });
    expect(await sendRows(h.db, { subject: id })).toHaveLength(0);
  });

  it('refuses a person who unsubscribed by one-click (POST /u/{token})', async () => {
    const id = await person();
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    const click = await h.app.request(`/u/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(click.status).toBe(200);
    const body = await reserveOk(h, sends, campaign(), { subjects: [id] });
    expect(body.allowed).toEqual([]);
    expect(body.denied).toHaveLength(1);
    expect(['suppressed', 'no_consent']).toContain(body.denied[0]!.reason);
    expect(body.denied[0]).not.toHaveProperty('nextAllowedAt');
    expect(await sendRows(h.db, { subject: id })).toHaveLength(0);
  });

  it('refuses a restricted person as restricted and an erased one as suppressed', async () => {
    const restricted = await person();
    const erased = await person();
    await h.db.updateTable('subjects').set({ status: 'restricted' }).where('id', '=', restricted).execute();
    await h.db.updateTable('subjects').set({ status: 'erased', email: null }).where('id', '=', erased).execute();
    const body = await reserveOk(h, sends, campaign(), { subjects: [restricted, erased] });
    expect(body.allowed).toEqual([]);
    expect(reasonOf(body, restricted)).toEqual({ subject: restricted, reason: 'restricted' });
    expect(reasonOf(body, erased)).toEqual({ subject: erased, reason: 'suppressed' });
  });

  it('refuses a second campaign within 72 hours of a sent one as min_gap and allows it at 72 hours', async () => {
    const id = await person();
    const first = campaign();
    await reserveOk(h, sends, first, { subjects: [id] });
    await campaignCall(h, sends, first, 'sent', { subjects: [id] });
    h.clock.set(at(T0, 72 * HOUR - 1000));
    expect(await reserveOk(h, sends, campaign(), { subjects: [id] })).toEqual({
      allowed: [],
      denied: [{ subject: id, reason: 'min_gap', nextAllowedAt: iso(at(T0, 72 * HOUR)) }],
    });
    h.clock.set(at(T0, 72 * HOUR));
    expect((await reserveOk(h, sends, campaign(), { subjects: [id] })).allowed).toEqual([id]);
  });

  it('lets a standard person have three campaigns in 30 days and refuses the fourth as frequency_cap', async () => {
    const id = await person();
    for (let i = 0; i < 3; i++) {
      h.clock.set(at(T0, i * 4 * DAY));
      const cmp = campaign();
      expect((await reserveOk(h, sends, cmp, { subjects: [id] })).allowed).toEqual([id]);
      await campaignCall(h, sends, cmp, 'sent', { subjects: [id] });
    }
    h.clock.set(at(T0, 12 * DAY));
    expect(await reserveOk(h, sends, campaign(), { subjects: [id] })).toEqual({
      allowed: [],
      denied: [{ subject: id, reason: 'frequency_cap', nextAllowedAt: iso(at(T0, 30 * DAY)) }],
    });
  });

  it('refuses a monthly person (PUT preferences) a second campaign within 30 days as frequency_cap, with nextAllowedAt', async () => {
    const id = await person();
    expect((await putPreferences(id, { frequency: 'monthly' })).status).toBe(200);
    const first = campaign();
    await reserveOk(h, sends, first, { subjects: [id] });
    expect((await campaignCall(h, sends, first, 'sent', { subjects: [id] })).status).toBe(200);
    h.clock.set(at(T0, 4 * DAY));
    expect(await reserveOk(h, sends, campaign(), { subjects: [id] })).toEqual({
      allowed: [],
      denied: [{ subject: id, reason: 'frequency_cap', nextAllowedAt: iso(at(T0, 30 * DAY)) }],
    });
    h.clock.set(at(T0, 30 * DAY));
    expect((await reserveOk(h, sends, campaign(), { subjects: [id] })).allowed).toEqual([id]);
  });

  it('refuses a paused person as paused until local midnight of pausedUntil in Moscow', async () => {
    const id = await person();
    expect((await putPreferences(id, { frequency: 'standard', pausedUntil: '2026-03-10' })).status).toBe(200);
    expect(await reserveOk(h, sends, campaign(), { subjects: [id] })).toEqual({
      allowed: [],
      denied: [{ subject: id, reason: 'paused', nextAllowedAt: '2026-03-09T21:00:00.000Z' }],
    });
    h.clock.set('2026-03-09T21:00:00.000Z');
    expect((await reserveOk(h, sends, campaign(), { subjects: [id] })).allowed).toEqual([id]);
  });
});

describe('reservation expiry (CADENCE_RESERVATION_TTL_HOURS, default 24)', () => {
  it('stops counting a reservation after 24 hours and releases it at the next reservation', async () => {
    const id = await person();
    const first = campaign();
    await reserveOk(h, sends, first, { subjects: [id] });
    h.clock.set(at(T0, 23 * HOUR));
    expect(reasonOf(await reserveOk(h, sends, campaign(), { subjects: [id] }), id)?.reason).toBe('min_gap');
    h.clock.set(at(T0, 25 * HOUR));
    const second = campaign();
    expect(await reserveOk(h, sends, second, { subjects: [id] })).toEqual({ allowed: [id], denied: [] });
    const [old] = await sendRows(h.db, { subject: id, campaign: first });
    expect(old).toMatchObject({ status: 'released' });
    expect(iso(old!.released_at!)).toBe(iso(at(T0, 25 * HOUR)));
    expect(await sendRows(h.db, { subject: id, campaign: second })).toMatchObject([{ status: 'reserved' }]);
  });

  it('reserves an expired campaign again in its own row, with a fresh expiry', async () => {
    const id = await person();
    const cmp = campaign();
    await reserveOk(h, sends, cmp, { subjects: [id] });
    h.clock.set(at(T0, 25 * HOUR));
    expect(await reserveOk(h, sends, cmp, { subjects: [id] })).toEqual({ allowed: [id], denied: [] });
    const rows = await sendRows(h.db, { subject: id });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'reserved', released_at: null });
    expect(iso(rows[0]!.reserved_at)).toBe(iso(at(T0, 25 * HOUR)));
    expect(iso(rows[0]!.expires_at)).toBe(iso(at(T0, 49 * HOUR)));
  });

  it('never lets a late /sent on an expired reservation slip past the cap (it is refused, or it counts from its sending time)', async () => {
    const id = await person();
    await putPreferences(id, { frequency: 'monthly' });
    const late = campaign();
    await reserveOk(h, sends, late, { subjects: [id] });
    // Nobody touches this person for 10 days (no sweep, no other reservation); then the mail goes out.
    h.clock.set(at(T0, 10 * DAY));
    const marked = (await (await campaignCall(h, sends, late, 'sent', { subjects: [id] })).json()) as { updated: number; notReserved: string[] };
    h.clock.set(at(T0, 35 * DAY));
    const next = await reserveOk(h, sends, campaign(), { subjects: [id] });
    if (marked.updated === 1) {
      // Accepted as sent on day 10: a monthly person may not get another mail before day 40.
      expect(next).toEqual({ allowed: [], denied: [{ subject: id, reason: 'frequency_cap', nextAllowedAt: iso(at(T0, 40 * DAY)) }] });
    } else {
      expect(marked).toEqual({ updated: 0, notReserved: [id] });
    }
  });

  it('does not let an expired reservation be marked sent after the next reservation released it', async () => {
    const id = await person();
    const first = campaign();
    await reserveOk(h, sends, first, { subjects: [id] });
    h.clock.set(at(T0, 25 * HOUR));
    await reserveOk(h, sends, campaign(), { subjects: [id] });
    const res = await campaignCall(h, sends, first, 'sent', { subjects: [id] });
    expect(await res.json()).toEqual({ updated: 0, notReserved: [id] });
  });
});

describe('POST /v1/campaigns/{campaignId}/sent and /release', () => {
  it('marks a reservation sent with the time, idempotently (the first time is kept)', async () => {
    const id = await person();
    const stranger = await person();
    const cmp = campaign();
    await reserveOk(h, sends, cmp, { subjects: [id] });
    h.clock.set(at(T0, HOUR));
    const first = await campaignCall(h, sends, cmp, 'sent', { subjects: [id, stranger] });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ updated: 1, notReserved: [stranger] });
    h.clock.set(at(T0, 2 * HOUR));
    expect(await (await campaignCall(h, sends, cmp, 'sent', { subjects: [id] })).json()).toEqual({ updated: 1, notReserved: [] });
    const [row] = await sendRows(h.db, { subject: id });
    expect(row).toMatchObject({ status: 'sent' });
    expect(iso(row!.sent_at!)).toBe(iso(at(T0, HOUR)));
  });

  it('keeps a sent mail counting past the reservation expiry, measured from the sending time', async () => {
    const id = await person();
    const cmp = campaign();
    await reserveOk(h, sends, cmp, { subjects: [id] });
    h.clock.set(at(T0, HOUR));
    await campaignCall(h, sends, cmp, 'sent', { subjects: [id] });
    h.clock.set(at(T0, 30 * HOUR));
    expect(await reserveOk(h, sends, campaign(), { subjects: [id] })).toEqual({
      allowed: [],
      denied: [{ subject: id, reason: 'min_gap', nextAllowedAt: iso(at(T0, 73 * HOUR)) }],
    });
    expect(await sendRows(h.db, { subject: id, campaign: cmp })).toMatchObject([{ status: 'sent' }]);
  });

  it('releases a reservation that was not sent, so it no longer counts', async () => {
    const id = await person();
    const cmp = campaign();
    await reserveOk(h, sends, cmp, { subjects: [id] });
    const res = await campaignCall(h, sends, cmp, 'release', { subjects: [id] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ updated: 1, notReserved: [] });
    expect(await sendRows(h.db, { subject: id })).toMatchObject([{ status: 'released' }]);
    expect(await reserveOk(h, sends, campaign(), { subjects: [id] })).toEqual({ allowed: [id], denied: [] });
  });

  it('does not release a sent reservation', async () => {
    const id = await person();
    const cmp = campaign();
    await reserveOk(h, sends, cmp, { subjects: [id] });
    await campaignCall(h, sends, cmp, 'sent', { subjects: [id] });
    expect(await (await campaignCall(h, sends, cmp, 'release', { subjects: [id] })).json()).toEqual({ updated: 0, notReserved: [id] });
    expect(await sendRows(h.db, { subject: id })).toMatchObject([{ status: 'sent' }]);
  });

  it('does not let a released reservation be marked sent', async () => {
    const id = await person();
    const cmp = campaign();
    await reserveOk(h, sends, cmp, { subjects: [id] });
    await campaignCall(h, sends, cmp, 'release', { subjects: [id] });
    expect(await (await campaignCall(h, sends, cmp, 'sent', { subjects: [id] })).json()).toEqual({ updated: 0, notReserved: [id] });
    expect(await sendRows(h.db, { subject: id })).toMatchObject([{ status: 'released' }]);
  });

  it('marks sent and releases by e-mail address too', async () => {
    const a = await person();
    const b = await person();
    const [ea, eb] = await Promise.all(
      [a, b].map(async (id) => (await h.db.selectFrom('subjects').select('email').where('id', '=', id).executeTakeFirstOrThrow()).email!),
    );
    const cmp = campaign();
    await reserveOk(h, sends, cmp, { subjects: [a, b] });
    expect(await (await campaignCall(h, sends, cmp, 'sent', { emails: [ea!.toUpperCase(), 'nobody@example.ru'] })).json()).toEqual({
      updated: 1,
      notReserved: ['nobody@example.ru'],
    });
    expect(await (await campaignCall(h, sends, cmp, 'release', { emails: [eb] })).json()).toEqual({ updated: 1, notReserved: [] });
    expect((await sendRows(h.db, { campaign: cmp })).map((r) => [r.subject_id, r.status]).sort()).toEqual(
      [
        [a, 'sent'],
        [b, 'released'],
      ].sort(),
    );
  });
});

describe('recipients by e-mail address', () => {
  it('resolves addresses (case and surrounding spaces ignored) to subjects and reserves them', async () => {
    const email = `mixed-${++n}@example.ru`;
    const id = await createSubject(h, leads, email);
    const body = await reserveOk(h, sends, campaign(), { emails: [`  ${email.toUpperCase()} `] });
    expect(body).toEqual({ allowed: [id], denied: [] });
    expect(await sendRows(h.db, { subject: id })).toHaveLength(1);
  });

  it('answers an unknown or malformed address as unknown_subject carrying the address, and reserves the known ones', async () => {
    const email = `known-${++n}@example.ru`;
    const id = await createSubject(h, leads, email);
    const before = await countSends(h.db);
    const body = await reserveOk(h, sends, campaign(), { emails: [email, 'nobody-here@example.ru', 'not an address'] });
    expect(body.allowed).toEqual([id]);
    expect(body.denied).toEqual(
      expect.arrayContaining([
        { subject: 'nobody-here@example.ru', email: 'nobody-here@example.ru', reason: 'unknown_subject' },
        { subject: 'not an address', email: 'not an address', reason: 'unknown_subject' },
      ]),
    );
    expect(body.denied).toHaveLength(2);
    expect(await countSends(h.db)).toBe(before + 1);
  });

  it('names the address in a refusal of a known person', async () => {
    const email = `gap-${++n}@example.ru`;
    const id = await createSubject(h, leads, email);
    await reserveOk(h, sends, campaign(), { subjects: [id] });
    const body = await reserveOk(h, sends, campaign(), { emails: [email] });
    expect(body.denied).toEqual([{ subject: id, email, reason: 'min_gap', nextAllowedAt: iso(at(T0, 72 * HOUR)) }]);
  });
});

describe('GET /v1/subjects/{id}/cadence', () => {
  it('shows the sends that count, the limits and the next allowed moment', async () => {
    const id = await person();
    const a = campaign();
    await reserveOk(h, sends, a, { subjects: [id] });
    h.clock.set(at(T0, HOUR));
    await campaignCall(h, sends, a, 'sent', { subjects: [id] });
    h.clock.set(at(T0, 4 * DAY));
    const b = campaign();
    await reserveOk(h, sends, b, { subjects: [id] });
    h.clock.set(at(T0, 4 * DAY + 2 * HOUR));
    expect(await cadenceOf(id)).toEqual({
      subject: id,
      frequency: 'standard',
      pausedUntil: null,
      limits: { preferenceCap: 3, maxPerWindow: 3, windowDays: 30, windowMode: 'rolling', minGapHours: 72 },
      sends: [
        { campaignId: a, topic: null, status: 'sent', at: iso(at(T0, HOUR)) },
        { campaignId: b, topic: null, status: 'reserved', at: iso(at(T0, 4 * DAY)) },
      ],
      sendsByTopic: [{ topic: null, count: 2 }],
      allowedNow: false,
      reason: 'min_gap',
      nextAllowedAt: iso(at(T0, 7 * DAY)),
    });
  });

  it('shows a mailable person as allowed now, with nextAllowedAt = now', async () => {
    const id = await person();
    expect(await cadenceOf(id)).toMatchObject({ subject: id, sends: [], allowedNow: true, nextAllowedAt: T0 });
  });

  it('shows the monthly preference, its cap and the pause', async () => {
    const id = await person();
    await putPreferences(id, { frequency: 'monthly', pausedUntil: '2026-04-01' });
    expect(await cadenceOf(id)).toMatchObject({
      frequency: 'monthly',
      pausedUntil: '2026-04-01',
      limits: { preferenceCap: 1 },
      allowedNow: false,
      reason: 'paused',
      nextAllowedAt: '2026-03-31T21:00:00.000Z',
    });
  });

  it('leaves out released and expired reservations', async () => {
    const id = await person();
    const released = campaign();
    await reserveOk(h, sends, released, { subjects: [id] });
    await campaignCall(h, sends, released, 'release', { subjects: [id] });
    await reserveOk(h, sends, campaign(), { subjects: [id] });
    h.clock.set(at(T0, 25 * HOUR));
    expect(await cadenceOf(id)).toMatchObject({ sends: [], allowedNow: true });
  });

  it('lists only sends inside the 30-day window (one 30 days and 1 hour ago no longer counts)', async () => {
    const id = await person();
    await insertSend(h.db, { campaign: campaign(), subject: id, status: 'sent', reservedAt: at(T0, -30 * DAY - 2 * HOUR), sentAt: at(T0, -30 * DAY - HOUR) });
    const inside = campaign();
    await insertSend(h.db, { campaign: inside, subject: id, status: 'sent', reservedAt: at(T0, -10 * DAY), sentAt: at(T0, -10 * DAY) });
    const view = await cadenceOf(id);
    expect(view.sends).toEqual([{ campaignId: inside, topic: null, status: 'sent', at: iso(at(T0, -10 * DAY)) }]);
    expect(view.allowedNow).toBe(true);
  });

  it('answers 404 for an unknown subject, 401 without a key and 403 without subjects:read or sends:write', async () => {
    expect((await h.app.request(`/v1/subjects/${randomId()}/cadence`, { headers: { authorization: reader } })).status).toBe(404);
    const id = await person();
    expect((await h.app.request(`/v1/subjects/${id}/cadence`)).status).toBe(401);
    expect((await h.app.request(`/v1/subjects/${id}/cadence`, { headers: { authorization: leads } })).status).toBe(403);
    expect((await h.app.request(`/v1/subjects/${id}/cadence`, { headers: { authorization: sends } })).status).toBe(200);
  });
});

describe('PUT /v1/subjects/{id}/preferences', () => {
  const eventsOf = (id: string) =>
    h.db
      .selectFrom('consent_events')
      .select(['purpose', 'action', 'actor_type', 'details', 'occurred_at'])
      .where('subject_id', '=', id)
      .where('action', 'in', ['frequency_changed', 'paused'])
      .orderBy('id')
      .execute();

  it("appends 'frequency_changed' and 'paused' consent events by staff", async () => {
    const id = await person();
    const res = await putPreferences(id, { frequency: 'monthly', pausedUntil: '2026-06-01' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ frequency: 'monthly', pausedUntil: '2026-06-01' });
    const events = await eventsOf(id);
    expect(events.map((e) => [e.purpose, e.action, e.actor_type, e.details])).toEqual([
      ['marketing', 'frequency_changed', 'staff', { from: 'standard', to: 'monthly' }],
      ['marketing', 'paused', 'staff', { from: null, until: '2026-06-01' }],
    ]);
    expect(iso(events[0]!.occurred_at)).toBe(T0);
    const prefs = await h.db.selectFrom('preferences').select(['frequency']).where('subject_id', '=', id).executeTakeFirstOrThrow();
    expect(prefs.frequency).toBe('monthly');
  });

  it('appends nothing when the preferences do not change, and one event per changed field', async () => {
    const id = await person();
    await putPreferences(id, { frequency: 'monthly', pausedUntil: '2026-06-01' });
    await putPreferences(id, { frequency: 'monthly', pausedUntil: '2026-06-01' });
    expect(await eventsOf(id)).toHaveLength(2);
    await putPreferences(id, { frequency: 'monthly', pausedUntil: null });
    const events = await eventsOf(id);
    expect(events).toHaveLength(3);
    expect(events[2]).toMatchObject({ action: 'paused', details: { from: '2026-06-01', until: null } });
  });

  it('refuses an unknown subject with 404 and bad bodies with 422, writing nothing', async () => {
    expect((await putPreferences(randomId(), { frequency: 'monthly' })).status).toBe(404);
    const id = await person();
    for (const body of [
      { frequency: 'weekly' },
      { frequency: 'monthly', pausedUntil: '2026-02-30' },
      { frequency: 'monthly', pausedUntil: '01.06.2026' },
      { frequency: 'monthly', extra: 1 },
      {},
    ]) {
      const res = await putPreferences(id, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    expect(await eventsOf(id)).toHaveLength(0);
  });

  it('refuses a pause date PostgreSQL cannot store (year 0000) with 422, not 500', async () => {
    const id = await person();
    const res = await putPreferences(id, { frequency: 'standard', pausedUntil: '0000-01-01' });
    expect(res.status).toBe(422);
    expect(await eventsOf(id)).toHaveLength(0);
  });

  it('needs subjects:write (403 with sends:write, 401 without a key)', async () => {
    const id = await person();
    expect((await putPreferences(id, { frequency: 'monthly' }, sends)).status).toBe(403);
    expect((await h.app.request(`/v1/subjects/${id}/preferences`, jsonRequest('PUT', { frequency: 'monthly' }))).status).toBe(401);
    expect(await eventsOf(id)).toHaveLength(0);
  });
});

describe('bad input: clear 4xx and nothing reserved', () => {
  const expectRefused = async (res: Response, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  };

  it.each([
    ['an empty subjects list', { subjects: [] }],
    ['an empty emails list', { emails: [] }],
    ['neither subjects nor emails', {}],
    ['unknown fields', { subjects: ['00000000-0000-4000-8000-000000000000'], extra: true }],
    ['subjects that are not a list', { subjects: 'abc' }],
  ])('answers 422 for %s', async (_, body) => {
    const before = await countSends(h.db);
    await expectRefused(await campaignCall(h, sends, campaign(), 'reservations', body), 422);
    expect(await countSends(h.db)).toBe(before);
  });

  it('answers 422 for both subjects and emails, reserving neither', async () => {
    const id = await person();
    const before = await countSends(h.db);
    await expectRefused(await campaignCall(h, sends, campaign(), 'reservations', { subjects: [id], emails: ['x@example.ru'] }), 422);
    expect(await countSends(h.db)).toBe(before);
  });

  it('answers 422 for a list holding one id that is not a uuid, reserving none of the valid ones', async () => {
    const ids = [await person(), await person()];
    const before = await countSends(h.db);
    await expectRefused(await campaignCall(h, sends, campaign(), 'reservations', { subjects: [...ids, 'not-a-uuid'] }), 422);
    expect(await countSends(h.db)).toBe(before);
  });

  it('answers 422 for a campaign id of 201 characters and accepts 200', async () => {
    const id = await person();
    const before = await countSends(h.db);
    await expectRefused(await campaignCall(h, sends, 'x'.repeat(201), 'reservations', { subjects: [id] }), 422);
    expect(await countSends(h.db)).toBe(before);
    expect(await reserveOk(h, sends, 'y'.repeat(200), { subjects: [id] })).toEqual({ allowed: [id], denied: [] });
    expect(await sendRows(h.db, { campaign: 'y'.repeat(200) })).toHaveLength(1);
  });

  it('answers 422 for 100,001 subjects, reserving none of them', async () => {
    const real = await person();
    const subjects = [real, ...Array.from({ length: 100_000 }, randomId)];
    const before = await countSends(h.db);
    await expectRefused(await campaignCall(h, sends, campaign(), 'reservations', { subjects }), 422);
    expect(await countSends(h.db)).toBe(before);
  }, 60_000);

  it('answers 422 for 100,001 addresses', async () => {
    const emails = Array.from({ length: 100_001 }, (_, i) => `bulk-${i}@example.ru`);
    await expectRefused(await campaignCall(h, sends, campaign(), 'reservations', { emails }), 422);
  }, 60_000);

  it('answers 401 without a key and 403 for a key without sends:write, reserving nothing', async () => {
    const id = await person();
    const before = await countSends(h.db);
    await expectRefused(await campaignCall(h, undefined, campaign(), 'reservations', { subjects: [id] }), 401);
    await expectRefused(await campaignCall(h, leads, campaign(), 'reservations', { subjects: [id] }), 403);
    await expectRefused(await campaignCall(h, staff, campaign(), 'sent', { subjects: [id] }), 403);
    await expectRefused(await campaignCall(h, staff, campaign(), 'release', { subjects: [id] }), 403);
    expect(await countSends(h.db)).toBe(before);
  });

  it('answers 415 for a body that is not JSON and 400 for broken JSON', async () => {
    const id = await person();
    const before = await countSends(h.db);
    const cmp = campaign();
    await expectRefused(
      await h.app.request(`/v1/campaigns/${cmp}/reservations`, {
        method: 'POST',
        headers: { authorization: sends, 'content-type': 'text/plain' },
        body: JSON.stringify({ subjects: [id] }),
      }),
      415,
    );
    await expectRefused(await h.app.request(`/v1/campaigns/${cmp}/reservations`, jsonRequest('POST', '{"subjects": [', sends)), 400);
    expect(await countSends(h.db)).toBe(before);
  });

  it('answers 422 on /sent and /release for an empty list or a non-uuid', async () => {
    for (const what of ['sent', 'release'] as const) {
      await expectRefused(await campaignCall(h, sends, campaign(), what, { subjects: [] }), 422);
      await expectRefused(await campaignCall(h, sends, campaign(), what, { subjects: ['nope'] }), 422);
    }
  });
});

describe('rolling window through the route', () => {
  it('counts a send of 23:30 Moscow on January 31st against a monthly person at 00:30 on February 1st', async () => {
    const id = await person();
    await putPreferences(id, { frequency: 'monthly' });
    h.clock.set('2026-01-31T20:30:00.000Z');
    const a = campaign();
    await reserveOk(h, sends, a, { subjects: [id] });
    await campaignCall(h, sends, a, 'sent', { subjects: [id] });
    h.clock.set('2026-01-31T21:30:00.000Z');
    expect(await reserveOk(h, sends, campaign(), { subjects: [id] })).toEqual({
      allowed: [],
      denied: [{ subject: id, reason: 'frequency_cap', nextAllowedAt: '2026-03-02T20:30:00.000Z' }],
    });
  });
});

describe('calendar months through the route (CADENCE_WINDOW_MODE=calendar_month)', () => {
  let c: Harness;
  let cLeads: string;
  let cSends: string;
  beforeAll(async () => {
    c = await createHarness({
      env: { DOUBLE_OPT_IN: 'false', CADENCE_WINDOW_MODE: 'calendar_month', CADENCE_MIN_GAP_HOURS: '0' },
      now: '2026-01-31T20:30:00.000Z',
    });
    cLeads = await c.bearer('leads:write');
    cSends = await c.bearer('sends:write', 'subjects:write', 'subjects:read');
  });
  afterAll(() => c.close());

  it('does not count a send of 23:30 Moscow on the 31st at 00:30 on the 1st, and caps until 00:00 Moscow on March 1st', async () => {
    const id = await createSubject(c, cLeads, 'calendar@example.ru');
    expect((await c.app.request(`/v1/subjects/${id}/preferences`, jsonRequest('PUT', { frequency: 'monthly' }, cSends))).status).toBe(200);
    const a = await reserveOk(c, cSends, 'jan', { subjects: [id] });
    expect(a.allowed).toEqual([id]);
    await campaignCall(c, cSends, 'jan', 'sent', { subjects: [id] });

    c.clock.set('2026-01-31T21:30:00.000Z'); // 00:30 on February 1st in Moscow
    expect(await reserveOk(c, cSends, 'feb-1', { subjects: [id] })).toEqual({ allowed: [id], denied: [] });
    expect(await reserveOk(c, cSends, 'feb-2', { subjects: [id] })).toEqual({
      allowed: [],
      denied: [{ subject: id, reason: 'frequency_cap', nextAllowedAt: '2026-02-28T21:00:00.000Z' }],
    });

    const view = await (await c.app.request(`/v1/subjects/${id}/cadence`, { headers: { authorization: cSends } })).json();
    expect(view).toMatchObject({
      limits: { windowMode: 'calendar_month', preferenceCap: 1 },
      allowedNow: false,
      reason: 'frequency_cap',
      nextAllowedAt: '2026-02-28T21:00:00.000Z',
    });

    c.clock.set('2026-02-28T21:00:00.000Z');
    expect(await reserveOk(c, cSends, 'mar-1', { subjects: [id] })).toEqual({ allowed: [id], denied: [] });
  });

  it('lets a standard person have three in a calendar month and a fourth on the 1st of the next', async () => {
    const id = await createSubject(c, cLeads, 'calendar-standard@example.ru');
    c.clock.set('2026-04-01T00:00:00+03:00');
    for (const cmp of ['apr-a', 'apr-b', 'apr-c']) {
      expect((await reserveOk(c, cSends, cmp, { subjects: [id] })).allowed).toEqual([id]);
      await campaignCall(c, cSends, cmp, 'sent', { subjects: [id] });
    }
    c.clock.set('2026-04-30T23:59:59+03:00');
    expect((await reserveOk(c, cSends, 'apr-d', { subjects: [id] })).denied).toEqual([
      { subject: id, reason: 'frequency_cap', nextAllowedAt: '2026-04-30T21:00:00.000Z' },
    ]);
    c.clock.set('2026-05-01T00:00:00+03:00');
    expect((await reserveOk(c, cSends, 'may-a', { subjects: [id] })).allowed).toEqual([id]);
  });
});

describe('configured limits through the route', () => {
  let c: Harness;
  let cLeads: string;
  let cKey: string;
  beforeAll(async () => {
    c = await createHarness({ env: { DOUBLE_OPT_IN: 'false', CADENCE_RESERVATION_TTL_HOURS: '2', CADENCE_MIN_GAP_HOURS: String(40 * 24) }, now: T0 });
    cLeads = await c.bearer('leads:write');
    cKey = await c.bearer('sends:write', 'subjects:read');
  });
  afterAll(() => c.close());

  it('expires reservations after CADENCE_RESERVATION_TTL_HOURS=2', async () => {
    const id = await createSubject(c, cLeads, 'ttl@example.ru');
    await reserveOk(c, cKey, 'ttl-a', { subjects: [id] });
    const [row] = await sendRows(c.db, { subject: id });
    expect(iso(row!.expires_at)).toBe(iso(at(T0, 2 * HOUR)));
    c.clock.set(at(T0, HOUR));
    expect(reasonOf(await reserveOk(c, cKey, 'ttl-b', { subjects: [id] }), id)?.reason).toBe('min_gap');
    c.clock.set(at(T0, 2 * HOUR));
    expect((await reserveOk(c, cKey, 'ttl-c', { subjects: [id] })).allowed).toEqual([id]);
  });

  it('keeps a 40-day minimum gap, and the cadence view agrees with the reservation', async () => {
    const id = await createSubject(c, cLeads, 'longgap@example.ru');
    c.clock.set(T0);
    await reserveOk(c, cKey, 'gap-a', { subjects: [id] });
    await campaignCall(c, cKey, 'gap-a', 'sent', { subjects: [id] });
    c.clock.set(at(T0, 35 * DAY));
    const expected = { subject: id, reason: 'min_gap', nextAllowedAt: iso(at(T0, 40 * DAY)) };
    expect(await reserveOk(c, cKey, 'gap-b', { subjects: [id] })).toEqual({ allowed: [], denied: [expected] });
    const view = await (await c.app.request(`/v1/subjects/${id}/cadence`, { headers: { authorization: cKey } })).json();
    expect({ allowedNow: view.allowedNow, reason: view.reason, nextAllowedAt: view.nextAllowedAt }).toEqual({
      allowedNow: false,
      reason: expected.reason,
      nextAllowedAt: expected.nextAllowedAt,
    });
  });
});

describe('double opt-in (DOUBLE_OPT_IN=true)', () => {
  let c: Harness;
  beforeAll(async () => {
    c = await createHarness({ now: T0 });
  });
  afterAll(() => c.close());

  it('refuses a pending (unconfirmed) person as no_consent and allows them once they confirm', async () => {
    const id = await createSubject(c, await c.bearer('leads:write'), 'pending@example.ru');
    const key = await c.bearer('sends:write');
    expect(await reserveOk(c, key, 'before-confirm', { subjects: [id] })).toEqual({ allowed: [], denied: [{ subject: id, reason: 'no_consent' }] });
    const token = await c.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: 30 * 86400 });
    expect((await c.app.request(`/c/${token}`, { method: 'POST' })).status).toBe(200);
    expect(await reserveOk(c, key, 'after-confirm', { subjects: [id] })).toEqual({ allowed: [id], denied: [] });
  });
});

describe('sweepLedger', () => {
  // Its own database: the sweep works on the whole ledger, and its counts are exact.
  let c: Harness;
  beforeAll(async () => {
    c = await createHarness({ env: { DOUBLE_OPT_IN: 'false' }, now: T0 });
  });
  afterAll(() => c.close());

  it('deletes rows older than the retention and releases expired reservations, leaving live ones alone', async () => {
    const id = await createSubject(c, await c.bearer('leads:write'), 'sweep@example.ru');
    const now = new Date(T0);
    const retention = c.config.cadence.ledgerRetentionDays;
    expect(retention).toBe(400);
    const rows = {
      oldSent: campaign(),
      oldReleased: campaign(),
      recentSent: campaign(),
      expired: campaign(),
      live: campaign(),
      boundary: campaign(),
    };
    await insertSend(c.db, { campaign: rows.oldSent, subject: id, status: 'sent', reservedAt: at(now, -401 * DAY), sentAt: at(now, -401 * DAY + HOUR) });
    await insertSend(c.db, { campaign: rows.oldReleased, subject: id, status: 'released', reservedAt: at(now, -402 * DAY), releasedAt: at(now, -401 * DAY) });
    await insertSend(c.db, { campaign: rows.boundary, subject: id, status: 'sent', reservedAt: at(now, -400 * DAY - HOUR), sentAt: at(now, -399 * DAY) });
    await insertSend(c.db, { campaign: rows.recentSent, subject: id, status: 'sent', reservedAt: at(now, -10 * DAY), sentAt: at(now, -10 * DAY) });
    await insertSend(c.db, { campaign: rows.expired, subject: id, status: 'reserved', reservedAt: at(now, -30 * HOUR), expiresAt: at(now, -6 * HOUR) });
    await insertSend(c.db, { campaign: rows.live, subject: id, status: 'reserved', reservedAt: at(now, -HOUR), expiresAt: at(now, 23 * HOUR) });

    expect(await sweepLedger(c.db, now, retention)).toEqual({ expired: 1, pruned: 2 });
    const left = new Map((await sendRows(c.db, { subject: id })).map((r) => [r.campaign_id, r]));
    expect([...left.keys()].sort()).toEqual([rows.boundary, rows.recentSent, rows.expired, rows.live].sort());
    expect(left.get(rows.expired)).toMatchObject({ status: 'released' });
    expect(iso(left.get(rows.expired)!.released_at!)).toBe(T0);
    expect(left.get(rows.live)).toMatchObject({ status: 'reserved', released_at: null });
    expect(left.get(rows.recentSent)).toMatchObject({ status: 'sent' });

    // Running it again finds nothing more to do.
    expect(await sweepLedger(c.db, now, retention)).toEqual({ expired: 0, pruned: 0 });
  });
});
