import type { Db } from '../db/handle.js';

export type RetryOutcome = { kind: 'retried' } | { kind: 'not_dead' } | { kind: 'cancelled' };

/**
 * Puts a dead outbox row back to pending, due now, with a fresh count of attempts: a staff
 * member's "try again" after fixing what failed (a relay down, a wrong setting). A row parked
 * as cancelled (the person withdrew or unsubscribed, see queries.ts) is never revived: that
 * mail must not go. One statement, so two clicks retry it once.
 *
 * @example
 * const out = await retryDead(db, '42', now); // { kind: 'retried' }
 */
export async function retryDead(db: Db, id: string, now: Date): Promise<RetryOutcome> {
  if (!/^\d{1,18}$/.test(id)) return { kind: 'not_dead' };
  const r = await db
    .updateTable('outbox')
    .set({ status: 'pending', available_at: now, attempts: 0, done_at: null })
    .where('id', '=', id)
    .where('status', '=', 'dead')
    .where((eb) => eb.or([eb('last_error', 'is', null), eb('last_error', 'not like', 'cancelled:%')]))
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) > 0) return { kind: 'retried' };
  const row = await db.selectFrom('outbox').select(['status', 'last_error']).where('id', '=', id).executeTakeFirst();
  return row?.status === 'dead' ? { kind: 'cancelled' } : { kind: 'not_dead' };
}
