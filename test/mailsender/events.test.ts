import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import { createApiKey, revokeApiKey } from '../../src/auth/keys.js';
import type { ResolvedDeps } from '../../src/deps.js';
import { createLogger } from '../../src/log.js';
import { applyEvents, type HashedEvent, softBounceTimes } from '../../src/mailsender/apply.js';
import { mailSenderRoutes } from '../../src/mailsender/routes.js';
import { lift } from '../../src/suppressions/queries.js';
import { SELF_REASONS } from '../../src/suppressions/rule.js';
import { expectedHash } from '../helpers/feed.js';
import { createHarness, type Harness, onPostgres } from '../helpers/harness.js';
import { consentState, createConfirmedSubject, createSubject, DAY, eventsOf, raceOnSubject, readFeedJson, snapshotDb } from '../helpers/pages.js';
import { certificateServer, signSns, snsHarness } from './sns-signing.js';

const PATH = '/v1/events/mail-sender';

// ---------------------------------------------------------------------------------------------
// helpers

type Json = Record<string, any>;

const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Json;

/**
 * An SES notification as SNS delivers it: the documented SNS envelope, the notification as a JSON
 * string in Message, signed with the test key (see sns-signing.ts; the app is given its certificate).
 */
const snsWrap = (notification: unknown, over: Json = {}): Json =>
  signSns({ ...fixture('sns-notification.json'), Message: JSON.stringify(notification), ...over });

const SNS_HEADERS = (type = 'Notification'): Record<string, string> => ({
  'x-amz-sns-message-type': type,
  'x-amz-sns-message-id': '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
  'x-amz-sns-topic-arn': 'arn:aws:sns:us-west-2:123456789012:MyTopic',
  'user-agent': 'Amazon Simple Notification Service Agent',
});

function post(h: Harness, body: unknown, auth?: string, headers: Record<string, string> = {}, app: { request: Harness['app']['request'] } = h.app) {
  return app.request(PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

interface Result {
  processed: number;
  duplicates: number;
  suppressed: number;
  ignored: { index: number; reason: string }[];
}

async function postOk(h: Harness, body: unknown, auth: string, headers: Record<string, string> = {}): Promise<Result> {
  const res = await post(h, body, auth, headers);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as Result;
}

const ev = (type: string, email: string, id: string, at: string, detail?: string) => ({ type, email, id, at, ...(detail ? { detail } : {}) });

const basic = (password: string, user = 'mail-sender') => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

async function suppressionFor(h: Harness, email: string) {
  return h.db.selectFrom('suppressions').selectAll().where('hash', '=', expectedHash(email)).executeTakeFirst();
}

async function mailSenderEvents(h: Harness) {
  return h.db.selectFrom('consent_events').selectAll().where('actor_type', '=', 'mail_sender').orderBy('id').execute();
}

async function _countRows(h: Harness, table: string): Promise<number> {
  const r = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(table)}`.execute(h.db);
  return Number(r.rows[0]!.n);
}

const iso = (h: Harness, offsetMs = 0) => new Date(h.clock.now().getTime() + offsetMs).toISOString();

/**
 * Empties every table but the API keys, so tests that replay the providers' samples (which
 * share their addresses) each start clean without paying for a new database.
 */
async function resetDb(h: Harness): Promise<void> {
  const found = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely\\_%' and table_name <> 'api_keys'`.execute(h.db);
  if (found.rows.length) await sql`truncate table ${sql.join(found.rows.map((r) => sql.table(r.table_name)))} cascade`.execute(h.db);
}

/** Ledger details never carry an address; the suppression note neither. */
function expectNoAddress(value: unknown) {
  expect(JSON.stringify(value ?? null)).not.toContain('@');
}

// ---------------------------------------------------------------------------------------------

describe('POST /v1/events/mail-sender: our JSON shape', () => {
  let h: Harness;
  let auth: string;
  let keyId: string;
  beforeAll(async () => {
    h = await createHarness();
    const k = await createApiKey(h.db, { name: 'mail sender', scopes: ['mail-sender:events'] }, h.clock.now());
    auth = `Bearer ${k.key}`;
    keyId = k.id;
  });
  afterAll(() => h?.close());

  it('suppresses a hard bounce of a known person as bounced (actor mail_sender) and appends a ledger event with the provider event id and no address', async () => {
    const { id } = await createSubject(h, 'Hard.Bounce@Example.RU');
    const r = await postOk(
      h,
      { events: [ev('hard_bounce', ' HARD.bounce@example.ru ', 'evt-hb-1', iso(h, -60_000), 'smtp; 550 5.1.1 <hard.bounce@example.ru>... User unknown')] },
      auth,
    );
    expect(r).toEqual({ processed: 1, duplicates: 0, suppressed: 1, ignored: [] });

    const s = await suppressionFor(h, 'hard.bounce@example.ru');
    expect(s).toMatchObject({ reason: 'bounced', active: true, subject_id: id, email: 'hard.bounce@example.ru', actor_type: 'mail_sender', actor_id: keyId });
    expect(s!.note).toContain('hard_bounce');
    expectNoAddress(s!.note);

    const events = (await eventsOf(h, id)).filter((e) => e.actor_type === 'mail_sender');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'suppressed', purpose: 'marketing', actor_id: keyId });
    expect(events[0]!.details).toMatchObject({ reason: 'bounced', provider: 'generic', eventId: 'evt-hb-1', eventType: 'hard_bounce' });
    expectNoAddress(events[0]!.details);

    const feed = await readFeedJson(h);
    expect(feed.records.find((x) => x.hash === expectedHash('hard.bounce@example.ru'))).toMatchObject({ reason: 'bounced', active: true });
  });

  it('suppresses a complaint about an address we do not know as complained, keeping the address for the feed, with no ledger row', async () => {
    const before = (await mailSenderEvents(h)).length;
    const r = await postOk(h, { events: [ev('complaint', 'stranger@example.org', 'evt-c-1', iso(h))] }, auth);
    expect(r).toMatchObject({ processed: 1, suppressed: 1, ignored: [] });
    expect(await suppressionFor(h, 'stranger@example.org')).toMatchObject({
      reason: 'complained',
      active: true,
      subject_id: null,
      email: 'stranger@example.org',
    });
    expect((await mailSenderEvents(h)).length).toBe(before);
  });

  it('treats an unsubscribe reported for a known person as a one-click unsubscribe: marketing withdrawn, suppressed as unsubscribed, by the mail sender', async () => {
    const id = await createConfirmedSubject(h, 'leaver@example.ru');
    const r = await postOk(h, { events: [ev('unsubscribe', 'leaver@example.ru', 'evt-u-1', iso(h))] }, auth);
    expect(r).toMatchObject({ processed: 1, suppressed: 1 });
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect(await suppressionFor(h, 'leaver@example.ru')).toMatchObject({ reason: 'unsubscribed', active: true, subject_id: id, actor_type: 'mail_sender' });
    const mine = (await eventsOf(h, id)).filter((e) => e.actor_type === 'mail_sender');
    expect(mine.map((e) => e.action).sort()).toEqual(['suppressed', 'unsubscribed']);
    for (const e of mine) {
      expect(e.actor_id).toBe(keyId);
      expect(e.source).toContain('evt-u-1');
      expectNoAddress(e.details);
    }
  });

  it('suppresses an unsubscribe for an address we do not know as unsubscribed', async () => {
    await postOk(h, { events: [ev('unsubscribe', 'nobody@example.net', 'evt-u-2', iso(h))] }, auth);
    expect(await suppressionFor(h, 'nobody@example.net')).toMatchObject({ reason: 'unsubscribed', active: true, subject_id: null });
  });

  it("upgrades the person's own unsubscribe to complained, which the person's own opt-in can no longer lift", async () => {
    const id = await createConfirmedSubject(h, 'upgrade@example.ru');
    await postOk(h, { events: [ev('unsubscribe', 'upgrade@example.ru', 'evt-up-1', iso(h))] }, auth);
    h.clock.advance(1000);
    const r = await postOk(h, { events: [ev('complaint', 'upgrade@example.ru', 'evt-up-2', iso(h))] }, auth);
    expect(r).toMatchObject({ processed: 1, suppressed: 1 });
    expect(await suppressionFor(h, 'upgrade@example.ru')).toMatchObject({ reason: 'complained', active: true });
    const last = (await eventsOf(h, id)).at(-1)!;
    expect(last).toMatchObject({ action: 'suppressed', actor_type: 'mail_sender' });
    expect(last.details).toMatchObject({ reason: 'complained', eventId: 'evt-up-2' });
    // What a new confirmed opt-in would try: lifting the person's own reasons. Nothing to lift.
    expect(await lift(h.db, { hash: expectedHash('upgrade@example.ru'), reasons: SELF_REASONS, actorType: 'subject', at: h.clock.now() })).toBe(false);

    // A later unsubscribe report does not downgrade it, and writes no ledger row.
    const n = (await eventsOf(h, id)).length;
    const again = await postOk(h, { events: [ev('unsubscribe', 'upgrade@example.ru', 'evt-up-3', iso(h))] }, auth);
    expect(again).toMatchObject({ processed: 1, suppressed: 0 });
    expect(await suppressionFor(h, 'upgrade@example.ru')).toMatchObject({ reason: 'complained', active: true });
    expect((await eventsOf(h, id)).length).toBe(n);
  });

  it('counts soft bounces: the first two within 30 days do nothing, the third suppresses as bounced', async () => {
    const { id } = await createSubject(h, 'soft@example.ru');
    const email = 'soft@example.ru';
    for (const [i, offset] of [-20 * DAY, -10 * DAY].entries()) {
      const r = await postOk(h, { events: [ev('soft_bounce', email, `evt-s-${i}`, iso(h, offset), 'mailbox full')] }, auth);
      expect(r).toMatchObject({ processed: 1, suppressed: 0 });
      expect(await suppressionFor(h, email)).toBeUndefined();
    }
    expect(await softBounceTimes(h.db, expectedHash(email))).toHaveLength(2);
    const r = await postOk(h, { events: [ev('soft_bounce', email, 'evt-s-2', iso(h))] }, auth);
    expect(r).toMatchObject({ processed: 1, suppressed: 1 });
    expect(await suppressionFor(h, email)).toMatchObject({ reason: 'bounced', active: true, subject_id: id });
    const last = (await eventsOf(h, id)).at(-1)!;
    expect(last.details).toMatchObject({ reason: 'bounced', eventType: 'soft_bounce', eventId: 'evt-s-2', softBounces: 3 });
    // The count starts over once it has suppressed.
    expect(await softBounceTimes(h.db, expectedHash(email))).toEqual([]);
  });

  it('does not suppress soft bounces spread over more than 30 days, and does once three fall within 30 days', async () => {
    const email = 'spread@example.ru';
    const offsets = [-70 * DAY, -35 * DAY, 0];
    for (const [i, offset] of offsets.entries()) {
      await postOk(h, { events: [ev('soft_bounce', email, `evt-sp-${i}`, iso(h, offset))] }, auth);
    }
    expect(await suppressionFor(h, email)).toBeUndefined();
    // Two more, one reported out of order (a second before the last): three within 30 days.
    const r = await postOk(h, { events: [ev('soft_bounce', email, 'evt-sp-3', iso(h, -1000)), ev('soft_bounce', email, 'evt-sp-4', iso(h))] }, auth);
    expect(r).toMatchObject({ processed: 2, suppressed: 1 });
    expect(await suppressionFor(h, email)).toMatchObject({ reason: 'bounced', active: true });
  });

  it('changes nothing, in any table, when the same request is replayed', async () => {
    await createSubject(h, 'replay@example.ru');
    const body = {
      events: [
        ev('hard_bounce', 'replay@example.ru', 'evt-r-1', iso(h)),
        ev('soft_bounce', 'replay-soft@example.ru', 'evt-r-2', iso(h)),
        ev('complaint', 'replay-c@example.ru', 'evt-r-3', iso(h)),
        ev('unsubscribe', 'replay-u@example.ru', 'evt-r-4', iso(h)),
      ],
    };
    expect(await postOk(h, body, auth)).toMatchObject({ processed: 4, duplicates: 0 });
    const before = await snapshotDb(h);
    h.clock.advance(60_000);
    expect(await postOk(h, body, auth)).toEqual({ processed: 0, duplicates: 4, suppressed: 0, ignored: [] });
    expect(await snapshotDb(h)).toEqual(before);
    // The soft bounce was counted once.
    expect(await softBounceTimes(h.db, expectedHash('replay-soft@example.ru'))).toHaveLength(1);
  });

  it('reports invalid addresses and malformed events by index, without echoing the address, and applies the others', async () => {
    const body = {
      events: [
        ev('hard_bounce', 'good-1@example.ru', 'evt-b-0', iso(h)),
        ev('hard_bounce', 'not an address', 'evt-b-1', iso(h)),
        ev('deferred', 'good-2@example.ru', 'evt-b-2', iso(h)),
        ev('hard_bounce', 'good-3@example.ru', 'evt-b-3', 'yesterday'),
        { type: 'hard_bounce', email: 'good-4@example.ru', at: iso(h) },
        'nonsense',
        ev('complaint', 'good-5@example.ru', 'evt-b-6', iso(h)),
        ev('hard_bounce', 'secret@[127.0.0.1]', 'evt-b-7', iso(h)),
      ],
    };
    const res = await post(h, body, auth);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain('not an address');
    expect(text).not.toContain('secret');
    expect(JSON.parse(text)).toEqual({
      processed: 2,
      duplicates: 0,
      suppressed: 2,
      ignored: [
        { index: 1, reason: 'invalid_email' },
        { index: 2, reason: 'invalid_type' },
        { index: 3, reason: 'invalid_at' },
        { index: 4, reason: 'invalid_id' },
        { index: 5, reason: 'not_an_object' },
        { index: 7, reason: 'invalid_email' },
      ],
    });
    expect(await suppressionFor(h, 'good-1@example.ru')).toMatchObject({ reason: 'bounced' });
    expect(await suppressionFor(h, 'good-5@example.ru')).toMatchObject({ reason: 'complained' });
    for (const e of ['good-2@example.ru', 'good-3@example.ru', 'good-4@example.ru']) expect(await suppressionFor(h, e)).toBeUndefined();
  });

  it('applies all events of one request in one transaction: when one fails none is applied, and the retry applies them all', async () => {
    const emails = ['tx-a@example.ru', 'tx-b@example.ru', 'tx-c@example.ru', 'tx-d@example.ru'];
    // The failing one is the last to be applied (events are applied in address-hash order).
    const failing = [...emails].sort((a, b) => (expectedHash(a) < expectedHash(b) ? -1 : 1)).at(-1)!;
    await sql`
      create function mailsender_test_fail() returns trigger language plpgsql as $$
      begin
        if new.hash = ${sql.lit(expectedHash(failing))} then raise exception 'injected failure'; end if;
        return new;
      end $$`.execute(h.db);
    await sql`create trigger mailsender_test_fail before insert or update on suppressions for each row execute function mailsender_test_fail()`.execute(h.db);
    const body = { events: emails.map((e, i) => ev('hard_bounce', e, `evt-tx-${i}`, iso(h))) };
    const before = await snapshotDb(h);
    try {
      const res = await post(h, body, auth);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await snapshotDb(h)).toEqual(before);
    } finally {
      await sql`drop trigger mailsender_test_fail on suppressions`.execute(h.db);
      await sql`drop function mailsender_test_fail()`.execute(h.db);
    }
    // Nothing was remembered as processed: the sender's retry applies every event.
    expect(await postOk(h, body, auth)).toMatchObject({ processed: 4, duplicates: 0, suppressed: 4 });
    for (const e of emails) expect(await suppressionFor(h, e)).toMatchObject({ reason: 'bounced', active: true });
  });

  it('refuses an unknown shape and more than 1,000 events with 422, malformed JSON with 400, all as problem+json, writing nothing', async () => {
    const before = await snapshotDb(h);
    const tooMany = { events: Array.from({ length: 1001 }, (_, i) => ev('hard_bounce', `many${i}@example.ru`, `m${i}`, iso(h))) };
    for (const body of [{ hello: 'world' }, { events: [] }, { events: 'x' }, [1, 2], 'null', tooMany, { Type: 'Notification' }]) {
      const res = await post(h, body, auth);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect((await res.json()).code).toBe('validation_failed');
    }
    for (const body of ['{"events": [', '', 'not json']) {
      const res = await post(h, body, auth);
      expect(res.status, body).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('accepts a full batch of 1,000 events in one request', async () => {
    const body = { events: Array.from({ length: 1000 }, (_, i) => ev(i % 2 ? 'hard_bounce' : 'soft_bounce', `bulk${i}@example.ru`, `bulk-${i}`, iso(h))) };
    expect(await postOk(h, body, auth)).toMatchObject({ processed: 1000, suppressed: 500, ignored: [] });
  });

  it("keeps only the hash, not the address, when the bounced address was an erased person's", async () => {
    const email = 'erased@example.ru';
    const now = h.clock.now();
    const erasedId = crypto.randomUUID();
    await sql`
      insert into subjects (id, email, email_hash, locale, status, created_at, updated_at, erased_at)
      values (${erasedId}, null, ${expectedHash(email)}, 'ru', 'erased', ${now}, ${now}, ${now})`.execute(h.db);
    await postOk(h, { events: [ev('hard_bounce', email, 'evt-er-1', iso(h), 'no such user Erased Person')] }, auth);
    // Linked to the erased shell, without the address or the sender's text.
    expect(await suppressionFor(h, email)).toMatchObject({ reason: 'bounced', active: true, email: null, note: null, subject_id: erasedId });
  });

  it.skipIf(!onPostgres)('applies a webhook delivered several times at once exactly once (PostgreSQL)', async () => {
    const id = await createConfirmedSubject(h, 'racer@example.ru');
    const body = { events: [ev('unsubscribe', 'racer@example.ru', 'evt-race-1', iso(h))] };
    const responses = await raceOnSubject(h, id, 4, () => post(h, body, auth));
    const results = await Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as Result })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(results.filter((r) => r.body.processed === 1)).toHaveLength(1);
    expect(results.filter((r) => r.body.duplicates === 1)).toHaveLength(3);
    expect(
      (await eventsOf(h, id))
        .filter((e) => e.actor_type === 'mail_sender')
        .map((e) => e.action)
        .sort(),
    ).toEqual(['suppressed', 'unsubscribed']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('POST /v1/events/mail-sender: authentication', () => {
  let h: Harness;
  let key: string;
  let keyId: string;
  beforeAll(async () => {
    h = await snsHarness();
    ({ key, id: keyId } = await createApiKey(h.db, { name: 'sns', scopes: ['mail-sender:events'] }, h.clock.now()));
  });
  afterAll(() => h?.close());

  const body = (id: string, email = `${id}@example.ru`) => ({ events: [ev('hard_bounce', email, id, new Date().toISOString())] });

  it('answers 401 without a key and 403 for a key without mail-sender:events; an admin key may post', async () => {
    const res = await post(h, body('a1'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="mailprefs"');
    expect((await res.json()).code).toBe('unauthorized');
    for (const scope of ['suppressions:write', 'leads:write', 'suppressions:read'] as const) {
      const r = await post(h, body('a2'), await h.bearer(scope));
      expect(r.status).toBe(403);
      expect((await r.json()).code).toBe('forbidden');
    }
    expect(await suppressionFor(h, 'a1@example.ru')).toBeUndefined();
    expect(await suppressionFor(h, 'a2@example.ru')).toBeUndefined();
    expect((await post(h, body('a3'), await h.bearer('admin'))).status).toBe(200);
  });

  it('accepts HTTP Basic with the API key as the password, whatever the user name', async () => {
    for (const [i, user] of ['sns', 'postmark', ''].entries()) {
      const res = await post(h, body(`b${i}`), basic(key, user));
      expect(res.status, user).toBe(200);
    }
    expect(await suppressionFor(h, 'b0@example.ru')).toMatchObject({ reason: 'bounced', actor_id: keyId });
  });

  it('refuses Basic with a wrong, malformed or revoked key with 401, writing nothing', async () => {
    const other = await createApiKey(h.db, { name: 'to revoke', scopes: ['mail-sender:events'] }, h.clock.now());
    expect((await post(h, body('c0'), basic(other.key))).status).toBe(200);
    await revokeApiKey(h.db, other.id, h.clock.now());
    const bad = [
      basic(other.key),
      basic(key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A')),
      basic('not-a-key'),
      `Basic ${Buffer.from(key).toString('base64')}`, // no colon: no password
      basic(''),
      'Basic !!!not-base64!!!',
      'Basic',
      `Basic ${Buffer.from(`sns:${key}`).toString('base64')} extra`,
    ];
    for (const auth of bad) {
      const res = await post(h, body('c1'), auth);
      expect(res.status, auth).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await suppressionFor(h, 'c1@example.ru')).toBeUndefined();
  });

  it('keeps Bearer as it was: a valid key works, anything else is 401 with the Bearer challenge', async () => {
    expect((await post(h, body('d0'), `Bearer ${key}`)).status).toBe(200);
    expect((await post(h, body('d0b'), `bearer   ${key}  `)).status).toBe(200);
    for (const auth of [`Bearer ${key}x`, `Token ${key}`, key, 'Bearer']) {
      const res = await post(h, body('d1'), auth);
      expect(res.status, auth).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="mailprefs"');
    }
  });

  it('challenges an SNS delivery that comes without credentials with WWW-Authenticate: Basic (SNS sends them only then)', async () => {
    const notification = snsWrap(fixture('ses-bounce-with-dsn.json'));
    const res = await post(h, notification, undefined, SNS_HEADERS());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="mailprefs"/);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await res.json()).code).toBe('unauthorized');
    expect(await suppressionFor(h, 'jane@example.com')).toBeUndefined();
    // The retry with the subscription URL's credentials goes through.
    expect((await post(h, notification, basic(key, 'sns'), SNS_HEADERS())).status).toBe(200);
    expect(await suppressionFor(h, 'jane@example.com')).toMatchObject({ reason: 'bounced' });
  });

  it('does not take an SNS signature for authentication: a delivery with a forged signature and no key is refused', async () => {
    const forged = { ...snsWrap(fixture('ses-complaint-with-feedback.json')), Signature: 'Zm9yZ2Vk', SigningCertURL: 'https://attacker.example/cert.pem' };
    const before = await snapshotDb(h);
    const res = await post(h, forged, undefined, SNS_HEADERS());
    expect(res.status).toBe(401);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('accepts Basic on this route only: the same key as Basic elsewhere is 401', async () => {
    const reader = await createApiKey(h.db, { name: 'reader', scopes: ['suppressions:read'] }, h.clock.now());
    const res = await h.app.request('/v1/suppressions?format=json', { headers: { authorization: basic(reader.key) } });
    expect(res.status).toBe(401);
    const ok = await h.app.request('/v1/suppressions?format=json', { headers: { authorization: `Bearer ${reader.key}` } });
    expect(ok.status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------

describe('POST /v1/events/mail-sender: Amazon SES notifications (published samples)', () => {
  let h: Harness;
  let auth: string;
  beforeAll(async () => {
    h = await snsHarness();
    auth = await h.bearer('mail-sender:events');
  });
  beforeEach(() => resetDb(h));
  afterAll(() => h?.close());

  it('suppresses the recipient of the bounce-with-DSN sample in its SNS envelope, with the feedbackId in the ledger and no address in the note', async () => {
    const { id } = await createSubject(h, 'jane@example.com');
    const r = await postOk(h, snsWrap(fixture('ses-bounce-with-dsn.json')), auth, SNS_HEADERS());
    expect(r).toEqual({ processed: 1, duplicates: 0, suppressed: 1, ignored: [] });
    const s = await suppressionFor(h, 'jane@example.com');
    expect(s).toMatchObject({ reason: 'bounced', active: true, subject_id: id, actor_type: 'mail_sender' });
    expect(s!.note).toContain('5.1.1');
    expectNoAddress(s!.note);
    const last = (await eventsOf(h, id)).at(-1)!;
    expect(last).toMatchObject({ action: 'suppressed', actor_type: 'mail_sender' });
    expect(last.details).toMatchObject({ reason: 'bounced', provider: 'ses', eventId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000' });
    expectNoAddress(last.details);
    // Only the bounced recipient, not the other destinations of the mail.
    expect(await suppressionFor(h, 'mary@example.com')).toBeUndefined();
  });

  it('suppresses every bounced recipient of the bounce-without-DSN sample, and a replay of the delivery changes nothing', async () => {
    const body = snsWrap(fixture('ses-bounce-without-dsn.json'));
    expect(await postOk(h, body, auth, SNS_HEADERS())).toMatchObject({ processed: 2, suppressed: 2 });
    for (const e of ['jane@example.com', 'richard@example.com']) expect(await suppressionFor(h, e)).toMatchObject({ reason: 'bounced', active: true });
    const before = await snapshotDb(h);
    expect(await postOk(h, body, auth, SNS_HEADERS())).toMatchObject({ processed: 0, duplicates: 2 });
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('suppresses the complainant of both complaint samples (with and without a feedback report) as complained', async () => {
    const id = await createConfirmedSubject(h, 'richard@example.com');
    expect(await postOk(h, snsWrap(fixture('ses-complaint-with-feedback.json')), auth, SNS_HEADERS())).toMatchObject({ processed: 1, suppressed: 1 });
    expect(await suppressionFor(h, 'richard@example.com')).toMatchObject({ reason: 'complained', active: true, subject_id: id });
    expect((await eventsOf(h, id)).at(-1)!.details).toMatchObject({
      reason: 'complained',
      eventId: '000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000',
    });
    // A second complaint (another feedbackId) is applied but changes nothing.
    expect(await postOk(h, snsWrap(fixture('ses-complaint-without-feedback.json')), auth, SNS_HEADERS())).toMatchObject({ processed: 1, suppressed: 0 });

    await resetDb(h);
    expect(await postOk(h, snsWrap(fixture('ses-complaint-without-feedback.json')), auth, SNS_HEADERS())).toMatchObject({ processed: 1, suppressed: 1 });
    expect(await suppressionFor(h, 'richard@example.com')).toMatchObject({ reason: 'complained', active: true });
  });

  it('counts a Transient bounce (the sample with bounceType Transient) instead of suppressing; the third within 30 days suppresses', async () => {
    const transient = (n: number) => {
      const s = fixture('ses-bounce-with-dsn.json');
      s.bounce.bounceType = 'Transient';
      s.bounce.bounceSubType = 'MailboxFull';
      s.bounce.feedbackId = `${s.bounce.feedbackId}-${n}`;
      s.bounce.timestamp = new Date(h.clock.now().getTime() - (3 - n) * DAY).toISOString();
      return snsWrap(s, { MessageId: `sns-${n}` });
    };
    for (const n of [1, 2]) {
      expect(await postOk(h, transient(n), auth, SNS_HEADERS())).toMatchObject({ processed: 1, suppressed: 0 });
      expect(await suppressionFor(h, 'jane@example.com')).toBeUndefined();
    }
    expect(await postOk(h, transient(3), auth, SNS_HEADERS())).toMatchObject({ processed: 1, suppressed: 1 });
    expect(await suppressionFor(h, 'jane@example.com')).toMatchObject({ reason: 'bounced', active: true });
  });

  it('takes a notification delivered raw (SNS raw message delivery, or event publishing) as well', async () => {
    expect(await postOk(h, fixture('ses-complaint-with-feedback.json'), auth, SNS_HEADERS())).toMatchObject({ processed: 1, suppressed: 1 });
    expect(await postOk(h, fixture('ses-bounce-with-dsn.json'), auth)).toMatchObject({ processed: 1, suppressed: 1 });
    const published = fixture('ses-bounce-without-dsn.json');
    delete published.notificationType;
    published.eventType = 'Bounce';
    expect(await postOk(h, published, auth)).toMatchObject({ processed: 2 });
    expect(await suppressionFor(h, 'richard@example.com')).toMatchObject({ reason: 'complained' });
    expect(await suppressionFor(h, 'jane@example.com')).toMatchObject({ reason: 'bounced' });
  });

  it('answers 200 and writes nothing for a Delivery notification or a not-spam feedback report', async () => {
    const before = await snapshotDb(h);
    expect(await postOk(h, snsWrap(fixture('ses-delivery.json')), auth, SNS_HEADERS())).toEqual({
      processed: 0,
      duplicates: 0,
      suppressed: 0,
      ignored: [{ index: 0, reason: 'unsupported_notification_type:Delivery' }],
    });
    const notSpam = fixture('ses-complaint-with-feedback.json');
    notSpam.complaint.complaintFeedbackType = 'not-spam';
    expect(await postOk(h, snsWrap(notSpam), auth, SNS_HEADERS())).toMatchObject({ processed: 0, ignored: [{ index: 0, reason: 'not_spam_feedback' }] });
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('answers a SubscriptionConfirmation with 202, fetches only its signing certificate (never the SubscribeURL) and logs only the SubscribeURL host', async () => {
    const lines: string[] = [];
    const certificates = certificateServer();
    const app = createApp({ ...h.deps, logger: createLogger('debug', (l) => lines.push(l)), fetchCertificate: certificates.fetchCertificate });
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      const before = await snapshotDb(h);
      const sample = signSns(fixture('sns-subscription-confirmation.json'));
      const res = await post(h, sample, auth, SNS_HEADERS('SubscriptionConfirmation'), app);
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ status: 'confirmation_required' });
      expect(fetchSpy).not.toHaveBeenCalled();
      expect(certificates.calls).toEqual([sample.SigningCertURL]);
      expect(await snapshotDb(h)).toEqual(before);
      const log = lines.map((l) => JSON.parse(l) as Json).find((l) => /confirmed manually/.test(l.msg));
      expect(log).toMatchObject({ level: 'warn', subscribeHost: 'sns.us-west-2.amazonaws.com', expectedHost: true });
      const all = lines.join('\n');
      expect(all).not.toContain(sample.Token.slice(0, 16));
      expect(all).not.toContain('ConfirmSubscription&');
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it('refuses with 422 an SNS message whose header and body disagree, or whose Message is not an SES notification', async () => {
    const before = await snapshotDb(h);
    const cases: [Json, Record<string, string>][] = [
      [snsWrap(fixture('ses-bounce-with-dsn.json')), SNS_HEADERS('SubscriptionConfirmation')],
      [signSns(fixture('sns-notification.json')), SNS_HEADERS()], // Message "Hello world!"
      [snsWrap({ hello: 'world' }), SNS_HEADERS()],
      [{ events: [ev('hard_bounce', 'x@example.ru', 'e', new Date().toISOString())] }, SNS_HEADERS()],
    ];
    for (const [body, headers] of cases) {
      const res = await post(h, body, auth, headers);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await snapshotDb(h)).toEqual(before);
  });

  // SNS posts with Content-Type text/plain; charset=UTF-8. The app's /v1/* content-type gate
  // (src/app.ts) answers 415 before this route runs; SNS takes 4xx as a permanent failure.
  // This test states what must hold; it is expected to fail until app.ts lets SNS deliveries
  // through to this path. Flip it.fails to it once it does.

  it('accepts an SNS delivery sent as text/plain, as SNS sends it', async () => {
    const res = await h.app.request(PATH, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=UTF-8', authorization: auth, ...SNS_HEADERS() },
      body: JSON.stringify(snsWrap(fixture('ses-bounce-with-dsn.json'))),
    });
    expect(res.status).toBe(200);
    expect(await suppressionFor(h, 'jane@example.com')).toMatchObject({ reason: 'bounced' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('POST /v1/events/mail-sender: Postmark webhooks (published samples)', () => {
  let h: Harness;
  let auth: string;
  beforeAll(async () => {
    h = await createHarness();
    auth = await h.bearer('mail-sender:events');
  });
  beforeEach(() => resetDb(h));
  afterAll(() => h?.close());

  it('suppresses the address of the bounce webhook sample; the older sample of the same bounce (same ID, no RecordType) is recognised as its replay', async () => {
    const { id } = await createSubject(h, 'john@example.com');
    expect(await postOk(h, fixture('postmark-bounce.json'), auth)).toEqual({ processed: 1, duplicates: 0, suppressed: 1, ignored: [] });
    expect(await suppressionFor(h, 'john@example.com')).toMatchObject({ reason: 'bounced', active: true, subject_id: id });
    expect((await eventsOf(h, id)).at(-1)!.details).toMatchObject({ reason: 'bounced', provider: 'postmark', eventId: 'HardBounce:42' });
    expect(await postOk(h, fixture('postmark-bounce-legacy.json'), auth)).toMatchObject({ processed: 0, duplicates: 1 });
  });

  it('reads the older bounce sample without RecordType on its own', async () => {
    expect(await postOk(h, fixture('postmark-bounce-legacy.json'), auth)).toMatchObject({ processed: 1, suppressed: 1 });
    expect(await suppressionFor(h, 'john@example.com')).toMatchObject({ reason: 'bounced', active: true });
  });

  it('suppresses the address of the spam complaint sample as complained', async () => {
    const id = await createConfirmedSubject(h, 'john@example.com');
    expect(await postOk(h, fixture('postmark-spam-complaint.json'), auth)).toMatchObject({ processed: 1, suppressed: 1 });
    expect(await suppressionFor(h, 'john@example.com')).toMatchObject({ reason: 'complained', active: true, subject_id: id });
    expect((await eventsOf(h, id)).at(-1)!.details).toMatchObject({ reason: 'complained', eventId: 'SpamComplaint:42' });
  });

  it('counts a SoftBounce (the sample with Type SoftBounce) without suppressing', async () => {
    const soft = { ...fixture('postmark-bounce.json'), Type: 'SoftBounce', TypeCode: 4096, Name: 'Soft bounce', ID: 43 };
    expect(await postOk(h, soft, auth)).toMatchObject({ processed: 1, suppressed: 0 });
    expect(await suppressionFor(h, 'john@example.com')).toBeUndefined();
    expect(await softBounceTimes(h.db, expectedHash('john@example.com'))).toHaveLength(1);
  });

  it('takes an Unsubscribe bounce record as the person leaving', async () => {
    const id = await createConfirmedSubject(h, 'john@example.com');
    const unsub = { ...fixture('postmark-bounce.json'), Type: 'Unsubscribe', TypeCode: 16, Name: 'Unsubscribe request', ID: 44 };
    expect(await postOk(h, unsub, auth)).toMatchObject({ processed: 1, suppressed: 1 });
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect(await suppressionFor(h, 'john@example.com')).toMatchObject({ reason: 'unsubscribed' });
  });

  it('ignores bounce types that say nothing about the address (AutoResponder)', async () => {
    const before = await snapshotDb(h);
    const auto = { ...fixture('postmark-bounce.json'), Type: 'AutoResponder', TypeCode: 64, ID: 45 };
    expect(await postOk(h, auto, auth)).toMatchObject({ processed: 0, ignored: [{ index: 0, reason: 'unsupported_bounce_type:AutoResponder' }] });
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('applies the subscription change sample (broadcast streams): HardBounce suppresses; a recipient ManualSuppression is an unsubscribe; reactivations and customer suppressions are ignored', async () => {
    const sample = fixture('postmark-subscription-change.json');
    expect(await postOk(h, sample, auth)).toMatchObject({ processed: 1, suppressed: 1 });
    expect(await suppressionFor(h, 'bounced-address@wildbit.com')).toMatchObject({ reason: 'bounced', active: true });
    expect(await postOk(h, sample, auth)).toMatchObject({ processed: 0, duplicates: 1 });

    const id = await createConfirmedSubject(h, 'leaving@example.ru');
    const unsub = { ...sample, Recipient: 'leaving@example.ru', SuppressionReason: 'ManualSuppression', MessageID: null, ChangedAt: '2026-03-01T10:00:00Z' };
    expect(await postOk(h, unsub, auth)).toMatchObject({ processed: 1, suppressed: 1 });
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');

    const before = await snapshotDb(h);
    const byCustomer = { ...unsub, Recipient: 'other@example.ru', Origin: 'Customer', ChangedAt: '2026-03-01T11:00:00Z' };
    expect(await postOk(h, byCustomer, auth)).toMatchObject({ processed: 0, ignored: [{ index: 0, reason: 'manual_suppression_not_by_recipient' }] });
    const reactivation = { ...sample, SuppressSending: false, SuppressionReason: null, ChangedAt: '2026-03-01T12:00:00Z' };
    expect(await postOk(h, reactivation, auth)).toMatchObject({ processed: 0, ignored: [{ index: 0, reason: 'reactivation_not_applied' }] });
    expect(await snapshotDb(h)).toEqual(before);
    expect(await suppressionFor(h, 'bounced-address@wildbit.com')).toMatchObject({ reason: 'bounced', active: true });
  });

  it('reports an invalid address in a Postmark record as ignored, not as an error', async () => {
    const bad = { ...fixture('postmark-bounce.json'), Email: 'undisclosed-recipients:;', ID: 46 };
    expect(await postOk(h, bad, auth)).toEqual({ processed: 0, duplicates: 0, suppressed: 0, ignored: [{ index: 0, reason: 'invalid_email' }] });
  });
});

// ---------------------------------------------------------------------------------------------

describe('soft-bounce policy as a parameter; OpenAPI', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h?.close());

  it('suppresses at the configured count within the configured window', async () => {
    const email = 'policy@example.ru';
    const hashed = (id: string, at: Date): HashedEvent => ({ index: 0, type: 'soft_bounce', email, id, at, detail: null, hash: expectedHash(email) });
    const ctx = { provider: 'generic' as const, keyId: 'k', now: h.clock.now(), softBounces: { threshold: 2, windowDays: 7 } };
    const run = (e: HashedEvent) => h.db.transaction().execute((trx) => applyEvents(trx, ctx, [e]));
    const now = h.clock.now().getTime();
    expect([...(await run(hashed('p1', new Date(now - 10 * DAY)))).values()]).toEqual(['counted']);
    // Eight days later than the first: outside a 7-day window, so still one.
    expect([...(await run(hashed('p2', new Date(now - 2 * DAY)))).values()]).toEqual(['counted']);
    expect([...(await run(hashed('p3', new Date(now)))).values()]).toEqual(['suppressed']);
    expect(await suppressionFor(h, email)).toMatchObject({ reason: 'bounced', active: true });
  });

  it('refuses a nonsensical policy when the routes are built', () => {
    const deps = {} as ResolvedDeps;
    expect(() => mailSenderRoutes(deps, { softBounces: { threshold: 0 } })).toThrow(/threshold/);
    expect(() => mailSenderRoutes(deps, { softBounces: { windowDays: -1 } })).toThrow(/windowDays/);
  });

  it('documents the endpoint, its schema and the Basic security scheme', async () => {
    const doc = (await (await h.app.request('/openapi.json')).json()) as Json;
    expect(doc.paths['/v1/events/mail-sender'].post).toBeDefined();
    expect(doc.components.schemas.MailSenderEvents).toBeDefined();
    expect(doc.components.securitySchemes.basic).toMatchObject({ type: 'http', scheme: 'basic' });
  });
});
