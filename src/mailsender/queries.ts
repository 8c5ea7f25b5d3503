import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import type { SuppressionReason } from '../db/schema.js';
import { recordEvents } from '../consent/events.js';
import { suppress } from '../suppressions/queries.js';
import { unsubscribe } from '../unsubscribe/actions.js';
import { redactAddresses, type MailSenderEvent, type MailSenderEventType, type Provider } from './adapters.js';

/** The N-th soft bounce of an address within the window suppresses it as `bounced`. */
export const SOFT_BOUNCE_THRESHOLD = 3;
export const SOFT_BOUNCE_WINDOW_DAYS = 30;

export interface SoftBouncePolicy {
  threshold: number;
  windowDays: number;
}

export const defaultSoftBouncePolicy: SoftBouncePolicy = { threshold: SOFT_BOUNCE_THRESHOLD, windowDays: SOFT_BOUNCE_WINDOW_DAYS };

/** The tables of migration 0006 (kept out of the shared schema file on purpose). */
export type MailSenderTables = {
  mail_sender_soft_bounces: {
    hash: string;
    bounced_at: Date[];
    updated_at: Date;
  };
  mail_sender_events: {
    provider: Provider;
    event_id: string;
    hash: string;
    type: MailSenderEventType;
    received_at: Date;
  };
};

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

/**
 * Applies a batch of already hashed events in the caller's transaction, in an order that
 * takes row locks by address hash (two batches naming the same addresses cannot deadlock on
 * each other); events for one address keep their order. Returns an outcome per event.
 */
export async function applyEvents(trx: Db, ctx: ApplyContext, events: HashedEvent[]): Promise<Map<HashedEvent, EventOutcome>> {
  const order = events.map((e, i) => ({ e, i })).sort((a, b) => (a.e.hash < b.e.hash ? -1 : a.e.hash > b.e.hash ? 1 : a.i - b.i));
  const out = new Map<HashedEvent, EventOutcome>();
  for (const { e } of order) out.set(e, await applyEvent(trx, ctx, e));
  return out;
}

async function applyEvent(trx: Db, ctx: ApplyContext, e: HashedEvent): Promise<EventOutcome> {
  const db = trx.withTables<MailSenderTables>();
  // Claim the event: a replay (or a concurrent delivery of the same webhook, which waits here
  // for the first one to commit) finds the key taken and changes nothing.
  const claimed = await db
    .insertInto('mail_sender_events')
    .values({ provider: ctx.provider, event_id: e.id, hash: e.hash, type: e.type, received_at: ctx.now })
    .onConflict((oc) => oc.columns(['provider', 'event_id', 'hash']).doNothing())
    .returning('hash')
    .executeTakeFirst();
  if (!claimed) return 'duplicate';

  const live = await trx
    .selectFrom('subjects')
    .select(['id', 'email'])
    .where('email_hash', '=', e.hash)
    .where('status', '<>', 'erased')
    .executeTakeFirst();

  switch (e.type) {
    case 'hard_bounce':
      return (await suppressFor(trx, ctx, e, live, 'bounced', {})) ? 'suppressed' : 'unchanged';
    case 'complaint':
      return (await suppressFor(trx, ctx, e, live, 'complained', {})) ? 'suppressed' : 'unchanged';
    case 'unsubscribe': {
      if (live) {
        // The same act as a one-click unsubscribe from the mailbox, reported by the sender.
        const r = await unsubscribe(trx, live.id, {
          actorType: 'mail_sender',
          actorId: ctx.keyId,
          at: ctx.now,
          source: `mail-sender:${ctx.provider}:${e.id}`.slice(0, 300),
        });
        return r.kind === 'unsubscribed' ? 'unsubscribed' : 'unchanged';
      }
      return (await suppressFor(trx, ctx, e, live, 'unsubscribed', {})) ? 'suppressed' : 'unchanged';
    }
    case 'soft_bounce': {
      const count = await countSoftBounce(trx, ctx, e);
      if (count < ctx.softBounces.threshold) return 'counted';
      return (await suppressFor(trx, ctx, e, live, 'bounced', { softBounces: count })) ? 'suppressed' : 'unchanged';
    }
  }
}

/**
 * Suppresses the event's address; for a live person, appends the ledger event when the
 * suppression list changed. The address is kept with the entry unless it belongs to an erased
 * person (their address is gone; only the hash stays).
 */
async function suppressFor(
  trx: Db,
  ctx: ApplyContext,
  e: HashedEvent,
  live: { id: string; email: string | null } | undefined,
  reason: SuppressionReason,
  extra: Record<string, unknown>,
): Promise<boolean> {
  let email: string | null = live?.email ?? e.email;
  if (!live) {
    const erased = await trx.selectFrom('subjects').select('id').where('email_hash', '=', e.hash).where('status', '=', 'erased').executeTakeFirst();
    if (erased) email = null;
  }
  const note = `mail sender (${ctx.provider}) ${e.type}${e.detail ? `: ${redactAddresses(e.detail)}` : ''}`.slice(0, 500);
  const changed = await suppress(trx, {
    hash: e.hash,
    email,
    subjectId: live?.id ?? null,
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
        details: {
          reason,
          provider: ctx.provider,
          eventId: e.id,
          eventType: e.type,
          ...(e.at ? { reportedAt: e.at.toISOString() } : {}),
          ...extra,
        },
      },
    ]);
  }
  return changed;
}

/**
 * Records a soft bounce and returns how many the address has had within the window ending at
 * this one (this one included). Reaching the limit empties the list, so the count starts over
 * if the address is later lifted and bounces again.
 */
async function countSoftBounce(trx: Db, ctx: ApplyContext, e: HashedEvent): Promise<number> {
  const db = trx.withTables<MailSenderTables>();
  // The provider's time, but never in our future (a skewed clock must not stretch the window).
  const at = e.at && e.at.getTime() <= ctx.now.getTime() ? e.at : ctx.now;
  const windowMs = ctx.softBounces.windowDays * 86_400_000;
  // Make sure the row exists, then lock it: concurrent soft bounces for one address count once each.
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
  // Later bounces than this one (reported out of order) stay for their own windows.
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

/** pg returns timestamptz[] as Date[]; PGlite may hand back strings. */
function toDates(v: unknown): Date[] {
  if (!Array.isArray(v)) return [];
  return v.map((x) => (x instanceof Date ? x : new Date(String(x)))).filter((d) => !Number.isNaN(d.getTime()));
}

/** Soft-bounce count currently held for an address hash (for tests and staff tools). */
export async function softBounceTimes(db: Db, hash: string): Promise<Date[]> {
  const row = await db.withTables<MailSenderTables>().selectFrom('mail_sender_soft_bounces').select('bounced_at').where('hash', '=', hash).executeTakeFirst();
  return row ? toDates(row.bounced_at) : [];
}
