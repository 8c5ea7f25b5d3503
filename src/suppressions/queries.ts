import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import type { ActorType, SuppressionReason } from '../db/schema.js';

/** Reasons that only the person's own confirmed opt-in lifts. */
export const SELF_REASONS: readonly SuppressionReason[] = ['unsubscribed', 'withdrawn', 'erased'];

export interface SuppressInput {
  hash: string;
  email: string | null;
  subjectId: string | null;
  reason: SuppressionReason;
  actorType: ActorType;
  actorId?: string | null;
  note?: string | null;
  at: Date;
}

/**
 * Suppresses an address. An address already actively suppressed keeps its entry as it is
 * (a second click adds no feed record), unless the new reason is one only staff may lift and
 * the old one was the person's own; a lifted one becomes active again with a new record.
 * Returns whether the feed changed.
 */
export async function suppress(db: Db, s: SuppressInput): Promise<boolean> {
  const row = await db
    .insertInto('suppressions')
    .values({
      hash: s.hash,
      email: s.email,
      subject_id: s.subjectId,
      reason: s.reason,
      active: true,
      seq: null,
      changed_at: s.at,
      created_at: s.at,
      actor_type: s.actorType,
      actor_id: s.actorId ?? null,
      note: s.note ?? null,
    })
    .onConflict((oc) =>
      oc
        .column('hash')
        .doUpdateSet({
          reason: (eb) => eb.ref('excluded.reason'),
          active: true,
          seq: null,
          changed_at: (eb) => eb.ref('excluded.changed_at'),
          email: (eb) => eb.fn.coalesce('excluded.email', 'suppressions.email'),
          subject_id: (eb) => eb.fn.coalesce('excluded.subject_id', 'suppressions.subject_id'),
          actor_type: (eb) => eb.ref('excluded.actor_type'),
          actor_id: (eb) => eb.ref('excluded.actor_id'),
          note: (eb) => eb.ref('excluded.note'),
        })
        // A new entry where none is active; or an upgrade from the person's own reason to one
        // only staff may lift (a bounce while unsubscribed must survive their next opt-in).
        .where((eb) =>
          eb.or([
            eb('suppressions.active', '=', false),
            eb.and([eb('suppressions.reason', 'in', [...SELF_REASONS]), eb('excluded.reason', 'not in', [...SELF_REASONS])]),
          ]),
        ),
    )
    .returning('hash')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Lifts an active suppression if its reason is one of `reasons`. The entry stays, inactive,
 * as a tombstone the feed carries. Returns whether anything was lifted.
 */
export async function lift(
  db: Db,
  l: { hash: string; reasons: readonly SuppressionReason[]; actorType: ActorType; actorId?: string | null; note?: string | null; at: Date },
): Promise<boolean> {
  const r = await db
    .updateTable('suppressions')
    .set({ active: false, seq: null, changed_at: l.at, actor_type: l.actorType, actor_id: l.actorId ?? null, note: l.note ?? null })
    .where('hash', '=', l.hash)
    .where('active', '=', true)
    .where('reason', 'in', [...l.reasons])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function findSuppression(db: Db, hash: string) {
  return db.selectFrom('suppressions').select(['hash', 'reason', 'active', 'seq']).where('hash', '=', hash).executeTakeFirst();
}

/**
 * Gives every changed entry its feed sequence number, in commit order, and returns the
 * high-water mark: one call of the database function `sequence_suppressions()`.
 *
 * Why not a sequence default on write: with concurrent writers, seq 6 can commit before
 * seq 5, and a reader that already moved past 6 would never see 5. Here writers leave seq
 * null; one sequencer at a time (an advisory lock held to commit) numbers the committed
 * entries, so any entry committed later gets a higher number than everything already visible.
 * Hence also: whoever sees seq n sees every seq below it that will ever exist.
 */
export async function sequenceSuppressions(db: Db): Promise<number> {
  const r = await sql<{ hwm: string | number }>`select sequence_suppressions() as hwm`.execute(db);
  return Number(r.rows[0]!.hwm);
}

export interface FeedRecord {
  seq: number;
  hash: string;
  email: string | null;
  reason: SuppressionReason;
  active: boolean;
  createdAt: Date;
}

/**
 * Feed records with `since < seq <= upTo`, read in keyset pages so memory stays constant
 * however long the feed is.
 */
export async function* readFeed(db: Db, since: number, upTo: number, limit: number, pageSize = 1000): AsyncGenerator<FeedRecord> {
  let cursor = since;
  let remaining = limit;
  while (remaining > 0 && cursor < upTo) {
    const rows = await db
      .selectFrom('suppressions')
      .select(['seq', 'hash', 'email', 'reason', 'active', 'changed_at'])
      .where('seq', '>', String(cursor))
      .where('seq', '<=', String(upTo))
      .orderBy('seq')
      .limit(Math.min(pageSize, remaining))
      .execute();
    if (rows.length === 0) return;
    for (const r of rows) {
      yield { seq: Number(r.seq), hash: r.hash, email: r.email, reason: r.reason, active: r.active, createdAt: r.changed_at };
    }
    cursor = Number(rows[rows.length - 1]!.seq);
    remaining -= rows.length;
  }
}
