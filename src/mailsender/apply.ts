/**
 * Applies what mail senders report (./events.ts) to the database, in the caller's transaction:
 * claims each event once, suppresses, counts soft bounces (the rule: ./soft-bounce.ts), and
 * takes a reported unsubscribe as the person's one-click unsubscribe.
 */
import { sql } from 'kysely';
import { appendLedger, type Evidence, type LedgerRow } from '../consent/ledger.js';
import type { Db } from '../db/handle.js';
import type { SuppressionReason } from '../db/schema.js';
import { findHashOwners, splitOwners } from '../erasure/owners.js';
import { redactAddresses } from '../privacy/redact.js';
import { type SuppressInput, suppressEach } from '../suppressions/queries.js';
import type { MailSenderEvent, Provider } from './events.js';
import { bounceTime, countSoftBounces, type SoftBouncePolicy, softBounceSuppresses } from './soft-bounce.js';

export type EventOutcome =
  /** Replay of an event already applied: nothing written. */
  | 'duplicate'
  /** The suppression list changed (new entry, reactivated, or upgraded to a staff-only reason). */
  | 'suppressed'
  /** Marketing consent withdrawn and/or the address suppressed, by the one-click path. */
  | 'unsubscribed'
  /** A soft bounce counted, below the limit. */
  | 'counted'
  /** Applied, but the address was already suppressed for an equal or stronger reason. */
  | 'unchanged';

export interface HashedEvent extends MailSenderEvent {
  hash: string;
}

export interface ApplyContext {
  provider: Provider;
  /** The API key that delivered the events (the actor id in the ledger). */
  keyId: string;
  now: Date;
  softBounces: SoftBouncePolicy;
}

interface Person {
  id: string;
  email: string | null;
  email_hash: string;
  status: 'active' | 'restricted' | 'erased';
}

/**
 * Applies a batch of already hashed events in the caller's transaction and returns an outcome
 * per event: the same outcomes, rows, ledger events and feed changes as applying the events
 * one at a time, ordered by address hash and, for one address, in the order sent (so a soft
 * bounce then a hard bounce, or one event id twice, mean what they say).
 *
 * Set-based: at most ten statements whatever the size of the batch (claim the event ids, read
 * the people, lock them, withdraw the leavers' consent, count soft bounces (two), suppress
 * (three), append the ledger). What each event does is decided in memory, in order, from rows
 * locked until the transaction ends. Locks are taken table by table, each in hash order (people
 * before suppressions, as the one-click unsubscribe takes them), so two batches, or a batch and
 * a click, naming the same addresses do not deadlock.
 *
 * @example
 * const outcomes = await db.transaction().execute((trx) => applyEvents(trx, { provider: 'generic', keyId, now, softBounces }, hashed));
 */
/** One report of the mail sender, applied in one transaction: all of it or nothing. */
export function applyReport(db: Db, ctx: ApplyContext, events: HashedEvent[]): Promise<Map<HashedEvent, EventOutcome>> {
  return db.transaction().execute((trx) => applyEvents(trx, ctx, events));
}

export async function applyEvents(trx: Db, ctx: ApplyContext, events: HashedEvent[]): Promise<Map<HashedEvent, EventOutcome>> {
  const order = events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.hash < b.e.hash ? -1 : a.e.hash > b.e.hash ? 1 : a.i - b.i))
    .map(({ e }) => e);
  // By position in `order` from here on: a caller may pass one object twice.
  const claimed = await claimEvents(trx, ctx, order);
  const applied = order.flatMap((e, k) => (claimed[k] ? [{ k, e }] : []));
  const outcomes: EventOutcome[] = order.map(() => 'duplicate');

  if (applied.length > 0) {
    const { live, erased } = await findPeople(
      trx,
      applied.map(({ e }) => e.hash),
    );
    const leaving = new Set(applied.flatMap(({ e }) => (e.type === 'unsubscribe' && live.has(e.hash) ? [live.get(e.hash)!.id] : [])));
    const locked = await lockPeople(
      trx,
      [...live.values()].map((p) => ({ id: p.id, leaving: leaving.has(p.id) })),
    );
    const withdrawnFrom = await withdrawMarketing(
      trx,
      ctx.now,
      [...leaving].filter((id) => locked.get(id)!.status !== 'erased'),
    );
    const soft = applied.filter(({ e }) => e.type === 'soft_bounce');
    const counts = await recordSoftBounces(
      trx,
      ctx,
      soft.map(({ e }) => e),
    );
    const softCount = new Map(soft.map(({ k }, j) => [k, counts[j]!]));

    // What each event does, in order: the suppressions to try, and what follows if they change the list.
    const inputs: SuppressInput[] = [];
    // biome-ignore lint/suspicious/useIterableCallbackReturn: the switch covers every event type; the Plan return type makes TypeScript prove it.
    const plans = applied.map(({ k, e }): Plan => {
      const suppressFor = (reason: SuppressionReason, extra: Record<string, unknown> = {}): Plan => {
        const person = live.get(e.hash);
        // The address stays with the entry, unless it was an erased person's, by any address
        // they ever had: then only the hash stays, linked to their erased shell, without the
        // sender's text (it may quote them).
        const erasedOwner = person ? undefined : erased.get(e.hash);
        const email = person ? person.email : erasedOwner ? null : e.email;
        const note = erasedOwner ? null : `mail sender (${ctx.provider}) ${e.type}${e.detail ? `: ${redactAddresses(e.detail)}` : ''}`.slice(0, 500);
        inputs.push({
          hash: e.hash,
          email,
          subjectId: person?.id ?? erasedOwner ?? null,
          reason,
          actorType: 'mail_sender',
          actorId: ctx.keyId,
          note,
          at: ctx.now,
        });
        return { kind: 'suppress', k, e, input: inputs.length - 1, person, reason, extra };
      };
      switch (e.type) {
        case 'hard_bounce':
          return suppressFor('bounced');
        case 'complaint':
          return suppressFor('complained');
        case 'soft_bounce': {
          const count = softCount.get(k)!;
          return softBounceSuppresses(count, ctx.softBounces) ? suppressFor('bounced', { softBounces: count }) : { kind: 'counted', k };
        }
        case 'unsubscribe': {
          const known = live.get(e.hash);
          if (!known) return suppressFor('unsubscribed');
          // The same act as a one-click unsubscribe from the mailbox, reported by the sender:
          // on the person's row as locked (an erased person has nothing left to change).
          const person = locked.get(known.id)!;
          if (person.status === 'erased') return { kind: 'unchanged', k };
          // Only a person's first unsubscribe withdraws; the next ones find consent withdrawn.
          const from = withdrawnFrom.get(person.id);
          withdrawnFrom.delete(person.id);
          inputs.push({
            hash: person.email_hash,
            email: person.email,
            subjectId: person.id,
            reason: 'unsubscribed',
            actorType: 'mail_sender',
            actorId: ctx.keyId,
            note: null,
            at: ctx.now,
          });
          return { kind: 'unsubscribe', k, e, input: inputs.length - 1, person, from };
        }
      }
    });

    const changed = await suppressEach(trx, inputs);

    // Actor the mail sender's key, at ctx.now; purpose marketing (ACTION_PURPOSE).
    const ledger: LedgerRow[] = [];
    const evidence = (source: string): Evidence => ({ actorType: 'mail_sender', actorId: ctx.keyId, at: ctx.now, source });
    for (const plan of plans) {
      if (plan.kind === 'counted' || plan.kind === 'unchanged') {
        outcomes[plan.k] = plan.kind;
        continue;
      }
      const e = plan.e;
      const suppressed = changed[plan.input]!;
      if (plan.kind === 'suppress') {
        const person = plan.person;
        outcomes[plan.k] = suppressed ? 'suppressed' : 'unchanged';
        if (suppressed && person) {
          const details = {
            reason: plan.reason,
            provider: ctx.provider,
            eventId: e.id,
            eventType: e.type,
            ...(e.at ? { reportedAt: e.at.toISOString() } : {}),
            ...plan.extra,
          };
          ledger.push({ subjectId: person.id, action: 'suppressed', evidence: evidence(`mail-sender:${ctx.provider}`), details });
        }
      } else {
        outcomes[plan.k] = plan.from !== undefined || suppressed ? 'unsubscribed' : 'unchanged';
        const { person } = plan;
        const source = `mail-sender:${ctx.provider}:${e.id}`.slice(0, 300);
        if (plan.from !== undefined) ledger.push({ subjectId: person.id, action: 'unsubscribed', evidence: evidence(source), details: { from: plan.from } });
        if (suppressed) ledger.push({ subjectId: person.id, action: 'suppressed', evidence: evidence(source), details: { reason: 'unsubscribed' } });
      }
    }
    await appendLedger(trx, ledger);
  }

  const out = new Map<HashedEvent, EventOutcome>();
  order.forEach((e, k) => {
    out.set(e, outcomes[k]!);
  });
  return out;
}

/** What one applied event does (k: its position in the batch, in the order applied). */
type Plan =
  | { kind: 'counted'; k: number }
  | { kind: 'unchanged'; k: number }
  | { kind: 'suppress'; k: number; e: HashedEvent; input: number; person: Person | undefined; reason: SuppressionReason; extra: Record<string, unknown> }
  | { kind: 'unsubscribe'; k: number; e: HashedEvent; input: number; person: Person; from: string | undefined };

/**
 * Claims each event (provider, id, address hash) in one insert, and says per position whether
 * it is new. A replay (or a concurrent delivery of the same webhook, which waits here for the
 * first one to commit) finds the key taken; so does the second of one key within the batch.
 */
async function claimEvents(trx: Db, ctx: ApplyContext, order: HashedEvent[]): Promise<boolean[]> {
  const firstOf = new Map<string, number>();
  order.forEach((e, k) => {
    const key = `${e.id}\u0000${e.hash}`;
    if (!firstOf.has(key)) firstOf.set(key, k);
  });
  if (firstOf.size === 0) return [];
  const rows = [...firstOf.values()].map((k) => ({ event_id: order[k]!.id, hash: order[k]!.hash, type: order[k]!.type }));
  const won = await sql<{ event_id: string; hash: string }>`
    insert into mail_sender_events (provider, event_id, hash, type, received_at)
    select ${ctx.provider}, v.event_id, v.hash, v.type, ${ctx.now}
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(event_id text, hash text, type text)
    order by v.hash, v.event_id
    on conflict (provider, event_id, hash) do nothing
    returning event_id, hash`.execute(trx);
  const claimed = order.map(() => false);
  for (const r of won.rows) claimed[firstOf.get(`${r.event_id}\u0000${r.hash}`)!] = true;
  return claimed;
}

/**
 * The live person of each address (in address-hash order), and which addresses were an erased
 * person's, by any address they ever had (see findHashOwners): those are stored without address.
 */
async function findPeople(trx: Db, hashes: string[]): Promise<{ live: Map<string, Person>; erased: Map<string, string> }> {
  return splitOwners(await findHashOwners(trx, hashes));
}

/**
 * Locks the rows of the live people a batch names, in address-hash order (the order given), in
 * one statement: FOR UPDATE for those who unsubscribe, as the one-click unsubscribe does; FOR
 * KEY SHARE for the others, which their ledger rows' foreign key would take anyway, but taken
 * here before any suppression is locked (a one-click unsubscribe locks the person, then the
 * suppression: the other order could deadlock with it). Returns the rows as locked.
 */
async function lockPeople(trx: Db, people: { id: string; leaving: boolean }[]): Promise<Map<string, Person>> {
  if (people.length === 0) return new Map();
  // One lock strength per row, row by row in order: a locking clause cannot vary within a select.
  const rows = await sql<Person>`
    select coalesce(u.id, k.id) as id, coalesce(u.email, k.email) as email, coalesce(u.email_hash, k.email_hash) as email_hash, coalesce(u.status, k.status) as status
    from unnest(${people.map((p) => p.id)}::uuid[], ${people.map((p) => p.leaving)}::boolean[]) with ordinality as v(id, leaving, n)
    left join lateral (select id, email, email_hash, status from subjects where id = v.id and v.leaving for update) u on true
    left join lateral (select id, email, email_hash, status from subjects where id = v.id and not v.leaving for key share) k on true
    order by v.n`.execute(trx);
  return new Map(rows.rows.map((p) => [p.id, p]));
}

/**
 * Withdraws marketing consent of people whose rows are locked; returns, for each one whose
 * consent changed, the state it changed from (`none` when there was none).
 */
async function withdrawMarketing(trx: Db, at: Date, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const r = await sql<{ subject_id: string; from: string }>`
    with before as (
      select subject_id, state from consents where purpose = 'marketing' and subject_id = any(${ids}::uuid[])
    ),
    c as (
      insert into consents (subject_id, purpose, state, policy_version, updated_at)
      select id, 'marketing', 'withdrawn', null, ${at} from unnest(${ids}::uuid[]) with ordinality as v(id, n) order by n
      on conflict (subject_id, purpose) do update set state = 'withdrawn', updated_at = excluded.updated_at
        where consents.state <> 'withdrawn'
      returning subject_id
    )
    select c.subject_id, coalesce(before.state, 'none') as "from" from c left join before using (subject_id)`.execute(trx);
  return new Map(r.rows.map((row) => [row.subject_id, row.from]));
}

/**
 * Records soft bounces (two statements for any number of addresses) and returns, per bounce,
 * its count within the window. Each address's row is created if missing and locked, so
 * concurrent soft bounces for one address count once each.
 */
async function recordSoftBounces(trx: Db, ctx: ApplyContext, bounces: HashedEvent[]): Promise<number[]> {
  if (bounces.length === 0) return [];
  const byHash = new Map<string, number[]>();
  bounces.forEach((e, j) => {
    const list = byHash.get(e.hash);
    if (list) list.push(j);
    else byHash.set(e.hash, [j]);
  });
  const held = await sql<{ hash: string; bounced_at: unknown }>`
    insert into mail_sender_soft_bounces (hash, bounced_at, updated_at)
    select h, '{}', ${ctx.now} from unnest(${[...byHash.keys()]}::text[]) as h order by h
    on conflict (hash) do update set updated_at = excluded.updated_at
    returning hash, bounced_at`.execute(trx);
  const counts: number[] = bounces.map(() => 0);
  const rows: { hash: string; bounced_at: string[] }[] = [];
  for (const row of held.rows) {
    const mine = byHash.get(row.hash)!;
    const times = mine.map((j) => bounceTime(bounces[j]!.at, ctx.now));
    const r = countSoftBounces(toDates(row.bounced_at), times, ctx.softBounces);
    mine.forEach((j, i) => {
      counts[j] = r.counts[i]!;
    });
    rows.push({ hash: row.hash, bounced_at: r.held.map((t) => t.toISOString()) });
  }
  await sql`
    update mail_sender_soft_bounces m set bounced_at = v.bounced_at, updated_at = ${ctx.now}
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(hash text, bounced_at timestamptz[])
    where m.hash = v.hash`.execute(trx);
  return counts;
}

/** pg returns timestamptz[] as Date[]; PGlite may hand back strings. */
function toDates(v: unknown): Date[] {
  if (!Array.isArray(v)) return [];
  return v.map((x) => (x instanceof Date ? x : new Date(String(x)))).filter((d) => !Number.isNaN(d.getTime()));
}

/** Soft-bounce count currently held for an address hash (for tests and staff tools). */
export async function softBounceTimes(db: Db, hash: string): Promise<Date[]> {
  const row = await db.selectFrom('mail_sender_soft_bounces').select('bounced_at').where('hash', '=', hash).executeTakeFirst();
  return row ? toDates(row.bounced_at) : [];
}

/** What the response counts, from the outcomes of one batch. */
export interface ApplySummary {
  /** Events applied (including those that found the address already suppressed). */
  processed: number;
  /** Replays: nothing written. */
  duplicates: number;
  /** Applied events that changed the suppression list or withdrew consent. */
  suppressed: number;
}

/**
 * Counts the outcomes of one batch.
 *
 * @example
 * summarize(['duplicate', 'suppressed', 'counted']) // { processed: 2, duplicates: 1, suppressed: 1 }
 */
export function summarize(outcomes: Iterable<EventOutcome>): ApplySummary {
  const s: ApplySummary = { processed: 0, duplicates: 0, suppressed: 0 };
  for (const o of outcomes) {
    if (o === 'duplicate') s.duplicates++;
    else {
      s.processed++;
      if (o === 'suppressed' || o === 'unsubscribed') s.suppressed++;
    }
  }
  return s;
}
