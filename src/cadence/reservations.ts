import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import { topicLeavers } from '../topics/queries.js';
import { type CadenceLimits, type CapGroup, type DenialReason, decide, decisionSends } from './policy.js';
import { cadenceSubject, readCadenceState } from './state.js';

export interface Denial {
  subject: string;
  reason: DenialReason;
  nextAllowedAt?: string;
}

export interface ReservationResult {
  allowed: string[];
  denied: Denial[];
}

const DAY = 86_400_000;

/** How far back the ledger must be read for a decision now. */
export function lookbackStart(limits: CadenceLimits, ttlHours: number, now: Date): Date {
  const span = Math.max(limits.windowDays * DAY, 32 * DAY, limits.minGapHours * 3_600_000) + ttlHours * 3_600_000 + DAY;
  return new Date(now.getTime() - span);
}

/**
 * Decides and reserves a campaign's recipients in one transaction, set-based: a handful of
 * statements whatever the batch size. The subjects are locked in id order first, so two
 * campaigns racing for one person decide one after the other (no deadlock, no double pass),
 * and an unsubscribe racing a reservation is seen by it or waits for it.
 *
 * A subject already reserved (or sent) for this campaign is allowed again without a new row.
 *
 * With a topic (the campaign's): the people who left it are denied (`topic_unsubscribed`), the
 * sends that count are those of its cap group (`capGroup`, policy.ts), and the rows name it.
 */
export async function reserve(
  db: Db,
  opts: { campaignId: string; subjectIds: string[]; limits: CadenceLimits; ttlHours: number; now: Date; topic?: string | null; capGroup?: CapGroup },
): Promise<ReservationResult> {
  const { campaignId, limits, now } = opts;
  const ids = [...new Set(opts.subjectIds)];
  return db.transaction().execute(async (trx) => {
    // The locks first, in their own statement: under READ COMMITTED the read below then takes its
    // snapshot after every transaction we waited for has committed, so it sees what they wrote
    // (a lock taken by the read itself would re-read only the locked subject rows, not their
    // consents, suppressions or sends). One row back, not one per subject.
    await sql`select count(*) from (select id from subjects where id = any(${ids}::uuid[]) order by id for update) as locked`.execute(trx);
    // A reservation neither sent nor released stops counting once expired. Release those of
    // the people at hand within the look-back (an index range per person); older ones no
    // longer matter to a decision and the jobs sweep them.
    const since = lookbackStart(limits, opts.ttlHours, now);
    await sql`
      update sends set status = 'released', released_at = ${now}
      where subject_id = any(${ids}::uuid[]) and status = 'reserved' and reserved_at > ${since} and expires_at <= ${now}`.execute(trx);
    const topic = opts.topic ?? null;
    const byId = await readCadenceState(trx, ids, { since, now, campaignId, mostRecent: decisionSends(limits), capGroup: opts.capGroup ?? null });
    const left = topic ? await topicLeavers(trx, topic, ids) : new Set<string>();
    const allowed: string[] = [];
    const fresh: string[] = [];
    const revived: string[] = [];
    const denied: Denial[] = [];
    const withdrawnSince: string[] = [];
    for (const id of ids) {
      const r = byId.get(id);
      if (r?.already) {
        // Idempotent for the timing rules (the reservation is the send being counted), but a
        // person who left since the first call must not be mailed: re-check who they are.
        const who = decide(
          {
            status: r.status,
            marketing: r.marketing,
            suppressed: r.suppressed,
            frequency: 'standard',
            pausedUntil: null,
            sends: [],
            topicUnsubscribed: left.has(id),
          },
          limits,
          now,
        );
        if (who.allowed) allowed.push(id);
        else {
          denied.push({ subject: id, reason: who.reason });
          withdrawnSince.push(id);
        }
        continue;
      }
      const d = decide(r ? { ...cadenceSubject(r), topicUnsubscribed: left.has(id) } : null, limits, now);
      if (d.allowed) {
        allowed.push(id);
        (r?.hasRow ? revived : fresh).push(id);
      } else {
        denied.push({ subject: id, reason: d.reason, ...(d.nextAllowedAt ? { nextAllowedAt: d.nextAllowedAt.toISOString() } : {}) });
      }
    }
    if (withdrawnSince.length) {
      await sql`
        update sends set status = 'released', released_at = ${now}
        where campaign_id = ${campaignId} and subject_id = any(${withdrawnSince}::uuid[]) and status = 'reserved'`.execute(trx);
    }
    const expires = new Date(now.getTime() + opts.ttlHours * 3_600_000);
    // Plain INSERT, no ON CONFLICT: every reservation of a subject holds its row lock, so no
    // other transaction can add a (campaign, subject) row we did not see.
    if (fresh.length) {
      await sql`
        insert into sends (campaign_id, subject_id, status, reserved_at, expires_at, topic)
        select ${campaignId}, id, 'reserved', ${now}, ${expires}, ${topic}::text from unnest(${fresh}::uuid[]) as id`.execute(trx);
    }
    if (revived.length) {
      await sql`
        update sends set status = 'reserved', reserved_at = ${now}, expires_at = ${expires}, sent_at = null, released_at = null, topic = ${topic}::text
        where campaign_id = ${campaignId} and subject_id = any(${revived}::uuid[])`.execute(trx);
    }
    return { allowed, denied };
  });
}

/**
 * Marks reservations sent (idempotent). An expired reservation cannot be marked sent: it
 * stopped counting, so another campaign may have taken its place; reserve again instead.
 * Returns the subjects that had no live reservation.
 */
export async function markSent(db: Db, campaignId: string, subjectIds: string[], now: Date): Promise<{ updated: number; notReserved: string[] }> {
  const ids = [...new Set(subjectIds)];
  const r = await sql<{ subject_id: string }>`
    update sends set status = 'sent', sent_at = coalesce(sent_at, ${now})
    where campaign_id = ${campaignId} and subject_id = any(${ids}::uuid[])
      and (status = 'sent' or (status = 'reserved' and expires_at > ${now}))
    returning subject_id`.execute(db);
  const done = new Set(r.rows.map((x) => x.subject_id));
  return { updated: done.size, notReserved: ids.filter((id) => !done.has(id)) };
}

/** Frees reservations that were not sent. Sent ones cannot be released. */
export async function release(db: Db, campaignId: string, subjectIds: string[], now: Date): Promise<{ released: number; notReserved: string[] }> {
  const ids = [...new Set(subjectIds)];
  const r = await sql<{ subject_id: string }>`
    update sends set status = 'released', released_at = ${now}
    where campaign_id = ${campaignId} and subject_id = any(${ids}::uuid[]) and status = 'reserved'
    returning subject_id`.execute(db);
  const done = new Set(r.rows.map((x) => x.subject_id));
  return { released: done.size, notReserved: ids.filter((id) => !done.has(id)) };
}

/**
 * Housekeeping: releases expired reservations everywhere and deletes ledger rows older than
 * the retention (kept that long as evidence of what we sent). Returns the counts.
 */
export async function sweepLedger(db: Db, now: Date, retentionDays: number): Promise<{ expired: number; pruned: number }> {
  const expired = await sql`update sends set status = 'released', released_at = ${now} where status = 'reserved' and expires_at <= ${now}`.execute(db);
  const cutoff = new Date(now.getTime() - retentionDays * DAY);
  // reserved_at <= sent_at/released_at, so the indexed condition is a superset of the exact one.
  const pruned = await sql`delete from sends where reserved_at < ${cutoff} and coalesce(sent_at, released_at, reserved_at) < ${cutoff}`.execute(db);
  return { expired: Number(expired.numAffectedRows ?? 0), pruned: Number(pruned.numAffectedRows ?? 0) };
}
