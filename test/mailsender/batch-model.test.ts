/**
 * The set-based applyEvents against a model: the code it replaced, which applied a batch one
 * event at a time (kept below, as it was). For random starting states and random batches, both
 * must give the same outcome per event and leave every table they touch the same.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvents } from '../../src/consent/ledger.js';
import type { Db, DbHandle } from '../../src/db/handle.js';
import type { ConsentState, SuppressionReason } from '../../src/db/schema.js';
import { type ApplyContext, applyEvents, type EventOutcome, type HashedEvent } from '../../src/mailsender/apply.js';
import type { MailSenderEventType, Provider } from '../../src/mailsender/events.js';
import { redactAddresses } from '../../src/privacy/redact.js';
import { type SuppressInput, suppress, suppressEach } from '../../src/suppressions/queries.js';
import { unsubscribe } from '../../src/unsubscribe/actions.js';
import { expectedHash } from '../helpers/feed.js';
import { createTestDb } from '../helpers/harness.js';
import { DAY } from '../helpers/pages.js';
import { fcSeed } from '../helpers/seed.js';

// ---------------------------------------------------------------------------------------------
// The model: applyEvents as it was before it became set-based (src/mailsender/queries.ts at
// d687be1), unchanged but for the names.

async function modelApplyEvents(trx: Db, ctx: ApplyContext, events: HashedEvent[]): Promise<Map<HashedEvent, EventOutcome>> {
  const order = events.map((e, i) => ({ e, i })).sort((a, b) => (a.e.hash < b.e.hash ? -1 : a.e.hash > b.e.hash ? 1 : a.i - b.i));
  const out = new Map<HashedEvent, EventOutcome>();
  for (const { e } of order) out.set(e, await modelApplyEvent(trx, ctx, e));
  return out;
}

async function modelApplyEvent(trx: Db, ctx: ApplyContext, e: HashedEvent): Promise<EventOutcome> {
  const db = trx;
  const claimed = await db
    .insertInto('mail_sender_events')
    .values({ provider: ctx.provider, event_id: e.id, hash: e.hash, type: e.type, received_at: ctx.now })
    .onConflict((oc) => oc.columns(['provider', 'event_id', 'hash']).doNothing())
    .returning('hash')
    .executeTakeFirst();
  if (!claimed) return 'duplicate';
  const live = await trx.selectFrom('subjects').select(['id', 'email']).where('email_hash', '=', e.hash).where('status', '<>', 'erased').executeTakeFirst();
  switch (e.type) {
    case 'hard_bounce':
      return (await modelSuppressFor(trx, ctx, e, live, 'bounced', {})) ? 'suppressed' : 'unchanged';
    case 'complaint':
      return (await modelSuppressFor(trx, ctx, e, live, 'complained', {})) ? 'suppressed' : 'unchanged';
    case 'unsubscribe': {
      if (live) {
        const r = await unsubscribe(trx, live.id, {
          actorType: 'mail_sender',
          actorId: ctx.keyId,
          at: ctx.now,
          source: `mail-sender:${ctx.provider}:${e.id}`.slice(0, 300),
        });
        return r.kind === 'unsubscribed' ? 'unsubscribed' : 'unchanged';
      }
      return (await modelSuppressFor(trx, ctx, e, live, 'unsubscribed', {})) ? 'suppressed' : 'unchanged';
    }
    case 'soft_bounce': {
      const count = await modelCountSoftBounce(trx, ctx, e);
      if (count < ctx.softBounces.threshold) return 'counted';
      return (await modelSuppressFor(trx, ctx, e, live, 'bounced', { softBounces: count })) ? 'suppressed' : 'unchanged';
    }
  }
}

async function modelSuppressFor(
  trx: Db,
  ctx: ApplyContext,
  e: HashedEvent,
  live: { id: string; email: string | null } | undefined,
  reason: SuppressionReason,
  extra: Record<string, unknown>,
): Promise<boolean> {
  let email: string | null = live?.email ?? e.email;
  let note: string | null = `mail sender (${ctx.provider}) ${e.type}${e.detail ? `: ${redactAddresses(e.detail)}` : ''}`.slice(0, 500);
  let erasedId: string | null = null;
  if (!live) {
    // An erased person's address, by their last address or any earlier one: only the hash, linked to them.
    const erased = await sql<{ id: string }>`
      select id from subjects where email_hash = ${e.hash} and status = 'erased'
      union select s.id from subject_addresses a join subjects s on s.id = a.subject_id where a.email_hash = ${e.hash} and s.status = 'erased'
      order by id limit 1`.execute(trx);
    if (erased.rows[0]) {
      email = null;
      note = null;
      erasedId = erased.rows[0].id;
    }
  }
  const changed = await suppress(trx, {
    hash: e.hash,
    email,
    subjectId: live?.id ?? erasedId,
    reason,
    actorType: 'mail_sender',
    actorId: ctx.keyId,
    note,
    at: ctx.now,
  });
  if (changed && live) {
    await recordEvents(trx, live.id, { actorType: 'mail_sender', actorId: ctx.keyId, at: ctx.now, source: `mail-sender:${ctx.provider}` }, [
      {
        purpose: 'marketing',
        action: 'suppressed',
        details: { reason, provider: ctx.provider, eventId: e.id, eventType: e.type, ...(e.at ? { reportedAt: e.at.toISOString() } : {}), ...extra },
      },
    ]);
  }
  return changed;
}

async function modelCountSoftBounce(trx: Db, ctx: ApplyContext, e: HashedEvent): Promise<number> {
  const db = trx;
  const at = e.at && e.at.getTime() <= ctx.now.getTime() ? e.at : ctx.now;
  const windowMs = ctx.softBounces.windowDays * 86_400_000;
  await db
    .insertInto('mail_sender_soft_bounces')
    .values({ hash: e.hash, bounced_at: sql<Date[]>`'{}'::timestamptz[]`, updated_at: ctx.now })
    .onConflict((oc) => oc.column('hash').doNothing())
    .execute();
  const row = await db.selectFrom('mail_sender_soft_bounces').select('bounced_at').where('hash', '=', e.hash).forUpdate().executeTakeFirstOrThrow();
  const times = toDates(row.bounced_at)
    .filter((t) => t.getTime() > at.getTime() - windowMs && t.getTime() <= at.getTime())
    .concat(at)
    .sort((a, b) => a.getTime() - b.getTime());
  const later = toDates(row.bounced_at).filter((t) => t.getTime() > at.getTime());
  const count = times.length;
  const keep = count >= ctx.softBounces.threshold ? later : times.concat(later).slice(-Math.max(ctx.softBounces.threshold, 1) * 2);
  await db
    .updateTable('mail_sender_soft_bounces')
    .set({ bounced_at: sql<Date[]>`${keep.map((t) => t.toISOString())}::timestamptz[]`, updated_at: ctx.now })
    .where('hash', '=', e.hash)
    .execute();
  return count;
}

function toDates(v: unknown): Date[] {
  if (!Array.isArray(v)) return [];
  return v.map((x) => (x instanceof Date ? x : new Date(String(x)))).filter((d) => !Number.isNaN(d.getTime()));
}

// ---------------------------------------------------------------------------------------------
// Worlds: the people, suppressions and soft bounces an address starts with.

const NOW = new Date('2026-03-02T09:00:00Z');
const TYPES: MailSenderEventType[] = ['hard_bounce', 'soft_bounce', 'complaint', 'unsubscribe'];
const REASONS: SuppressionReason[] = ['unsubscribed', 'withdrawn', 'erased', 'bounced', 'complained', 'manual'];

interface AddressWorld {
  /** none: a stranger; erased: only an erased shell; both: an erased shell and a new live person. */
  person: 'none' | 'active' | 'restricted' | 'erased' | 'both';
  marketing: ConsentState | 'absent';
  suppression: { active: boolean; reason: SuppressionReason; withEmail: boolean } | null;
  /** Days before NOW of the soft bounces held. */
  softBounces: number[];
}

interface World {
  addresses: AddressWorld[];
  policy: { threshold: number; windowDays: number };
  batches: {
    provider: Provider;
    advanceMs: number;
    events: { type: MailSenderEventType; address: number; id: string; atDays: number | null; detail: string | null }[];
  }[];
}

const emailOf = (a: number) => `model-${a}@example.ru`;
const uuid = (a: number, n: number) => `00000000-0000-4000-8000-${String(a * 10 + n).padStart(12, '0')}`;

const addressWorld: fc.Arbitrary<AddressWorld> = fc.record({
  person: fc.constantFrom('none', 'active', 'active', 'restricted', 'erased', 'both'),
  marketing: fc.constantFrom('absent', 'none', 'pending', 'granted', 'granted', 'withdrawn'),
  suppression: fc.option(fc.record({ active: fc.boolean(), reason: fc.constantFrom(...REASONS), withEmail: fc.boolean() }), { nil: null }),
  softBounces: fc.array(fc.integer({ min: -2, max: 45 }), { maxLength: 4 }).map((d) => [...d].sort((a, b) => b - a)),
});

const worldOf = (addresses: number): fc.Arbitrary<World> =>
  fc.record({
    addresses: fc.array(addressWorld, { minLength: addresses, maxLength: addresses }),
    policy: fc.record({ threshold: fc.integer({ min: 1, max: 4 }), windowDays: fc.integer({ min: 1, max: 40 }) }),
    batches: fc.array(
      fc.record({
        provider: fc.constantFrom<Provider>('generic', 'ses', 'postmark'),
        advanceMs: fc.integer({ min: 0, max: 10 * DAY }),
        events: fc.array(
          fc.record({
            type: fc.constantFrom(...TYPES),
            address: fc.integer({ min: 0, max: addresses - 1 }),
            id: fc.constantFrom('e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7'),
            atDays: fc.option(fc.integer({ min: -45, max: 2 }), { nil: null }),
            detail: fc.option(fc.constantFrom('550 5.1.1 <someone@example.ru> unknown', 'mailbox full'), { nil: null }),
          }),
          { minLength: 1, maxLength: 14 },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  });

/** Writes the starting state (fixed ids, so both runs start alike). */
async function seed(trx: Db, world: World): Promise<void> {
  for (const [a, w] of world.addresses.entries()) {
    const email = emailOf(a);
    const hash = expectedHash(email);
    let liveId: string | null = null;
    if (w.person === 'erased' || w.person === 'both') {
      await sql`insert into subjects (id, email, email_hash, locale, status, created_at, updated_at, erased_at)
        values (${uuid(a, 1)}, null, ${hash}, 'ru', 'erased', ${NOW}, ${NOW}, ${NOW})`.execute(trx);
    }
    if (w.person === 'active' || w.person === 'restricted' || w.person === 'both') {
      liveId = uuid(a, 2);
      const status = w.person === 'both' ? 'active' : w.person;
      await sql`insert into subjects (id, email, email_hash, locale, status, created_at, updated_at)
        values (${liveId}, ${email}, ${hash}, 'ru', ${status}, ${NOW}, ${NOW})`.execute(trx);
      if (w.marketing !== 'absent') {
        await sql`insert into consents (subject_id, purpose, state, policy_version, updated_at)
          values (${liveId}, 'marketing', ${w.marketing}, '2025-06-01', ${NOW})`.execute(trx);
      }
    }
    if (w.suppression) {
      const s = w.suppression;
      await sql`insert into suppressions (hash, email, subject_id, reason, active, seq, changed_at, created_at, actor_type, actor_id, note)
        values (${hash}, ${s.withEmail ? email : null}, ${liveId}, ${s.reason}, ${s.active}, ${a + 1}, ${NOW}, ${NOW}, 'staff', 'seed', 'seeded')`.execute(trx);
    }
    if (w.softBounces.length > 0) {
      const times = w.softBounces.map((d) => new Date(NOW.getTime() - d * DAY).toISOString());
      await sql`insert into mail_sender_soft_bounces (hash, bounced_at, updated_at) values (${hash}, ${times}::timestamptz[], ${NOW})`.execute(trx);
    }
  }
}

/** Every table applyEvents may write, as plain data (the ledger in id order, without the ids). */
async function tables(trx: Db): Promise<Record<string, unknown[]>> {
  const rows = async (q: ReturnType<typeof sql>) => (await q.execute(trx)).rows.map((r) => JSON.stringify(r));
  return {
    subjects: (await rows(sql`select * from subjects order by id`)).sort(),
    consents: (await rows(sql`select * from consents order by subject_id, purpose`)).sort(),
    consent_events: await rows(
      sql`select subject_id, purpose, action, actor_type, actor_id, occurred_at, ip, user_agent, policy_version, source, campaign_id, details from consent_events order by id`,
    ),
    suppressions: (await rows(sql`select * from suppressions order by hash`)).sort(),
    mail_sender_events: (await rows(sql`select * from mail_sender_events order by provider, event_id, hash`)).sort(),
    mail_sender_soft_bounces: (await rows(sql`select * from mail_sender_soft_bounces order by hash`)).sort(),
  };
}

type Apply = (trx: Db, ctx: ApplyContext, events: HashedEvent[]) => Promise<Map<HashedEvent, EventOutcome>>;

class Rollback extends Error {}

/** Runs the world's batches with `apply` inside a transaction that is rolled back; returns what it saw. */
async function run(db: Db, world: World, apply: Apply): Promise<{ outcomes: EventOutcome[][]; tables: Record<string, unknown[]> }> {
  let result: { outcomes: EventOutcome[][]; tables: Record<string, unknown[]> } | undefined;
  await db
    .transaction()
    .execute(async (trx) => {
      await seed(trx, world);
      const outcomes: EventOutcome[][] = [];
      let now = NOW.getTime();
      for (const b of world.batches) {
        now += b.advanceMs;
        const events: HashedEvent[] = b.events.map((e, index) => ({
          index,
          type: e.type,
          email: emailOf(e.address),
          hash: expectedHash(emailOf(e.address)),
          id: e.id,
          at: e.atDays === null ? null : new Date(now + e.atDays * DAY),
          detail: e.detail,
        }));
        const ctx: ApplyContext = { provider: b.provider, keyId: 'key-model', now: new Date(now), softBounces: world.policy };
        const out = await apply(trx, ctx, events);
        outcomes.push(events.map((e) => out.get(e)!));
      }
      result = { outcomes, tables: await tables(trx) };
      throw new Rollback();
    })
    .catch((e: unknown) => {
      if (!(e instanceof Rollback)) throw e;
    });
  return result!;
}

// ---------------------------------------------------------------------------------------------

let handle: DbHandle;
let db: Db;
beforeAll(async () => {
  handle = await createTestDb();
  db = handle.db;
});
afterAll(() => handle?.close());

const RUNS = Number(process.env.MODEL_RUNS ?? 60);

describe('applyEvents, set-based, against the one-event-at-a-time model', () => {
  it('gives the same outcome per event and leaves the same rows, for random worlds and batches', async () => {
    await fc.assert(
      fc.asyncProperty(worldOf(4), async (world) => {
        const model = await run(db, world, modelApplyEvents);
        const batch = await run(db, world, applyEvents);
        expect(batch.outcomes).toEqual(model.outcomes);
        expect(batch.tables).toEqual(model.tables);
      }),
      fcSeed({ numRuns: RUNS }),
    );
  }, 300_000);

  it('agrees on one address named many times: every order of soft bounces, bounces, complaints and unsubscribes', async () => {
    await fc.assert(
      fc.asyncProperty(worldOf(1), async (world) => {
        const model = await run(db, world, modelApplyEvents);
        const batch = await run(db, world, applyEvents);
        expect(batch.outcomes).toEqual(model.outcomes);
        expect(batch.tables).toEqual(model.tables);
      }),
      fcSeed({ numRuns: Math.ceil(RUNS / 2) }),
    );
  }, 300_000);

  it('agrees on a batch of 1,000 mixed events over known, erased and unknown addresses, with duplicates inside it', async () => {
    const random = fc.sample(worldOf(120), { numRuns: 1, seed: 20261125 })[0]!;
    // 1,000 events over 120 addresses: each address named about eight times, ids reused.
    const sampled = fc.sample(
      fc.record({
        type: fc.constantFrom(...TYPES),
        address: fc.integer({ min: 0, max: 119 }),
        id: fc.integer({ min: 0, max: 899 }).map((n) => `big-${n}`),
        atDays: fc.option(fc.integer({ min: -40, max: 1 }), { nil: null }),
        detail: fc.constant(null),
      }),
      { numRuns: 950, seed: 42 },
    );
    // And 50 repeats of earlier events (same id and address; some with another type).
    const events = [...sampled, ...Array.from({ length: 50 }, (_, i) => ({ ...sampled[i * 19]!, type: TYPES[i % 4]! }))];
    expect(events).toHaveLength(1000);
    const world: World = {
      ...random,
      policy: { threshold: 3, windowDays: 30 },
      batches: [
        { provider: 'ses', advanceMs: 0, events },
        { provider: 'ses', advanceMs: DAY, events },
      ],
    };
    const model = await run(db, world, modelApplyEvents);
    const batch = await run(db, world, applyEvents);
    expect(batch.outcomes).toEqual(model.outcomes);
    expect(batch.tables).toEqual(model.tables);
    // The batch really is mixed, and the replay is all duplicates.
    const seen = new Set(batch.outcomes[0]);
    for (const o of ['duplicate', 'suppressed', 'unsubscribed', 'counted', 'unchanged'] as const) expect(seen, o).toContain(o);
    expect(new Set(batch.outcomes[1])).toEqual(new Set(['duplicate']));
  }, 300_000);
});

// ---------------------------------------------------------------------------------------------

describe('suppressEach', () => {
  const input = fc.record({
    hash: fc.constantFrom('h0', 'h1', 'h2', 'h3'),
    email: fc.option(fc.constantFrom('a@example.ru', 'b@example.ru'), { nil: null }),
    reason: fc.constantFrom(...REASONS),
    actorType: fc.constantFrom('staff' as const, 'mail_sender' as const, 'subject' as const),
    actorId: fc.option(fc.constantFrom('k1', 'k2'), { nil: null }),
    note: fc.option(fc.constantFrom('n1', 'n2'), { nil: null }),
    atMs: fc.integer({ min: 0, max: 5 * DAY }),
  });
  const start = fc.array(
    fc.record({
      hash: fc.constantFrom('h0', 'h1', 'h2', 'h3'),
      active: fc.boolean(),
      reason: fc.constantFrom(...REASONS),
      email: fc.option(fc.constant('old@example.ru'), { nil: null }),
    }),
    {
      maxLength: 4,
    },
  );

  /** Runs inside a rolled-back transaction; returns the outcomes and the suppressions table. */
  async function runSuppress(
    starting: { hash: string; active: boolean; reason: SuppressionReason; email: string | null }[],
    inputs: SuppressInput[],
    many: boolean,
  ) {
    let result: { changed: boolean[]; rows: unknown[] } | undefined;
    await db
      .transaction()
      .execute(async (trx) => {
        for (const s of starting) {
          await sql`insert into suppressions (hash, email, subject_id, reason, active, seq, changed_at, created_at, actor_type, actor_id, note)
            values (${s.hash}, ${s.email}, null, ${s.reason}, ${s.active}, null, ${NOW}, ${NOW}, 'staff', null, null) on conflict do nothing`.execute(trx);
        }
        const changed = many ? await suppressEach(trx, inputs) : await sequential(trx, inputs);
        const rows = (await sql`select * from suppressions order by hash`.execute(trx)).rows;
        result = { changed, rows };
        throw new Rollback();
      })
      .catch((e: unknown) => {
        if (!(e instanceof Rollback)) throw e;
      });
    return result!;
  }
  async function sequential(trx: Db, inputs: SuppressInput[]) {
    const out: boolean[] = [];
    for (const s of inputs) out.push(await suppress(trx, s));
    return out;
  }

  it('does what suppress() once per input, in order, does: outcomes and rows (addresses, actors, notes, times)', async () => {
    await fc.assert(
      fc.asyncProperty(start, fc.array(input, { maxLength: 10 }), async (starting, raw) => {
        const inputs: SuppressInput[] = raw.map((r) => ({ ...r, subjectId: null, at: new Date(NOW.getTime() + r.atMs) }));
        const one = await runSuppress(starting, inputs, false);
        const many = await runSuppress(starting, inputs, true);
        expect(many).toEqual(one);
      }),
      fcSeed({ numRuns: RUNS }),
    );
  }, 300_000);
});
