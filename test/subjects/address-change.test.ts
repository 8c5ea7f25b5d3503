import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eraseSubject } from '../../src/erasure/erase.js';
import { runJobs } from '../../src/jobs/run.js';
import { silentLogger } from '../../src/log.js';
import { campaignCall, type ReservationBody } from '../helpers/cadence.js';
import { createHarness, type Harness, jsonRequest, onPostgres } from '../helpers/harness.js';
import { consentState, createConfirmedSubject, eventsOf, snapshotDb } from '../helpers/pages.js';
import { apiKey, deliverDueMail } from '../helpers/rights.js';

/**
 * An address change is confirmed by the new address, tried as an attacker would: someone who
 * holds a forwarded preferences link (or a staff key) and wants a person's confirmed
 * subscription on an address its owner never agreed to, or wants to learn whose an address
 * is. Runs on PGlite, and on PostgreSQL with TEST_DATABASE_URL.
 */

const T0 = '2026-03-02T09:00:00Z';
const P_TTL = 90 * 86400;
const UA = 'Forwarded/1.0 (attacker)';

let h: Harness;
let k: { sends: string; reader: string; writer: { id: string; auth: string } };
beforeAll(async () => {
  h = await createHarness({ now: T0, clientIp: '203.0.113.66' });
  k = { sends: (await apiKey(h, 'sends:write')).auth, reader: (await apiKey(h, 'subjects:read')).auth, writer: await apiKey(h, 'subjects:write') };
});
afterAll(() => h?.close());
beforeEach(() => {
  h.clock.set(T0);
});

const pToken = (id: string) => h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: P_TTL });
const rectifyForm = (token: string, fields: Record<string, string>) =>
  h.app.request(`/p/${token}/rectify`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': UA },
    body: new URLSearchParams(fields).toString(),
  });
const subjectRow = (id: string) => h.db.selectFrom('subjects').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const reserveByEmail = async (campaign: string, email: string) => {
  const res = await campaignCall(h, k.sends, campaign, 'reservations', { emails: [email] });
  expect(res.status).toBe(200);
  return (await res.json()) as ReservationBody;
};
const findByEmail = async (email: string) =>
  (
    (await (await h.app.request(`/v1/subjects?email=${encodeURIComponent(email)}`, { headers: { authorization: k.reader, 'x-purpose': 'test' } })).json()) as {
      subjects: { id: string }[];
    }
  ).subjects.map((s) => s.id);

describe('a forwarded preferences link used to move a confirmed subscription', () => {
  it('keeps the old address in force until the new one confirms; the new address is neither reserved nor subscribed before', async () => {
    const OWNER = 'owner.fw1@victim-example.ru';
    const ATTACKER = 'attacker.fw1@evil-example.ru';
    const id = await createConfirmedSubject(h, OWNER, { firstName: 'Вера' });
    await deliverDueMail(h); // what the sign-up itself sent
    const token = await pToken(id); // the link the owner forwarded

    h.clock.advance(60_000);
    const res = await rectifyForm(token, {
      email: ATTACKER,
      lastName: '',
      firstName: 'Вера',
      patronymic: '',
      phone: '',
      website: '',
      organization: '',
      industry: '',
      city: '',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Подтвердите новый адрес');

    // Nothing moved: the person, their consent and every reservation stay on the old address.
    const row = await subjectRow(id);
    expect(row.email).toBe(OWNER);
    expect(row.email_hash).toBe(await h.deps.hasher.hash(OWNER));
    expect(await consentState(h, id, 'marketing')).toBe('granted');
    expect((await reserveByEmail('fw1-a', OWNER)).allowed).toEqual([id]);
    const denied = await reserveByEmail('fw1-b', ATTACKER);
    expect(denied.allowed).toEqual([]);
    expect(denied.denied.map((d) => d.reason)).toEqual(['unknown_subject']);
    expect(await findByEmail(ATTACKER)).toEqual([]);
    expect(await h.db.selectFrom('subject_addresses').select('email_hash').where('subject_id', '=', id).execute()).toEqual([
      { email_hash: await h.deps.hasher.hash(OWNER) },
    ]);

    // The evidence: who asked, from where, both addresses as keyed hashes only.
    const [requested] = (await eventsOf(h, id)).filter((e) => e.action === 'requested' && e.purpose === null);
    expect(requested).toMatchObject({ actor_type: 'subject', ip: '203.0.113.66', user_agent: UA, source: 'preference-center' });
    expect(requested!.details).toEqual({ change: 'address', from: await h.deps.hasher.hash(OWNER), to: await h.deps.hasher.hash(ATTACKER) });

    // The only mail to the new address is the confirmation; the old address gets nothing yet.
    const mails = await deliverDueMail(h);
    expect(mails.map((m) => [m.to, m.subject])).toEqual([[ATTACKER, 'Подтвердите новый адрес электронной почты']]);
    expect(mails[0]!.text).toContain('Вы подписаны на нашу рекламно-информационную рассылку');
    expect(mails[0]!.text).not.toContain(OWNER);
    // A GET of the confirmation page changes nothing.
    const before = await snapshotDb(h);
    expect((await h.app.request(mails[0]!.links[0]!)).status).toBe(200);
    expect(await snapshotDb(h)).toEqual(before);

    // Once the new address itself confirms, the change happens and the old address is told.
    h.clock.advance(60_000);
    const confirmed = await h.app.request(mails[0]!.links[0]!, { method: 'POST', headers: { 'user-agent': 'NewOwner/2.0' } });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Адрес изменён');
    expect((await subjectRow(id)).email).toBe(ATTACKER);
    expect((await campaignCall(h, k.sends, 'fw1-a', 'release', { subjects: [id] })).status).toBe(200);
    expect((await reserveByEmail('fw1-c', ATTACKER)).allowed).toEqual([id]);
    const addresses = await h.db
      .selectFrom('subject_addresses')
      .select(['email_hash', 'replaced_at'])
      .where('subject_id', '=', id)
      .orderBy('added_at')
      .execute();
    expect(addresses.map((a) => [a.email_hash, a.replaced_at === null])).toEqual([
      [await h.deps.hasher.hash(OWNER), false],
      [await h.deps.hasher.hash(ATTACKER), true],
    ]);
    const after = (await eventsOf(h, id)).slice(-2);
    expect(after.map((e) => [e.purpose, e.action, e.user_agent])).toEqual([
      [null, 'rectified', 'NewOwner/2.0'],
      ['marketing', 'confirmed', 'NewOwner/2.0'],
    ]);
    expect(after[0]!.details).toMatchObject({
      fields: ['email'],
      from: await h.deps.hasher.hash(OWNER),
      to: await h.deps.hasher.hash(ATTACKER),
      confirmedBy: 'new-address',
    });
    expect(after[1]!.details).toEqual({ by: 'address-change-confirmation', address: await h.deps.hasher.hash(ATTACKER) });
    expect(JSON.stringify(await eventsOf(h, id))).not.toMatch(/victim-example|evil-example/);

    const notice = await deliverDueMail(h);
    expect(notice.map((m) => [m.to, m.subject])).toEqual([[OWNER, 'Адрес электронной почты изменён']]);
    expect(notice[0]!.text).not.toContain(ATTACKER);
    // The old address rode in the outbox row only until sent.
    expect(JSON.stringify(await h.db.selectFrom('outbox').select('payload').where('subject_id', '=', id).execute())).not.toContain(OWNER);

    // The link is spent: posting it again writes nothing.
    const spent = await snapshotDb(h);
    expect((await h.app.request(mails[0]!.links[0]!, { method: 'POST' })).status).toBe(409);
    expect(await snapshotDb(h)).toEqual(spent);
  });

  it('a superseded request confirms nothing: only the newest address asked for can become the address', async () => {
    const id = await createConfirmedSubject(h, 'owner.sup@victim-example.ru');
    const token = await pToken(id);
    await deliverDueMail(h);
    expect((await rectifyForm(token, { email: 'first.sup@evil-example.ru' })).status).toBe(200);
    const [first] = await deliverDueMail(h);
    h.clock.advance(60_000);
    expect((await rectifyForm(token, { email: 'second.sup@example.ru' })).status).toBe(200);
    const before = await snapshotDb(h);
    const res = await h.app.request(first!.links[0]!, { method: 'POST' });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('Ничего не изменилось');
    expect(await snapshotDb(h)).toEqual(before);
    expect((await subjectRow(id)).email).toBe('owner.sup@victim-example.ru');
    // Superseded before it went: a queued confirmation for an older request is not sent at all.
    h.clock.advance(60_000);
    expect((await rectifyForm(token, { email: 'third.sup@example.ru' })).status).toBe(200);
    expect((await deliverDueMail(h)).map((m) => m.to)).toEqual(['third.sup@example.ru']);
  });

  it('an expired request confirms nothing, and the jobs delete the address nobody confirmed', async () => {
    const id = await createConfirmedSubject(h, 'owner.exp@victim-example.ru');
    await deliverDueMail(h);
    expect((await rectifyForm(await pToken(id), { email: 'late.exp@example.ru' })).status).toBe(200);
    const [mail] = await deliverDueMail(h);
    h.clock.advance((h.config.linkTtlDays.confirmation + 1) * 86_400_000);
    const res = await h.app.request(mail!.links[0]!, { method: 'POST' });
    expect([409, 410]).toContain(res.status);
    expect((await subjectRow(id)).email).toBe('owner.exp@victim-example.ru');
    expect(await h.db.selectFrom('pending_changes').select('id').where('subject_id', '=', id).execute()).toHaveLength(1);
    await runJobs({ db: h.db, config: h.config, logger: silentLogger, now: () => h.clock.now() });
    expect(await h.db.selectFrom('pending_changes').select('id').where('subject_id', '=', id).execute()).toEqual([]);
  });

  it('an address that became another person\'s before the confirmation: "cannot be completed", nothing merged, nothing taken', async () => {
    const id = await createConfirmedSubject(h, 'owner.race@victim-example.ru');
    await deliverDueMail(h);
    expect((await rectifyForm(await pToken(id), { email: 'contested.race@example.ru' })).status).toBe(200);
    const [mail] = await deliverDueMail(h);
    const other = await createConfirmedSubject(h, 'contested.race@example.ru', { firstName: 'Другой' });
    const otherBefore = await subjectRow(other);
    const res = await h.app.request(mail!.links[0]!, { method: 'POST' });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('Изменение не выполнено');
    expect((await subjectRow(id)).email).toBe('owner.race@victim-example.ru');
    expect(await subjectRow(other)).toEqual(otherBefore);
    expect(await h.db.selectFrom('pending_changes').select('id').where('subject_id', '=', id).execute()).toEqual([]);
  });

  it("an erased person's pending address is deleted with them and its confirmation never goes", async () => {
    const id = await createConfirmedSubject(h, 'owner.er@victim-example.ru');
    await deliverDueMail(h);
    expect((await rectifyForm(await pToken(id), { email: 'pending.er@example.ru' })).status).toBe(200);
    await h.db.transaction().execute((trx) => eraseSubject(trx, id, h.clock.now(), null));
    expect(await h.db.selectFrom('pending_changes').select('id').where('subject_id', '=', id).execute()).toEqual([]);
    expect(await deliverDueMail(h)).toEqual([]);
  });
});

describe("no enumeration: the answer does not say whether the new address is someone else's", () => {
  it("the center answers a free address and another person's with the same status and body, and repeats alike", async () => {
    await createConfirmedSubject(h, 'owned.enum@example.ru');
    const id = await createConfirmedSubject(h, 'asker.enum@example.ru');
    const token = await pToken(id);
    await deliverDueMail(h);
    const answer = async (email: string) => {
      const res = await rectifyForm(token, { email });
      return { status: res.status, body: await res.text() };
    };
    const taken = await answer('owned.enum@example.ru');
    const takenEvents = (await eventsOf(h, id)).length;
    const takenAgain = await answer('OWNED.enum@example.ru');
    expect((await eventsOf(h, id)).length).toBe(takenEvents); // a repeat writes nothing
    const free = await answer('free.enum@example.ru');
    const freeEvents = (await eventsOf(h, id)).length;
    const freeAgain = await answer('free.enum@example.ru');
    expect((await eventsOf(h, id)).length).toBe(freeEvents);
    expect(taken).toEqual(free);
    expect(takenAgain).toEqual(freeAgain);
    expect(taken.status).toBe(200);
    // The person's own ledger (which they can export) reads the same for both.
    const requested = (await eventsOf(h, id)).filter((e) => e.action === 'requested' && e.purpose === null);
    expect(requested.map((e) => Object.keys(e.details as object).sort())).toEqual([
      ['change', 'from', 'to'],
      ['change', 'from', 'to'],
    ]);
    // The owner of the taken address got nothing; the free one got its confirmation.
    expect((await deliverDueMail(h)).map((m) => m.to)).toEqual(['free.enum@example.ru']);
  });

  it("staff PATCH answers 202 alike for a free address and another person's", async () => {
    await createConfirmedSubject(h, 'owned.staff@example.ru');
    const id = await createConfirmedSubject(h, 'asked.staff@example.ru');
    const patch = async (email: string) => {
      const res = await h.app.request(`/v1/subjects/${id}`, jsonRequest('PATCH', { email }, k.writer.auth));
      const body = (await res.json()) as { subject: unknown; changed: string[]; pendingEmail: { email: string; expiresAt: string } };
      return { status: res.status, subject: body.subject, changed: body.changed, expiresAt: body.pendingEmail.expiresAt };
    };
    const taken = await patch('owned.staff@example.ru');
    h.clock.advance(1000);
    const free = await patch('free.staff@example.ru');
    expect(taken.status).toBe(202);
    expect(free.status).toBe(202);
    expect({ ...taken, expiresAt: 0 }).toEqual({ ...free, expiresAt: 0 });
    const [requested] = (await eventsOf(h, id)).filter((e) => e.action === 'requested' && e.purpose === null);
    expect(requested).toMatchObject({ actor_type: 'staff', actor_id: k.writer.id, source: 'staff-api', ip: '203.0.113.66' });
  });
});

describe.skipIf(!onPostgres)('two people confirming a move onto one address at once (PostgreSQL)', () => {
  it('one wins, the other is told it cannot be completed; never two live people on one address', async () => {
    const a = await createConfirmedSubject(h, 'racer.a@example.ru');
    const b = await createConfirmedSubject(h, 'racer.b@example.ru');
    await deliverDueMail(h);
    expect((await rectifyForm(await pToken(a), { email: 'prize.race@example.ru' })).status).toBe(200);
    expect((await rectifyForm(await pToken(b), { email: 'prize.race@example.ru' })).status).toBe(200);
    const links = (await deliverDueMail(h)).map((m) => m.links[0]!);
    expect(links).toHaveLength(2);
    const statuses = (await Promise.all(links.map((l) => h.app.request(l, { method: 'POST' })))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    const owners = await h.db.selectFrom('subjects').select('id').where('email', '=', 'prize.race@example.ru').execute();
    expect(owners).toHaveLength(1);
  });
});
