import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressClaim } from '../../src/confirmation/rules.js';
import { eraseSubject } from '../../src/erasure/erase.js';
import { runErasureJob } from '../../src/erasure/job.js';
import { type JobReport, runJobs } from '../../src/jobs/run.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { deliverEmails } from '../../src/outbox/deliver.js';
import { campaignCall, type ReservationBody } from '../helpers/cadence.js';
import { createHarness, createTestDb, type Harness, jsonRequest, lead, onPostgres } from '../helpers/harness.js';
import { consentState, eventsOf, readFeedJson, snapshotDb } from '../helpers/pages.js';
import {
  apiKey,
  deliverDueMail,
  fileDelivery,
  fileRequest,
  fileRequestOk,
  findValues,
  type RequestOut,
  registerPerson,
  sendDueMail,
  textColumns,
  waitUntilBlockedOn,
} from '../helpers/rights.js';

const START = '2026-03-02T09:00:00Z';
const HOUR = 3_600_000;
/** Long enough for the erasure job to take a request filed now (ERASURE_GRACE_HOURS, 24 by default). */
const ERASURE_WAIT = 25 * HOUR;

/** Runs every job once with a capturing logger; returns the report and the log lines. */
async function jobs(h: Harness): Promise<{ report: JobReport; lines: string[]; mails: string[] }> {
  const lines: string[] = [];
  const { delivery, mails } = fileDelivery(h);
  const report = await runJobs({ db: h.db, config: h.config, logger: createLogger('debug', (l) => lines.push(l)), now: () => h.clock.now(), delivery });
  return { report, lines, mails: mails() };
}

/** Runs the erasure job alone, then sends the notices it queued (as runJobs does). */
async function eraseDue(h: Harness): Promise<{ erased: number }> {
  const r = await runErasureJob(h.db, { now: () => h.clock.now(), logger: silentLogger });
  await sendDueMail(h);
  return r;
}

async function confirmVia(h: Harness, id: string, userAgent?: string) {
  const c = await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: 30 * 86400 });
  const res = await h.app.request(`/c/${c}`, { method: 'POST', headers: userAgent ? { 'user-agent': userAgent } : {} });
  expect(res.status).toBe(200);
}

async function oneClick(h: Harness, id: string, userAgent: string) {
  const u = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'spring-sale' });
  const res = await h.app.request(`/u/${u}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': userAgent },
    body: 'List-Unsubscribe=One-Click',
  });
  expect(res.status).toBe(200);
}

const reserve = async (h: Harness, auth: string, campaign: string, subject: string) => {
  const res = await campaignCall(h, auth, campaign, 'reservations', { subjects: [subject] });
  expect(res.status).toBe(200);
  return (await res.json()) as ReservationBody;
};

describe('erasing a person who left every kind of trace', () => {
  // Everything the person gave us or that was recorded about them, each value distinctive
  // enough that finding it anywhere can only mean it was not erased.
  const EMAIL_AS_TYPED = 'Zelda.Q7F3-Erasure@Erase-Example.RU';
  const EMAIL = 'zelda.q7f3-erasure@erase-example.ru';
  const PROFILE = {
    lastName: 'Стиранова-Кв7ф3',
    firstName: 'Зельдамира',
    patronymic: 'Удаляевна-Кв7ф3',
    phone: '+7 (912) 735-17-93',
    website: 'https://zelda-q7f3.example/portfolio',
    organization: 'ООО «Бесследно-Q7F3»',
    industry: 'Исчезновение данных Q7F3',
    city: 'Забытинск-Q7F3',
  };
  const LEAD_IP = '192.0.2.147';
  const LEAD_UA = 'Mozilla/5.0 (ZeldaOS 7.3; LeadForm-Q7F3) Gecko/20100101';
  const CLIENT_IP = '203.0.113.219';
  const CONFIRM_UA = 'ZeldaMail-Confirm/2.0 (Q7F3-confirm)';
  const CLICK_UA = 'ZeldaMail-OneClick/3.1 (Q7F3-click)';
  const APPEAL = 'Прошу пересмотреть решение об отказе. Кодовое слово: APPEAL-SECRET-Q7F3. <b>Спасибо!</b>';
  // What staff type about the person's requests: reasons to extend, complete or reject.
  const EXTEND_REASON = 'Ждём копию паспорта Зельдамиры, STAFF-NOTE-EXT-Q7F3';
  const REJECT_REASON = 'Отказано: запрос не от владельца адреса, STAFF-NOTE-REJ-Q7F3';
  const VALUES = [
    EMAIL,
    'zelda.q7f3-erasure',
    ...Object.values(PROFILE),
    LEAD_IP,
    LEAD_UA,
    CLIENT_IP,
    CONFIRM_UA,
    CLICK_UA,
    APPEAL,
    'APPEAL-SECRET-Q7F3',
    'STAFF-NOTE-EXT-Q7F3',
    'STAFF-NOTE-REJ-Q7F3',
  ];

  let h: Harness;
  let id: string;
  let hash: string;
  let erasure: RequestOut;
  let appeal: RequestOut;
  let eventsBefore: Awaited<ReturnType<typeof eventsOf>>;
  let hitsBefore: Awaited<ReturnType<typeof findValues>>;
  let seqBefore: number;
  let firstRun: Awaited<ReturnType<typeof jobs>>;
  let erasedAt: Date;
  let keys: Record<'leads' | 'manage' | 'supw' | 'reader' | 'sends', { id: string; auth: string }>;

  beforeAll(async () => {
    h = await createHarness({ now: START, clientIp: CLIENT_IP });
    keys = {
      leads: await apiKey(h, 'leads:write'),
      manage: await apiKey(h, 'requests:manage'),
      supw: await apiKey(h, 'suppressions:write'),
      reader: await apiKey(h, 'subjects:read'),
      sends: await apiKey(h, 'sends:write'),
    };
    hash = await h.deps.hasher.hash(EMAIL);

    // The lead form, with every field, the visitor's IP and browser.
    id = await registerPerson(h, keys.leads.auth, EMAIL_AS_TYPED, { ...PROFILE, ip: LEAD_IP, userAgent: LEAD_UA, source: 'site:contact-form' });
    // Double opt-in: confirmed from the mailbox (the service records the client IP and UA).
    h.clock.advance(HOUR);
    await confirmVia(h, id, CONFIRM_UA);
    // A free-text appeal arrives by e-mail.
    h.clock.advance(HOUR);
    appeal = await fileRequestOk(h, keys.manage.auth, id, { type: 'appeal', body: APPEAL });
    // An access request staff extend, and another they reject, each with a reason naming the person.
    const access = await fileRequestOk(h, keys.manage.auth, id, { type: 'access' });
    const extended = await h.app.request(`/v1/requests/${access.id}/extend`, jsonRequest('POST', { reason: EXTEND_REASON }, keys.manage.auth));
    expect(extended.status).toBe(200);
    const rectification = await fileRequestOk(h, keys.manage.auth, id, { type: 'rectification' });
    const rejected = await h.app.request(`/v1/requests/${rectification.id}/reject`, jsonRequest('POST', { reason: REJECT_REASON }, keys.manage.auth));
    expect(rejected.status).toBe(200);
    // Support suppresses the address by hand, with a note naming the caller.
    h.clock.advance(HOUR);
    const manual = await h.app.request(
      '/v1/suppressions',
      jsonRequest('POST', { entries: [{ email: EMAIL_AS_TYPED, note: `Звонок: ${PROFILE.lastName}, ${PROFILE.phone}` }] }, keys.supw.auth),
    );
    expect(manual.status).toBe(200);
    expect(await manual.json()).toEqual({ added: 1, unchanged: 0 });
    // And the person clicks one-click unsubscribe in their mailbox.
    h.clock.advance(HOUR);
    await oneClick(h, id, CLICK_UA);
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');

    const feed = await readFeedJson(h);
    const rec = feed.records.find((r) => r.hash === hash)!;
    expect(rec).toMatchObject({ email: EMAIL, active: true, reason: 'manual' });
    seqBefore = rec.seq;

    eventsBefore = await eventsOf(h, id);
    hitsBefore = await findValues(h.db, VALUES);

    // Staff files the erasure request that arrived by e-mail; the job erases.
    h.clock.advance(HOUR);
    erasure = await fileRequestOk(h, keys.manage.auth, id, { type: 'erasure' });
    h.clock.advance(ERASURE_WAIT);
    erasedAt = h.clock.now();
    firstRun = await jobs(h);
  });
  afterAll(() => h?.close());

  it("the scan sees every one of the person's values before erasure (so an empty scan afterwards means something)", () => {
    const missing = VALUES.filter((v) => !hitsBefore.some((x) => x.value === v));
    expect(missing).toEqual([]);
    const where = new Set(hitsBefore.map((x) => `${x.table}.${x.column}`));
    for (const c of [
      'subjects.email',
      'suppressions.email',
      'suppressions.note',
      'consent_events.ip',
      'consent_events.user_agent',
      'requests.body',
      'requests.status_reason',
      'requests.extensions',
    ]) {
      expect(where).toContain(c);
    }
  });

  it('scans text, json and array columns of every table, including the ledger, requests, suppressions, outbox and audit log', async () => {
    const cols = (await textColumns(h.db)).map((c) => `${c.table}.${c.column}`);
    expect(cols).toEqual(
      expect.arrayContaining([
        'subjects.email',
        'subjects.last_name',
        'subjects.city',
        'consent_events.ip',
        'consent_events.user_agent',
        'consent_events.details',
        'requests.body',
        'requests.status_reason',
        'requests.extensions',
        'suppressions.email',
        'suppressions.note',
        'outbox.payload',
        'outbox.last_error',
        'audit_log.purpose',
        'disclosures.data_disclosed',
        'api_keys.scopes',
      ]),
    );
  });

  it('the job reports one erasure and logs the request id, not the address', () => {
    expect(firstRun.report.erased).toBe(1);
    const done = firstRun.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'erasure completed');
    expect(done).toMatchObject({ request: erasure.id, subject: id });
    for (const line of firstRun.lines) {
      for (const v of VALUES) expect(line.toLowerCase()).not.toContain(v.toLowerCase());
    }
  });

  it('vacuums the tables it changed after the batch, outside any transaction, without a failure', async () => {
    expect(firstRun.lines.filter((l) => l.includes('vacuum'))).toEqual([]);
    if (onPostgres) {
      const r = await sql<{ relname: string; n: string }>`
        select relname, vacuum_count::text as n from pg_stat_user_tables
        where schemaname = current_schema() and relname in ('subjects', 'consent_events', 'suppressions', 'requests', 'audit_log', 'outbox')`.execute(h.db);
      expect(r.rows).toHaveLength(6);
      for (const row of r.rows) expect([row.relname, Number(row.n) > 0]).toEqual([row.relname, true]);
    }
  });

  it('tells the person it is done, in their language, and the notice keeps no copy of the address once sent', async () => {
    const parsed = await Promise.all(firstRun.mails.map((m) => simpleParser(m)));
    const notice = parsed.find((m) => m.subject === 'Ваши данные удалены');
    expect(notice?.to && 'text' in notice.to ? notice.to.text : null).toBe(EMAIL);
    expect(notice?.text).toContain('удалили все ваши персональные данные');
    const row = await h.db
      .selectFrom('outbox')
      .select(['status', 'payload'])
      .where('kind', '=', 'erasure-completed')
      .where('subject_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('done');
    expect(row.payload).toEqual({ requestId: erasure.id, locale: 'ru', completedAt: erasedAt.toISOString() });
  });

  it("leaves none of the person's values anywhere: full-table scan of every text column of every table", async () => {
    expect(await findValues(h.db, VALUES)).toEqual([]);
  });

  it('blanks every personal field and marks the subject erased, keeping the id and the keyed hash', async () => {
    const s = await h.db.selectFrom('subjects').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(s).toMatchObject({
      email: null,
      last_name: null,
      first_name: null,
      patronymic: null,
      phone: null,
      website: null,
      organization: null,
      industry: null,
      city: null,
      status: 'erased',
      email_hash: hash,
    });
    expect(new Date(s.erased_at!).toISOString()).toBe(erasedAt.toISOString());
    expect(await consentState(h, id, 'processing')).toBe('withdrawn');
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect(await h.db.selectFrom('preferences').selectAll().where('subject_id', '=', id).execute()).toEqual([]);
  });

  it('keeps the ledger as evidence (same events, no IP or user agent) plus one "erased" event naming the request', async () => {
    const after = await eventsOf(h, id);
    const beforeIds = eventsBefore.map((e) => e.id);
    // The channel stays as evidence; the lead form's own free text (`source` of what came
    // through the API) goes.
    expect(after.slice(0, eventsBefore.length).map((e) => [e.id, e.action, e.purpose, e.actor_type, e.source])).toEqual(
      eventsBefore.map((e) => [e.id, e.action, e.purpose, e.actor_type, e.actor_id?.startsWith('via-key:') ? null : e.source]),
    );
    expect(eventsBefore.some((e) => e.source === 'site:contact-form')).toBe(true);
    expect(after.some((e) => e.source === 'site:contact-form')).toBe(false);
    expect(beforeIds.length).toBeGreaterThan(0);
    for (const e of after) {
      expect(e.ip).toBeNull();
      expect(e.user_agent).toBeNull();
    }
    expect(after.map((e) => e.action)).toEqual(expect.arrayContaining(['granted', 'confirmed', 'unsubscribed', 'withdrawn', 'erasure_requested', 'erased']));
    const erased = after.filter((e) => e.action === 'erased');
    expect(erased).toHaveLength(1);
    expect(erased[0]).toMatchObject({ actor_type: 'system', details: { requestId: erasure.id } });
    expect(new Date(erased[0]!.occurred_at).toISOString()).toBe(erasedAt.toISOString());
  });

  it('completes the erasure request with completed_at and keeps its times; the appeal stays without its text', async () => {
    const r = await h.db.selectFrom('requests').selectAll().where('id', '=', erasure.id).executeTakeFirstOrThrow();
    expect(r).toMatchObject({ type: 'erasure', status: 'completed', channel: 'staff', subject_id: id });
    expect(new Date(r.completed_at!).toISOString()).toBe(erasedAt.toISOString());
    expect(new Date(r.received_at).toISOString()).toBe(erasure.receivedAt);
    expect(new Date(r.due_at).toISOString()).toBe(erasure.dueAt);
    const a = await h.db.selectFrom('requests').selectAll().where('id', '=', appeal.id).executeTakeFirstOrThrow();
    expect(a).toMatchObject({ type: 'appeal', body: null });
  });

  it('keeps the suppression by hash, active, without the address or note; the feed re-issues it under a new seq without `email`', async () => {
    const sup = await h.db.selectFrom('suppressions').selectAll().where('hash', '=', hash).executeTakeFirstOrThrow();
    // A manual (staff-only) reason says more than "erased", so it is kept.
    expect(sup).toMatchObject({ active: true, email: null, note: null, reason: 'manual' });

    const feed = await readFeedJson(h);
    const recs = feed.records.filter((r) => r.hash === hash);
    expect(recs).toHaveLength(1);
    expect(recs[0]!.active).toBe(true);
    expect(recs[0]!.seq).toBeGreaterThan(seqBefore);
    expect(recs[0]).not.toHaveProperty('email');
    expect(JSON.stringify(feed)).not.toContain(EMAIL);
  });

  it('re-running the job changes nothing, and erasing again directly is a no-op', async () => {
    await readFeedJson(h); // settle feed sequencing first, so the snapshot compares only the job's writes
    const before = await snapshotDb(h);
    h.clock.advance(HOUR);
    const again = await jobs(h);
    expect(again.report.erased).toBe(0);
    expect(await runErasureJob(h.db, { now: () => h.clock.now(), logger: silentLogger })).toEqual({ erased: 0 });
    expect(await eraseSubject(h.db, id, h.clock.now(), null)).toBe(false);
    expect(await snapshotDb(h)).toEqual(before);
    expect((await eventsOf(h, id)).filter((e) => e.action === 'erased')).toHaveLength(1);
  });

  it('staff sees an erased shell: no fields by id, nobody when searching the address, and no new request can be filed', async () => {
    const res = await h.app.request(`/v1/subjects/${id}`, { headers: { authorization: keys.reader.auth, 'x-purpose': 'erasure check' } });
    expect(res.status).toBe(200);
    const p = (await res.json()) as Record<string, unknown>;
    expect(p).toMatchObject({ id, status: 'erased', email: null, lastName: null, firstName: null, phone: null, city: null });
    const found = await h.app.request(`/v1/subjects?email=${encodeURIComponent(EMAIL)}`, {
      headers: { authorization: keys.reader.auth, 'x-purpose': 'erasure check' },
    });
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({ subjects: [] });
    const more = await h.app.request(`/v1/subjects/${id}/requests`, jsonRequest('POST', { type: 'access' }, keys.manage.auth));
    expect(more.status).toBe(404);
  });

  it('a new lead with the same address creates a new subject that stays suppressed: pending, and a manual entry survives confirmation', async () => {
    h.clock.advance(24 * HOUR);
    const res = await h.app.request('/v1/subjects', jsonRequest('POST', lead(EMAIL_AS_TYPED, { firstName: 'Новая' }), keys.leads.auth));
    expect(res.status).toBe(201);
    const fresh = (await res.json()) as { id: string; consents: { marketing: string } };
    expect(fresh.id).not.toBe(id);
    expect(fresh.consents.marketing).toBe('pending');
    expect(await h.db.selectFrom('suppressions').select(['active', 'reason']).where('hash', '=', hash).executeTakeFirstOrThrow()).toEqual({
      active: true,
      reason: 'manual',
    });
    expect((await reserve(h, keys.sends.auth, 'after-erasure-1', fresh.id)).allowed).toEqual([]);

    await confirmVia(h, fresh.id);
    expect(await consentState(h, fresh.id, 'marketing')).toBe('granted');
    // Only staff lift a manual entry: the person's own confirmation does not.
    expect(await h.db.selectFrom('suppressions').select(['active', 'reason']).where('hash', '=', hash).executeTakeFirstOrThrow()).toEqual({
      active: true,
      reason: 'manual',
    });
    expect(await reserve(h, keys.sends.auth, 'after-erasure-2', fresh.id)).toEqual({
      allowed: [],
      denied: [expect.objectContaining({ subject: fresh.id, reason: 'suppressed' })],
    });

    // The erased shell is untouched by the newcomer.
    expect(await h.db.selectFrom('subjects').select(['status', 'email']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({
      status: 'erased',
      email: null,
    });
  });
});

describe("erasure after the person's own acts (withdrawal link), double opt-in off", () => {
  const EMAIL = 'own-acts.k2p9@erase-example.ru';
  let h: Harness;
  let keys: { leads: string; sends: string };
  let id: string;
  let hash: string;

  beforeAll(async () => {
    h = await createHarness({ now: START, env: { DOUBLE_OPT_IN: 'false' } });
    keys = { leads: (await apiKey(h, 'leads:write')).auth, sends: (await apiKey(h, 'sends:write')).auth };
    id = await registerPerson(h, keys.leads, EMAIL, { lastName: 'Собственнова-K2P9', ip: '198.18.4.77', userAgent: 'OwnActs/1.0 K2P9' });
    hash = await h.deps.hasher.hash(EMAIL);
    expect(await consentState(h, id, 'marketing')).toBe('granted');
  });
  afterAll(() => h?.close());

  it('withdrawal by link files the erasure; the job erases and the suppression reason becomes "erased"', async () => {
    await oneClick(h, id, 'OwnActs-Click/1.0 K2P9');
    expect(await h.db.selectFrom('suppressions').select(['reason', 'active']).where('hash', '=', hash).executeTakeFirstOrThrow()).toEqual({
      reason: 'unsubscribed',
      active: true,
    });
    const w = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: 365 * 86400 });
    expect(
      (await h.app.request(`/w/${w}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=yes' })).status,
    ).toBe(200);
    const [req] = await h.db.selectFrom('requests').selectAll().where('subject_id', '=', id).execute();
    expect(req).toMatchObject({ type: 'erasure', status: 'received', channel: 'link' });

    h.clock.advance(HOUR);
    expect(await eraseDue(h)).toEqual({ erased: 1 });
    expect(await h.db.selectFrom('suppressions').select(['reason', 'active', 'email']).where('hash', '=', hash).executeTakeFirstOrThrow()).toEqual({
      reason: 'erased',
      active: true,
      email: null,
    });
    expect(await h.db.selectFrom('requests').select(['status']).where('id', '=', req!.id).executeTakeFirstOrThrow()).toEqual({ status: 'completed' });
    expect(await findValues(h.db, [EMAIL, 'Собственнова-K2P9', '198.18.4.77', 'OwnActs/1.0 K2P9', 'OwnActs-Click/1.0 K2P9'])).toEqual([]);
    const rec = (await readFeedJson(h)).records.find((r) => r.hash === hash)!;
    expect(rec).toMatchObject({ reason: 'erased', active: true });
    expect(rec).not.toHaveProperty('email');
  });

  it('a new lead with the address is a new subject held pending (even with double opt-in off) and suppressed until confirmed', async () => {
    h.clock.advance(24 * HOUR);
    const res = await h.app.request('/v1/subjects', jsonRequest('POST', lead(EMAIL), keys.leads));
    expect(res.status).toBe(201);
    const fresh = (await res.json()) as { id: string; consents: { marketing: string } };
    expect(fresh.id).not.toBe(id);
    expect(fresh.consents.marketing).toBe('pending');
    expect((await h.db.selectFrom('suppressions').select(['active']).where('hash', '=', hash).executeTakeFirstOrThrow()).active).toBe(true);
    expect((await reserve(h, keys.sends, 'k2p9-a', fresh.id)).allowed).toEqual([]);

    await confirmVia(h, fresh.id);
    expect(await consentState(h, fresh.id, 'marketing')).toBe('granted');
    expect((await h.db.selectFrom('suppressions').select(['active']).where('hash', '=', hash).executeTakeFirstOrThrow()).active).toBe(false);
    const rec = (await readFeedJson(h)).records.find((r) => r.hash === hash)!;
    expect(rec.active).toBe(false);
    expect((await reserve(h, keys.sends, 'k2p9-b', fresh.id)).allowed).toEqual([fresh.id]);
  });

  it('the consent ledger refuses DELETE and changes to anything but blanking IP, user agent and details', async () => {
    const other = await registerPerson(h, keys.leads, 'ledger-guard.k2p9@erase-example.ru', {
      ip: '198.18.9.9',
      userAgent: 'Guard/1.0',
      source: 'site:guard-form',
    });
    const [ev] = await eventsOf(h, other);
    const count = async () => (await eventsOf(h, other)).length;
    const n = await count();

    await expect(sql`delete from consent_events where subject_id = ${other}`.execute(h.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from consent_events where id = ${ev!.id}`.execute(h.db)).rejects.toThrow(/append-only/);
    await expect(sql`update consent_events set action = 'withdrawn' where id = ${ev!.id}`.execute(h.db)).rejects.toThrow(/append-only/);
    await expect(sql`update consent_events set occurred_at = occurred_at - interval '1 day' where id = ${ev!.id}`.execute(h.db)).rejects.toThrow(/append-only/);
    await expect(sql`update consent_events set ip = '10.0.0.1' where id = ${ev!.id}`.execute(h.db)).rejects.toThrow(/append-only/);
    await expect(sql`update consent_events set subject_id = ${id} where id = ${ev!.id}`.execute(h.db)).rejects.toThrow(/append-only/);
    await expect(sql`update consent_events set source = 'forged-source' where id = ${ev!.id}`.execute(h.db)).rejects.toThrow(/append-only/);
    expect(await count()).toBe(n);
    expect((await eventsOf(h, other))[0]).toMatchObject({ action: ev!.action, ip: '198.18.9.9', user_agent: 'Guard/1.0' });

    // Blanking the personal parts is the one change allowed (it is what erasure does).
    await sql`update consent_events set ip = null, user_agent = null, source = null where id = ${ev!.id}`.execute(h.db);
    expect((await eventsOf(h, other))[0]).toMatchObject({ action: ev!.action, ip: null, user_agent: null, source: null });
    await expect(sql`update consent_events set source = 'back-again' where id = ${ev!.id}`.execute(h.db)).rejects.toThrow(/append-only/);
  });
});

describe('erasure of an address the person had before a rectification', () => {
  let h: Harness;
  let k: { leads: string; write: string; manage: string; supw: string };
  beforeAll(async () => {
    h = await createHarness({ now: START });
    k = {
      leads: (await apiKey(h, 'leads:write')).auth,
      write: (await apiKey(h, 'subjects:write')).auth,
      manage: (await apiKey(h, 'requests:manage')).auth,
      supw: (await apiKey(h, 'suppressions:write')).auth,
    };
  });
  afterAll(() => h?.close());

  async function rectifyThenErase(id: string, newEmail: string) {
    const p = await h.app.request(`/v1/subjects/${id}`, jsonRequest('PATCH', { email: newEmail }, k.write));
    expect(p.status).toBe(202);
    // The new address takes effect once confirmed from it; the old one gets its notice.
    const [confirm] = (await deliverDueMail(h)).filter((m) => m.to === newEmail);
    expect((await h.app.request(confirm!.links[0]!, { method: 'POST' })).status).toBe(200);
    expect((await deliverDueMail(h)).map((m) => m.subject)).toContain('Адрес электронной почты изменён');
    await fileRequestOk(h, k.manage, id, { type: 'erasure' });
    h.clock.advance(HOUR);
    expect(await eraseDue(h)).toEqual({ erased: 1 });
  }

  it('leaves no trace of the old address the person unsubscribed under, and keeps its hash suppressed', async () => {
    const OLD = 'before-rectify.t5v8@erase-example.ru';
    const id = await registerPerson(h, k.leads, OLD);
    await oneClick(h, id, 'T5V8-click');
    await rectifyThenErase(id, 'after-rectify.t5v8@erase-example.ru');
    expect(await findValues(h.db, [OLD, 'after-rectify.t5v8@erase-example.ru', 'T5V8-click'])).toEqual([]);
    const oldHash = await h.deps.hasher.hash(OLD);
    expect(await h.db.selectFrom('suppressions').select(['active', 'email']).where('hash', '=', oldHash).executeTakeFirstOrThrow()).toEqual({
      active: true,
      email: null,
    });
  });

  it('leaves no trace of the old address when staff had suppressed it by hand before the person registered', async () => {
    const OLD = 'premanual.w3z6@erase-example.ru';
    const manual = await h.app.request('/v1/suppressions', jsonRequest('POST', { entries: [{ email: OLD }] }, k.supw));
    expect(manual.status).toBe(200);
    const id = await registerPerson(h, k.leads, OLD);
    await rectifyThenErase(id, 'postmanual.w3z6@erase-example.ru');
    // The hash must stay suppressed; the address itself must be gone.
    const oldHash = await h.deps.hasher.hash(OLD);
    expect((await h.db.selectFrom('suppressions').select(['active']).where('hash', '=', oldHash).executeTakeFirstOrThrow()).active).toBe(true);
    expect(await findValues(h.db, [OLD, 'postmanual.w3z6@erase-example.ru'])).toEqual([]);
  });
});

describe('erasure while the notice to an old address is still queued', () => {
  let h: Harness;
  afterAll(() => h?.close());

  it('cancels the address-changed notice and keeps no copy of the old address it carried', async () => {
    h = await createHarness({ now: START });
    const leads = (await apiKey(h, 'leads:write')).auth;
    const write = (await apiKey(h, 'subjects:write')).auth;
    const manage = (await apiKey(h, 'requests:manage')).auth;
    const OLD = 'queued-old.q7r2@erase-example.ru';
    const NEW = 'queued-new.q7r2@erase-example.ru';
    const id = await registerPerson(h, leads, OLD);
    expect((await h.app.request(`/v1/subjects/${id}`, jsonRequest('PATCH', { email: NEW }, write))).status).toBe(202);
    const [confirm] = (await deliverDueMail(h)).filter((m) => m.to === NEW);
    expect((await h.app.request(confirm!.links[0]!, { method: 'POST' })).status).toBe(200);
    // The notice to the old address is queued, not sent, when the erasure is filed and runs.
    const queued = await h.db
      .selectFrom('outbox')
      .select(['status'])
      .where('subject_id', '=', id)
      .where('kind', '=', 'address-changed')
      .executeTakeFirstOrThrow();
    expect(queued.status).toBe('pending');
    expect(await findValues(h.db, [OLD])).not.toEqual([]);
    await fileRequestOk(h, manage, id, { type: 'erasure' });
    h.clock.advance(25 * HOUR);
    expect(await eraseDue(h)).toEqual({ erased: 1 });
    expect(await findValues(h.db, [OLD, NEW])).toEqual([]);
    expect(
      (await h.db.selectFrom('outbox').select(['status']).where('subject_id', '=', id).where('kind', '=', 'address-changed').executeTakeFirstOrThrow()).status,
    ).toBe('dead');
  });
});

describe('erasure after a crash midway', () => {
  let h: Harness;
  let leads: string;
  let manage: string;
  beforeAll(async () => {
    h = await createHarness({ now: START, handle: await createTestDb({ poolMax: 4 }) });
    leads = (await apiKey(h, 'leads:write')).auth;
    manage = (await apiKey(h, 'requests:manage')).auth;
  });
  afterAll(() => h?.close());

  const claim = (db: Harness['db']) =>
    sql<{ id: string; subject_id: string }>`
      select id, subject_id from requests
      where type = 'erasure' and status in ('received', 'in_progress')
      order by due_at limit 1
      for update skip locked`.execute(db);

  it('a claim that erased and then rolled back leaves the person un-erased and the request open; the next run erases them', async () => {
    const email = 'crash.m4n1@erase-example.ru';
    const id = await registerPerson(h, leads, email, { city: 'Крашбург-M4N1', ip: '198.18.7.7' });
    const req = await fileRequestOk(h, manage, id, { type: 'erasure' });

    await expect(
      h.db.transaction().execute(async (trx) => {
        const r = (await claim(trx)).rows[0];
        expect(r).toEqual({ id: req.id, subject_id: id });
        expect(await eraseSubject(trx, id, h.clock.now(), req.id)).toBe(true);
        expect((await trx.selectFrom('subjects').select('email').where('id', '=', id).executeTakeFirstOrThrow()).email).toBeNull();
        throw new Error('simulated crash after erasing, before completing the request');
      }),
    ).rejects.toThrow('simulated crash');

    expect(await h.db.selectFrom('subjects').select(['email', 'city', 'status']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({
      email,
      city: 'Крашбург-M4N1',
      status: 'active',
    });
    expect(await h.db.selectFrom('requests').select(['status', 'completed_at']).where('id', '=', req.id).executeTakeFirstOrThrow()).toEqual({
      status: 'received',
      completed_at: null,
    });
    expect((await eventsOf(h, id)).filter((e) => e.action === 'erased')).toEqual([]);
    expect((await eventsOf(h, id)).some((e) => e.ip === '198.18.7.7')).toBe(true);

    h.clock.advance(HOUR);
    expect(await eraseDue(h)).toEqual({ erased: 1 });
    expect(await h.db.selectFrom('subjects').select(['email', 'city', 'status']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({
      email: null,
      city: null,
      status: 'erased',
    });
    expect(await h.db.selectFrom('requests').select(['status']).where('id', '=', req.id).executeTakeFirstOrThrow()).toEqual({ status: 'completed' });
    expect((await eventsOf(h, id)).filter((e) => e.action === 'erased')).toHaveLength(1);
    expect(await findValues(h.db, [email, 'Крашбург-M4N1', '198.18.7.7'])).toEqual([]);
  });

  it.skipIf(!onPostgres)(
    'on PostgreSQL: while one worker holds a claim, another skips it; after that worker crashes, the next run erases the person',
    async () => {
      const email = 'crash.held.m4n1@erase-example.ru';
      const id = await registerPerson(h, leads, email, { city: 'Держиград-M4N1' });
      const req = await fileRequestOk(h, manage, id, { type: 'erasure' });

      let otherRun: { erased: number } | undefined;
      await expect(
        h.db.transaction().execute(async (trx) => {
          expect((await claim(trx)).rows[0]).toEqual({ id: req.id, subject_id: id });
          await eraseSubject(trx, id, h.clock.now(), req.id);
          // A second instance runs meanwhile on another connection: the claimed request is skipped, not waited for.
          otherRun = await runErasureJob(h.db, { now: () => h.clock.now(), logger: silentLogger });
          throw new Error('simulated crash while holding the claim');
        }),
      ).rejects.toThrow('simulated crash');
      expect(otherRun).toEqual({ erased: 0 });

      expect(await h.db.selectFrom('subjects').select(['email', 'status']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ email, status: 'active' });
      expect(await h.db.selectFrom('requests').select(['status']).where('id', '=', req.id).executeTakeFirstOrThrow()).toEqual({ status: 'received' });

      expect(await eraseDue(h)).toEqual({ erased: 1 });
      expect(await h.db.selectFrom('subjects').select(['email', 'status']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({
        email: null,
        status: 'erased',
      });
      expect((await eventsOf(h, id)).filter((e) => e.action === 'erased')).toHaveLength(1);
    },
  );
});

describe.skipIf(!onPostgres)('erasure jobs on several instances (PostgreSQL)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ now: START, handle: await createTestDb({ poolMax: 10 }) });
  });
  afterAll(() => h?.close());

  it('two runs in parallel over 20 open erasure requests erase each person exactly once', async () => {
    const leads = (await apiKey(h, 'leads:write')).auth;
    const manage = (await apiKey(h, 'requests:manage')).auth;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = await registerPerson(h, leads, `parallel-${i}.r8s2@erase-example.ru`, { lastName: `Параллелев-${i}-R8S2` });
      await fileRequestOk(h, manage, id, { type: 'erasure' });
      ids.push(id);
    }
    h.clock.advance(HOUR);
    const runs = await Promise.all([
      runErasureJob(h.db, { now: () => h.clock.now(), logger: silentLogger }),
      runErasureJob(h.db, { now: () => h.clock.now(), logger: silentLogger }),
    ]);
    expect(runs[0]!.erased + runs[1]!.erased).toBe(20);

    const perSubject = await sql<{ subject_id: string; n: string }>`
      select s.id as subject_id, count(e.id)::text as n
      from subjects s left join consent_events e on e.subject_id = s.id and e.action = 'erased'
      group by s.id`.execute(h.db);
    expect(perSubject.rows.map((r) => r.subject_id).sort()).toEqual([...ids].sort());
    expect(perSubject.rows.map((r) => Number(r.n))).toEqual(Array(20).fill(1));
    const open = await h.db.selectFrom('requests').select('id').where('status', '<>', 'completed').execute();
    expect(open).toEqual([]);
    expect(await h.db.selectFrom('subjects').select('id').where('status', '<>', 'erased').execute()).toEqual([]);
    // One notice each, sent once; then nothing of them is left.
    const notices = await sendDueMail(h);
    expect(notices).toHaveLength(20);
    expect(new Set(notices.map((m) => /^To: (.*)$/m.exec(m)?.[1])).size).toBe(20);
    expect(await findValues(h.db, ['r8s2@erase-example.ru', 'R8S2'])).toEqual([]);
  });
});

describe.skipIf(!onPostgres)('erasure racing staff writes (PostgreSQL)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ now: START, handle: await createTestDb({ poolMax: 6 }) });
  });
  afterAll(() => h?.close());

  it('an appeal filed while the person is being erased leaves no text behind', async () => {
    const leads = (await apiKey(h, 'leads:write')).auth;
    const manage = (await apiKey(h, 'requests:manage')).auth;
    const id = await registerPerson(h, leads, 'racing.appeal.j6h4@erase-example.ru');
    const erasure = await fileRequestOk(h, manage, id, { type: 'erasure' });
    const SECRET = 'Пожалуйста, учтите: RACE-SECRET-J6H4';

    let intake: Promise<Response> | undefined;
    let finished = false;
    // The erasure job's transaction, held open while staff files an appeal for the same person.
    await h.db.transaction().execute(async (trx) => {
      const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
      expect(await eraseSubject(trx, id, h.clock.now(), erasure.id)).toBe(true);
      await trx
        .updateTable('requests')
        .set({ status: 'completed', completed_at: h.clock.now(), status_reason: 'erased' })
        .where('id', '=', erasure.id)
        .execute();
      intake = Promise.resolve(fileRequest(h, manage, id, { type: 'appeal', body: SECRET })).finally(() => {
        finished = true;
      });
      await waitUntilBlockedOn(h.db, pid, () => finished);
    });
    const res = await intake!;
    expect([201, 404]).toContain(res.status);
    expect(await findValues(h.db, [SECRET, 'RACE-SECRET-J6H4'])).toEqual([]);
  });
});

/**
 * Moves a person to a new address as staff do (`PATCH /v1/subjects/{id}`). One helper for the
 * trace test's setup: if address changes become a confirmed flow, only this changes.
 */
async function changeAddress(h: Harness, auth: string, id: string, email: string, deliver: () => Promise<unknown>): Promise<void> {
  const res = await h.app.request(`/v1/subjects/${id}`, jsonRequest('PATCH', { email }, auth));
  expect(res.status).toBe(202);
  // The confirmation goes to the new address (through the test's mailer, so its file exists too),
  // and the new address confirms it: only then is it the person's.
  await deliver();
  const pending = await h.db
    .selectFrom('pending_changes')
    .select(['id', 'email_hash'])
    .where('subject_id', '=', id)
    .where('kind', '=', 'address')
    .executeTakeFirstOrThrow();
  const c = await h.deps.signer.sign({ sub: id, p: 'c', pc: pending.id, ah: addressClaim(pending.email_hash!), ttlSeconds: 86400 });
  expect((await h.app.request(`/c/${c}`, { method: 'POST' })).status).toBe(200);
  const now = await h.db.selectFrom('subjects').select('email').where('id', '=', id).executeTakeFirstOrThrow();
  expect(now.email).toBe(email.toLowerCase());
}

/** Every file under `dir`, recursively: path and content. */
function filesUnder(dir: string): { path: string; content: string }[] {
  const out: { path: string; content: string }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push({ path: p, content: `${readFileSync(p, 'latin1')}\n${readFileSync(p, 'utf8')}` });
  }
  return out;
}

describe('erasing a person who changed address twice, was bounced on an old one, restricted, appealed and mailed', () => {
  const FIRST = 'Gorgona.First-X9K4@Trace-Example.ru';
  const SECOND = 'gorgona.second-x9k4@trace-example.ru';
  const THIRD = 'gorgona.third-x9k4@trace-example.ru';
  const NAMES = { lastName: 'Следова-X9K4', firstName: 'Горгона', patronymic: 'Прошлая-X9K4', city: 'Бывшеград-X9K4' };
  const LEAD_IP = '192.0.2.94';
  const LEAD_UA = 'TraceBrowser/9.4 (X9K4-lead)';
  const CLIENT_IP = '203.0.113.94';
  const PAGE_UA = 'TraceMail/4.9 (X9K4-page)';
  const SOURCE = 'site:form X9K4-SOURCE Горгона';
  const RESTRICT_REASON = 'Звонок Горгоны Следовой, RESTRICT-X9K4';
  const AUDIT_PURPOSE = 'Ticket 42: Sledova called, AUDIT-X9K4';
  const APPEAL = 'Жалоба Горгоны: APPEAL-X9K4 прошу разобраться';
  const BOUNCE_DETAIL = 'mailbox full for Gorgona BOUNCE-X9K4';
  const VALUES = [
    FIRST.toLowerCase(),
    SECOND,
    THIRD,
    'x9k4@trace-example',
    ...Object.values(NAMES),
    LEAD_IP,
    LEAD_UA,
    CLIENT_IP,
    PAGE_UA,
    'X9K4-SOURCE',
    'RESTRICT-X9K4',
    'AUDIT-X9K4',
    'APPEAL-X9K4',
    'BOUNCE-X9K4',
  ];

  let h: Harness;
  let id: string;
  let dataDir: string;
  let mail: ReturnType<typeof fileDelivery>;
  let keys: Record<'leads' | 'write' | 'manage' | 'reader' | 'events' | 'supw', string>;
  let hitsBefore: Awaited<ReturnType<typeof findValues>>;
  let filesBefore: { path: string; content: string }[];
  let hashes: string[];

  const bounce = async (email: string, eventId: string, detail?: string) => {
    const res = await h.app.request(
      '/v1/events/mail-sender',
      jsonRequest('POST', { events: [{ type: 'hard_bounce', email, at: h.clock.now().toISOString(), id: eventId, detail }] }, keys.events),
    );
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    h = await createHarness({ now: START, clientIp: CLIENT_IP });
    dataDir = mkdtempSync(join(tmpdir(), 'mailprefs-data-'));
    mail = fileDelivery(h, join(dataDir, 'outbox'));
    keys = {
      leads: (await apiKey(h, 'leads:write')).auth,
      write: (await apiKey(h, 'subjects:write')).auth,
      manage: (await apiKey(h, 'requests:manage')).auth,
      reader: (await apiKey(h, 'subjects:read')).auth,
      events: (await apiKey(h, 'mail-sender:events')).auth,
      supw: (await apiKey(h, 'suppressions:write')).auth,
    };
    hashes = await Promise.all([FIRST, SECOND, THIRD].map((e) => h.deps.hasher.hash(e.toLowerCase())));

    id = await registerPerson(h, keys.leads, FIRST, { ...NAMES, ip: LEAD_IP, userAgent: LEAD_UA, source: SOURCE });
    // Mail through the file mailer: the confirmation goes to the first address.
    await deliverEmails(mail.delivery);
    const c = await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: 30 * 86400 });
    expect((await h.app.request(`/c/${c}`, { method: 'POST', headers: { 'user-agent': PAGE_UA } })).status).toBe(200);
    // A bounce on the first address while it is still theirs, with the sender's text.
    h.clock.advance(HOUR);
    await bounce(FIRST, 'bounce-before-x9k4', BOUNCE_DETAIL);
    // Two address changes; a second bounce for the first address arrives after them.
    h.clock.advance(HOUR);
    await changeAddress(h, keys.write, id, SECOND, () => deliverEmails(mail.delivery));
    h.clock.advance(HOUR);
    await changeAddress(h, keys.write, id, THIRD, () => deliverEmails(mail.delivery));
    h.clock.advance(HOUR);
    await bounce(SECOND, 'bounce-after-x9k4', BOUNCE_DETAIL);
    // Support suppresses the first one again by hand, with a note.
    const manual = await h.app.request('/v1/suppressions', jsonRequest('POST', { entries: [{ email: FIRST, note: `Просьба ${NAMES.lastName}` }] }, keys.supw));
    expect(manual.status).toBe(200);
    // Staff read the person's data, stating a purpose that names them.
    const read = await h.app.request(`/v1/subjects/${id}`, { headers: { authorization: keys.reader, 'x-purpose': AUDIT_PURPOSE } });
    expect(read.status).toBe(200);
    // An appeal from the preference center, in the person's own words.
    const p = await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 90 * 86400 });
    const form = new FormData();
    form.set('kind', 'appeal');
    form.set('text', APPEAL);
    expect((await h.app.request(`/p/${p}/appeal`, { method: 'POST', body: form, headers: { 'user-agent': PAGE_UA } })).status).toBe(200);
    // Restricted by staff, with a reason naming them.
    const r = await h.app.request(`/v1/subjects/${id}/restriction`, jsonRequest('PUT', { restricted: true, reason: RESTRICT_REASON }, keys.write));
    expect(r.status).toBe(200);
    // More mail through the file mailer (the appeal's acknowledgment, to the third address).
    await deliverEmails(mail.delivery);

    hitsBefore = await findValues(h.db, VALUES);
    filesBefore = filesUnder(dataDir);

    await fileRequestOk(h, keys.manage, id, { type: 'erasure' });
    h.clock.advance(ERASURE_WAIT);
    const report = await runJobs({ db: h.db, config: h.config, logger: silentLogger, now: () => h.clock.now(), delivery: mail.delivery });
    expect(report.erased).toBe(1);
  });
  afterAll(() => h?.close());

  it('before erasure, the scan finds every value in the database and the .eml files hold the addresses (the scan can see them)', () => {
    expect(VALUES.filter((v) => !hitsBefore.some((x) => x.value === v))).toEqual([]);
    const where = new Set(hitsBefore.map((x) => `${x.table}.${x.column}`));
    for (const c of ['suppressions.email', 'suppressions.note', 'consent_events.source', 'consent_events.details', 'audit_log.purpose', 'requests.body'])
      expect(where).toContain(c);
    const text = filesBefore.map((f) => f.content.toLowerCase()).join('\n');
    expect(text).toContain(FIRST.toLowerCase());
    expect(text).toContain(THIRD);
  });

  it('finds none of the values in any column of any table of the schema', async () => {
    const tables = new Set((await textColumns(h.db)).map((c) => c.table));
    for (const t of ['subjects', 'subject_addresses', 'suppressions', 'consent_events', 'audit_log', 'outbox', 'requests', 'mail_sender_events'])
      expect(tables).toContain(t);
    expect(await findValues(h.db, VALUES)).toEqual([]);
  });

  it("finds none of the values in any file under DATA_DIR: the .eml files are gone, the erasure notice's too", () => {
    expect(mail.mails().some((m) => m.includes('Ваши данные удалены') || m.includes('=D0=92=D0=B0=D1=88=D0=B8'))).toBe(true);
    const left = filesUnder(dataDir).filter((f) => VALUES.some((v) => f.content.toLowerCase().includes(v.toLowerCase())));
    expect(left.map((f) => f.path)).toEqual([]);
    expect(mail.files()).toEqual([]);
  });

  it('keeps every address hash suppressed, linked to the person, without address or note', async () => {
    const rows = await h.db
      .selectFrom('suppressions')
      .select(['hash', 'email', 'note', 'active', 'subject_id', 'reason'])
      .where('hash', 'in', hashes)
      .orderBy('hash')
      .execute();
    const byHash = new Map(rows.map((r) => [r.hash, r]));
    // The first two addresses were bounced (and the first suppressed by hand); the last one is suppressed by the erasure.
    for (const hsh of hashes) expect(byHash.get(hsh)).toMatchObject({ email: null, note: null, active: true, subject_id: id });
    expect(byHash.get(hashes[0]!)!.reason).toBe('bounced');
    expect(byHash.get(hashes[1]!)!.reason).toBe('bounced');
  });

  it('keeps the audit rows (who read whose data, when) without the purpose typed', async () => {
    const rows = await h.db.selectFrom('audit_log').select(['action', 'purpose', 'key_id', 'occurred_at']).where('subject_id', '=', id).execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.purpose).toBeNull();
  });

  it('a bounce, a complaint or a manual entry arriving after the erasure, for any address the person had, stores no address again', async () => {
    h.clock.advance(HOUR);
    await bounce(FIRST, 'bounce-late-1-x9k4', BOUNCE_DETAIL);
    const complaint = await h.app.request(
      '/v1/events/mail-sender',
      jsonRequest(
        'POST',
        { events: [{ type: 'complaint', email: SECOND, at: h.clock.now().toISOString(), id: 'complaint-late-x9k4', detail: BOUNCE_DETAIL }] },
        keys.events,
      ),
    );
    expect(complaint.status).toBe(200);
    await bounce(THIRD, 'bounce-late-3-x9k4', BOUNCE_DETAIL);
    const manual = await h.app.request(
      '/v1/suppressions',
      jsonRequest('POST', { entries: [{ email: SECOND, note: `Снова ${NAMES.lastName}` }, { email: THIRD }] }, keys.supw),
    );
    expect(manual.status).toBe(200);
    expect(await findValues(h.db, VALUES)).toEqual([]);
    const rows = await h.db.selectFrom('suppressions').select(['hash', 'email', 'active', 'subject_id']).where('hash', 'in', hashes).execute();
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r).toMatchObject({ email: null, active: true, subject_id: id });
    const feed = await readFeedJson(h);
    expect(JSON.stringify(feed).toLowerCase()).not.toContain('x9k4@trace-example');
  });
});
