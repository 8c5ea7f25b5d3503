/**
 * Batches of mail-sender events applied set-based: a full batch of 1,000 mixed events, events
 * repeated inside a batch and across batches, one address named several times, the number of
 * statements a batch costs, and (PostgreSQL) batches racing each other and other writers.
 * The equivalence with applying events one at a time is batch-model.test.ts.
 */
import { type KyselyPlugin, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/handle.js';
import { type ApplyContext, applyEvents, type EventOutcome, type HashedEvent, softBounceTimes } from '../../src/mailsender/apply.js';
import type { MailSenderEventType } from '../../src/mailsender/events.js';
import { defaultSoftBouncePolicy } from '../../src/mailsender/soft-bounce.js';
import { lift, suppress } from '../../src/suppressions/queries.js';
import { SELF_REASONS } from '../../src/suppressions/rule.js';
import { unsubscribe } from '../../src/unsubscribe/actions.js';
import { expectedHash } from '../helpers/feed.js';
import { createHarness, type Harness, onPostgres } from '../helpers/harness.js';
import { consentState, DAY, eventsOf, readFeedJson, snapshotDb } from '../helpers/pages.js';

const PATH = '/v1/events/mail-sender';

interface Result {
  processed: number;
  duplicates: number;
  suppressed: number;
  ignored: { index: number; reason: string }[];
}

const ev = (type: MailSenderEventType, email: string, id: string, at: string) => ({ type, email, id, at });

async function postOk(h: Harness, body: unknown, auth: string): Promise<Result> {
  const res = await h.app.request(PATH, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as Result;
}

/** People whose marketing consent is granted, written directly (a few statements for any number). */
async function seedPeople(h: Harness, emails: string[]): Promise<string[]> {
  const now = h.clock.now();
  const ids = emails.map(() => crypto.randomUUID());
  await sql`
    insert into subjects (id, email, email_hash, locale, status, created_at, updated_at)
    select id, email, hash, 'ru', 'active', ${now}, ${now}
    from unnest(${ids}::uuid[], ${emails}::text[], ${emails.map((e) => expectedHash(e))}::text[]) as v(id, email, hash)`.execute(h.db);
  await sql`
    insert into consents (subject_id, purpose, state, policy_version, updated_at)
    select id, p, 'granted', '2025-06-01', ${now} from unnest(${ids}::uuid[]) as id, (values ('processing'), ('marketing')) as v(p)`.execute(h.db);
  return ids;
}

/** Events in the order given, each address's own in order, addresses interleaved round-robin. */
function interleave<T>(groups: T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; out.length < groups.reduce((n, g) => n + g.length, 0); i++) for (const g of groups) if (i < g.length) out.push(g[i]!);
  return out;
}

const hashed = (e: ReturnType<typeof ev>, index: number): HashedEvent => ({
  index,
  type: e.type,
  email: e.email,
  id: e.id,
  at: new Date(e.at),
  detail: null,
  hash: expectedHash(e.email),
});

/** Applies events directly (one transaction) and returns their outcomes in the order given. */
async function apply(h: Harness, events: ReturnType<typeof ev>[], over: Partial<ApplyContext> = {}, db: Db = h.db): Promise<EventOutcome[]> {
  const list = events.map(hashed);
  const ctx: ApplyContext = { provider: 'generic', keyId: 'key-batch', now: h.clock.now(), softBounces: defaultSoftBouncePolicy, ...over };
  const out = await db.transaction().execute((trx) => applyEvents(trx, ctx, list));
  return list.map((e) => out.get(e)!);
}

/** Counts the statements run through a Kysely instance (raw SQL included). */
function statementCounter(): { plugin: KyselyPlugin; count: () => number } {
  let n = 0;
  return {
    plugin: {
      transformQuery: (args) => {
        n++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    },
    count: () => n,
  };
}

// ---------------------------------------------------------------------------------------------

describe('a full batch of 1,000 mixed events', () => {
  // Its own database: it counts whole tables.
  let h: Harness;
  let auth: string;
  beforeAll(async () => {
    h = await createHarness();
    auth = await h.bearer('mail-sender:events');
  });
  afterAll(() => h?.close());

  it('applies every kind of event for known and unknown addresses, once, with the outcomes of applying them one by one', async () => {
    const at = (days: number) => new Date(h.clock.now().getTime() - days * DAY).toISOString();
    const people = Array.from({ length: 200 }, (_, i) => `person-${i}@example.ru`);
    const ids = await seedPeople(h, people);
    const groups: ReturnType<typeof ev>[][] = [];
    // 50 people unsubscribe then complain (an upgrade); 50 only unsubscribe; 100 hard-bounce.
    for (let i = 0; i < 50; i++) groups.push([ev('unsubscribe', people[i]!, `u-${i}`, at(0)), ev('complaint', people[i]!, `c-${i}`, at(0))]);
    for (let i = 50; i < 100; i++) groups.push([ev('unsubscribe', people[i]!, `u-${i}`, at(0))]);
    for (let i = 100; i < 200; i++) groups.push([ev('hard_bounce', people[i]!, `hb-${i}`, at(0))]);
    // 100 strangers soft-bounce three times within 30 days (the third suppresses); 200 once.
    for (let i = 0; i < 100; i++) groups.push([20, 10, 1].map((d, j) => ev('soft_bounce', `soft-${i}@example.org`, `sb-${i}-${j}`, at(d))));
    for (let i = 100; i < 300; i++) groups.push([ev('soft_bounce', `soft-${i}@example.org`, `sb-${i}-0`, at(5))]);
    // 200 complaints about strangers, the first 50 of them delivered twice in the same batch.
    for (let i = 0; i < 200; i++) {
      const c = ev('complaint', `stranger-${i}@example.org`, `sc-${i}`, at(0));
      groups.push(i < 50 ? [c, { ...c }] : [c]);
    }
    const events = interleave(groups);
    expect(events).toHaveLength(1000);

    // Its cost is counted in statements below ('the same handful of statements'); its speed is
    // measured by `npm run bench -- mailsender`.
    const r = await postOk(h, { events }, auth);
    expect(r).toEqual({ processed: 950, duplicates: 50, suppressed: 550, ignored: [] });

    const reasons = await sql<{
      reason: string;
      n: number;
    }>`select reason, count(*)::int as n from suppressions where active group by reason order by reason`.execute(h.db);
    expect(reasons.rows).toEqual([
      { reason: 'bounced', n: 200 },
      { reason: 'complained', n: 250 },
      { reason: 'unsubscribed', n: 50 },
    ]);
    const withdrawn = await sql<{ n: number }>`select count(*)::int as n from consents where purpose = 'marketing' and state = 'withdrawn'`.execute(h.db);
    expect(withdrawn.rows[0]!.n).toBe(100);
    // Ledger: unsubscribed + suppressed for each of 100 leavers, suppressed for 50 upgrades and 100 bounces.
    const ledger = await sql<{
      action: string;
      n: number;
    }>`select action, count(*)::int as n from consent_events where actor_type = 'mail_sender' group by action order by action`.execute(h.db);
    expect(ledger.rows).toEqual([
      { action: 'suppressed', n: 250 },
      { action: 'unsubscribed', n: 100 },
    ]);
    const first = (await eventsOf(h, ids[0]!)).filter((e) => e.actor_type === 'mail_sender');
    expect(first.map((e) => [e.action, (e.details as { reason?: string }).reason ?? null])).toEqual([
      ['unsubscribed', null],
      ['suppressed', 'unsubscribed'],
      ['suppressed', 'complained'],
    ]);
    expect(await softBounceTimes(h.db, expectedHash('soft-0@example.org'))).toEqual([]);
    expect(await softBounceTimes(h.db, expectedHash('soft-100@example.org'))).toHaveLength(1);
    const claimed = await sql<{ n: number }>`select count(*)::int as n from mail_sender_events`.execute(h.db);
    expect(claimed.rows[0]!.n).toBe(950);
    // One feed record per address, however many times the batch changed it.
    const feed = await readFeedJson(h);
    expect(feed.records).toHaveLength(500);
    expect(feed.records.find((x) => x.hash === expectedHash(people[0]!))).toMatchObject({ reason: 'complained', active: true });

    // The sender retries the whole delivery: nothing changes anywhere.
    const before = await snapshotDb(h);
    h.clock.advance(60_000);
    expect(await postOk(h, { events }, auth)).toEqual({ processed: 0, duplicates: 1000, suppressed: 0, ignored: [] });
    expect(await snapshotDb(h)).toEqual(before);
  }, 120_000);

  it('costs the same handful of statements for 1,000 events as for 10', async () => {
    const mixed = (n: number, tag: string) => {
      const types: MailSenderEventType[] = ['hard_bounce', 'soft_bounce', 'complaint', 'unsubscribe'];
      return Array.from({ length: n }, (_, i) =>
        ev(types[i % 4]!, i % 3 === 0 ? `person-${i % 200}@example.ru` : `${tag}-${i % (n / 2)}@example.org`, `${tag}-${i}`, h.clock.now().toISOString()),
      );
    };
    for (const [n, tag] of [
      [10, 'ten'],
      [1000, 'thousand'],
    ] as const) {
      const counter = statementCounter();
      await apply(h, mixed(n, tag), {}, h.db.withPlugin(counter.plugin));
      // Claim, people, lock leavers, withdraw consent, soft bounces (2), suppress (3), ledger.
      expect(counter.count(), `${n} events`).toBeLessThanOrEqual(10);
    }
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------

// The tests below share one database: each names its own addresses.
let h: Harness;
let auth: string;
beforeAll(async () => {
  h = await createHarness();
  auth = await h.bearer('mail-sender:events');
});
afterAll(() => h?.close());

describe('events repeated inside a batch and across batches', () => {
  it('applies one event id with one address once, whatever its type the second time; the same id for other addresses, or other ids, apply', async () => {
    const now = h.clock.now().toISOString();
    const outcomes = await apply(h, [
      ev('hard_bounce', 'dup-a@example.ru', 'same', now),
      ev('complaint', 'dup-a@example.ru', 'same', now), // same id and address: a duplicate, even as another type
      ev('hard_bounce', 'dup-b@example.ru', 'same', now), // same id, another recipient (SES names several)
      ev('complaint', 'dup-a@example.ru', 'other', now), // another id: applied, finds the address suppressed
      ev('soft_bounce', 'dup-c@example.ru', 'soft', now),
      ev('soft_bounce', 'dup-c@example.ru', 'soft', now), // counted once
    ]);
    expect(outcomes).toEqual(['suppressed', 'duplicate', 'suppressed', 'unchanged', 'counted', 'duplicate']);
    expect(await softBounceTimes(h.db, expectedHash('dup-c@example.ru'))).toHaveLength(1);
    const stored = await sql<{
      type: string;
    }>`select type from mail_sender_events where event_id = 'same' and hash = ${expectedHash('dup-a@example.ru')}`.execute(h.db);
    expect(stored.rows).toEqual([{ type: 'hard_bounce' }]);
  });

  it('applies only the new events of a batch that repeats events of an earlier one', async () => {
    const now = h.clock.now().toISOString();
    const first = [ev('hard_bounce', 'again-1@example.ru', 'g1', now), ev('soft_bounce', 'again-2@example.ru', 'g2', now)];
    expect(await postOk(h, { events: first }, auth)).toMatchObject({ processed: 2, duplicates: 0, suppressed: 1 });
    h.clock.advance(1000);
    const second = [...first, ev('soft_bounce', 'again-2@example.ru', 'g3', h.clock.now().toISOString()), ev('complaint', 'again-3@example.ru', 'g4', now)];
    expect(await postOk(h, { events: second }, auth)).toEqual({ processed: 2, duplicates: 2, suppressed: 1, ignored: [] });
    expect(await softBounceTimes(h.db, expectedHash('again-2@example.ru'))).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------

describe('one address named several times in one batch', () => {
  const iso = (h: Harness, days = 0) => new Date(h.clock.now().getTime() - days * DAY).toISOString();

  it('counts soft bounces then suppresses on the hard bounce that follows them', async () => {
    const e = 'soft-then-hard@example.ru';
    const [id] = await seedPeople(h, [e]);
    expect(await apply(h, [ev('soft_bounce', e, 's1', iso(h, 2)), ev('soft_bounce', e, 's2', iso(h, 1)), ev('hard_bounce', e, 'h1', iso(h))])).toEqual([
      'counted',
      'counted',
      'suppressed',
    ]);
    expect(await softBounceTimes(h.db, expectedHash(e))).toHaveLength(2);
    const mine = (await eventsOf(h, id!)).filter((x) => x.actor_type === 'mail_sender');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.details).toMatchObject({ reason: 'bounced', eventType: 'hard_bounce', eventId: 'h1' });
  });

  it('suppresses on the third soft bounce, and a hard bounce after it changes nothing', async () => {
    const e = 'three-soft@example.ru';
    const [id] = await seedPeople(h, [e]);
    const outcomes = await apply(h, [
      ev('soft_bounce', e, 't1', iso(h, 3)),
      ev('soft_bounce', e, 't2', iso(h, 2)),
      ev('soft_bounce', e, 't3', iso(h, 1)),
      ev('hard_bounce', e, 't4', iso(h)),
    ]);
    expect(outcomes).toEqual(['counted', 'counted', 'suppressed', 'unchanged']);
    expect(await softBounceTimes(h.db, expectedHash(e))).toEqual([]);
    const mine = (await eventsOf(h, id!)).filter((x) => x.actor_type === 'mail_sender');
    expect(mine.map((x) => x.details)).toEqual([expect.objectContaining({ reason: 'bounced', eventType: 'soft_bounce', eventId: 't3', softBounces: 3 })]);
  });

  it('counts soft bounces after a hard bounce without suppressing again, and empties the count at the threshold', async () => {
    const e = 'hard-then-soft@example.org';
    expect(
      await apply(h, [
        ev('hard_bounce', e, 'a1', iso(h)),
        ev('soft_bounce', e, 'a2', iso(h, 3)),
        ev('soft_bounce', e, 'a3', iso(h, 2)),
        ev('soft_bounce', e, 'a4', iso(h, 1)),
      ]),
    ).toEqual(['suppressed', 'counted', 'counted', 'unchanged']);
    expect(await softBounceTimes(h.db, expectedHash(e))).toEqual([]);
  });

  it("withdraws and suppresses on an unsubscribe, then upgrades to complained, which the person's own opt-in cannot lift; one feed record", async () => {
    const e = 'leave-then-complain@example.ru';
    const [id] = await seedPeople(h, [e]);
    const { highWaterMark } = await readFeedJson(h);
    expect(await apply(h, [ev('unsubscribe', e, 'l1', iso(h)), ev('complaint', e, 'l2', iso(h))])).toEqual(['unsubscribed', 'suppressed']);
    expect(await consentState(h, id!, 'marketing')).toBe('withdrawn');
    const mine = (await eventsOf(h, id!)).filter((x) => x.actor_type === 'mail_sender');
    expect(mine.map((x) => [x.action, x.details])).toEqual([
      ['unsubscribed', { from: 'granted' }],
      ['suppressed', { reason: 'unsubscribed' }],
      ['suppressed', expect.objectContaining({ reason: 'complained', eventId: 'l2' })],
    ]);
    expect(mine[0]!.source).toBe('mail-sender:generic:l1');
    const feed = await readFeedJson(h, highWaterMark);
    expect(feed.records.filter((r) => r.hash === expectedHash(e))).toEqual([expect.objectContaining({ reason: 'complained', active: true })]);
    expect(await lift(h.db, { hash: expectedHash(e), reasons: SELF_REASONS, actorType: 'subject', at: h.clock.now() })).toBe(false);
  });

  it('keeps a complaint when an unsubscribe follows it, but still withdraws consent', async () => {
    const e = 'complain-then-leave@example.ru';
    const [id] = await seedPeople(h, [e]);
    expect(await apply(h, [ev('complaint', e, 'k1', iso(h)), ev('unsubscribe', e, 'k2', iso(h)), ev('unsubscribe', e, 'k3', iso(h))])).toEqual([
      'suppressed',
      'unsubscribed',
      'unchanged',
    ]);
    expect(await consentState(h, id!, 'marketing')).toBe('withdrawn');
    const s = await h.db.selectFrom('suppressions').selectAll().where('hash', '=', expectedHash(e)).executeTakeFirstOrThrow();
    expect(s).toMatchObject({ reason: 'complained', active: true });
    expect((await eventsOf(h, id!)).filter((x) => x.actor_type === 'mail_sender').map((x) => x.action)).toEqual(['suppressed', 'unsubscribed']);
  });

  it('suppresses again an entry staff lifted, with a new feed record; bounces never downgrade to unsubscribed', async () => {
    const e = 'lifted@example.org';
    expect(await apply(h, [ev('hard_bounce', e, 'f1', iso(h))])).toEqual(['suppressed']);
    expect(await lift(h.db, { hash: expectedHash(e), reasons: ['bounced'], actorType: 'staff', at: h.clock.now() })).toBe(true);
    const { highWaterMark } = await readFeedJson(h);
    expect(await apply(h, [ev('unsubscribe', e, 'f2', iso(h)), ev('hard_bounce', e, 'f3', iso(h)), ev('unsubscribe', e, 'f4', iso(h))])).toEqual([
      'suppressed',
      'suppressed',
      'unchanged',
    ]);
    const feed = await readFeedJson(h, highWaterMark);
    expect(feed.records.filter((r) => r.hash === expectedHash(e))).toEqual([expect.objectContaining({ reason: 'bounced', active: true })]);
  });
});

// ---------------------------------------------------------------------------------------------

/** Waits (a barrier, not a timing assertion) until another session waits for a lock `holder` holds. */
async function waitUntilBlockedBy(h: Harness, holder: number): Promise<void> {
  const giveUp = Date.now() + 20_000;
  for (;;) {
    const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where ${holder} = any(pg_blocking_pids(pid))`.execute(h.db);
    if (r.rows[0]!.n > 0) return;
    if (Date.now() > giveUp) throw new Error('no session ever waited');
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Holds an uncommitted suppression of `email` in another session while `during` runs, then commits or rolls back. */
async function holdingSuppression<T>(
  h: Harness,
  email: string,
  reason: 'unsubscribed' | 'bounced',
  end: 'commit' | 'rollback',
  during: () => Promise<T>,
): Promise<T> {
  let pending: Promise<T> | undefined;
  await h.db.connection().execute(async (conn) => {
    await sql`begin`.execute(conn);
    try {
      await suppress(conn, { hash: expectedHash(email), email, subjectId: null, reason, actorType: 'staff', at: h.clock.now() });
      const me = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn)).rows[0]!.pid;
      pending = during();
      pending.catch(() => undefined);
      await waitUntilBlockedBy(h, me);
    } finally {
      await sql`${sql.raw(end)}`.execute(conn);
    }
  });
  return pending!;
}

describe.skipIf(!onPostgres)('batches racing (PostgreSQL)', () => {
  it('applies two batches naming the same addresses in opposite orders at once, without deadlock, each event once', async () => {
    for (let round = 0; round < 3; round++) {
      const emails = Array.from({ length: 300 }, (_, i) => `race-${round}-${i}@example.org`);
      const now = h.clock.now().toISOString();
      const a = { events: emails.map((e, i) => ev(i % 2 ? 'hard_bounce' : 'soft_bounce', e, `ra-${i}`, now)) };
      const b = { events: [...emails].reverse().map((e, i) => ev(i % 3 ? 'complaint' : 'soft_bounce', e, `rb-${i}`, now)) };
      const [ra, rb] = await Promise.all([postOk(h, a, auth), postOk(h, b, auth)]);
      expect(ra.processed + rb.processed).toBe(600);
      const rows = await sql<{
        n: number;
      }>`select count(*)::int as n from suppressions where hash = any(${emails.map((e) => expectedHash(e))}::text[])`.execute(h.db);
      expect(ra.suppressed + rb.suppressed).toBe(rows.rows[0]!.n);
    }
  }, 60_000);

  it('applies batches crossing each other (one leaves who the other bounces, and back) at once, without deadlock', async () => {
    for (let round = 0; round < 5; round++) {
      const [p, q] = [`cross-${round}-p@example.ru`, `cross-${round}-q@example.ru`];
      const [pid, qid] = await seedPeople(h, [p, q]);
      const now = h.clock.now().toISOString();
      const [ra, rb] = await Promise.all([
        postOk(h, { events: [ev('unsubscribe', p, `xa-${round}-1`, now), ev('hard_bounce', q, `xa-${round}-2`, now)] }, auth),
        postOk(h, { events: [ev('unsubscribe', q, `xb-${round}-1`, now), ev('hard_bounce', p, `xb-${round}-2`, now)] }, auth),
      ]);
      expect(ra.processed + rb.processed).toBe(4);
      for (const id of [pid!, qid!]) expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    }
  }, 60_000);

  it('does not deadlock with a one-click unsubscribe of the same person in flight (it locks the person, then the suppression)', async () => {
    const e = 'clicking@example.ru';
    const [id] = await seedPeople(h, [e]);
    let pending: Promise<EventOutcome[]> | undefined;
    await h.db.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      try {
        await sql`select id from subjects where id = ${id!} for update`.execute(conn);
        const me = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn)).rows[0]!.pid;
        pending = apply(h, [ev('hard_bounce', e, 'click-1', h.clock.now().toISOString())]);
        pending.catch(() => undefined);
        await waitUntilBlockedBy(h, me);
        // The click goes on to its suppression while the batch waits: the batch holds none yet.
        expect(await unsubscribe(conn, id!, { actorType: 'subject', at: h.clock.now() })).toMatchObject({ kind: 'unsubscribed' });
      } finally {
        await sql`commit`.execute(conn);
      }
    });
    // The bounce, applied after the click, upgrades it.
    expect(await pending!).toEqual(['suppressed']);
    expect(await h.db.selectFrom('suppressions').selectAll().where('hash', '=', expectedHash(e)).executeTakeFirstOrThrow()).toMatchObject({
      reason: 'bounced',
      active: true,
    });
  });

  it('waits for an entry another transaction is inserting, then upgrades it from unsubscribed to complained', async () => {
    const e = 'racing-entry@example.org';
    const outcomes = await holdingSuppression(h, e, 'unsubscribed', 'commit', () => apply(h, [ev('complaint', e, 'w1', h.clock.now().toISOString())]));
    expect(outcomes).toEqual(['suppressed']);
    expect(await h.db.selectFrom('suppressions').selectAll().where('hash', '=', expectedHash(e)).executeTakeFirstOrThrow()).toMatchObject({
      reason: 'complained',
      active: true,
    });
  });

  it('waits for an entry another transaction is inserting, and finds it already bounced', async () => {
    const e = 'racing-bounced@example.org';
    const outcomes = await holdingSuppression(h, e, 'bounced', 'commit', () =>
      apply(h, [ev('complaint', e, 'w2', h.clock.now().toISOString()), ev('unsubscribe', e, 'w3', h.clock.now().toISOString())]),
    );
    expect(outcomes).toEqual(['unchanged', 'unchanged']);
    expect(await h.db.selectFrom('suppressions').selectAll().where('hash', '=', expectedHash(e)).executeTakeFirstOrThrow()).toMatchObject({
      reason: 'bounced',
      actor_type: 'staff',
    });
  });

  it('inserts the entry itself when the other transaction rolls back', async () => {
    const e = 'racing-rollback@example.org';
    const outcomes = await holdingSuppression(h, e, 'bounced', 'rollback', () => apply(h, [ev('unsubscribe', e, 'w4', h.clock.now().toISOString())]));
    expect(outcomes).toEqual(['suppressed']);
    expect(await h.db.selectFrom('suppressions').selectAll().where('hash', '=', expectedHash(e)).executeTakeFirstOrThrow()).toMatchObject({
      reason: 'unsubscribed',
      actor_type: 'mail_sender',
    });
  });
});
