import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import { backoffMs } from '../jobs/backoff.js';
import { withoutAddress } from './queries.js';

export interface OutboxRow {
  id: string;
  kind: string;
  subject_id: string | null;
  payload: Record<string, unknown>;
  idempotency_key: string;
  attempts: number;
  /** Random per row, set at enqueue: the unique part of its Message-ID. */
  message_token: string;
}

/**
 * Claims due messages under a lease: their `available_at` moves `leaseMs` ahead and `attempts`
 * counts this try, in one statement (FOR UPDATE SKIP LOCKED, so workers never take the same
 * row). No transaction is held while delivering; a worker that dies mid-delivery leaves the
 * row to be taken again when the lease runs out (at-least-once, hence idempotency keys).
 */
export async function claimDue(db: Db, opts: { now: Date; leaseMs: number; limit: number; kinds?: string[] }): Promise<OutboxRow[]> {
  const leaseUntil = new Date(opts.now.getTime() + opts.leaseMs);
  const kinds = opts.kinds ?? null;
  const r = await sql<OutboxRow & { payload: unknown }>`
    update outbox set attempts = attempts + 1, available_at = ${leaseUntil}
    where id in (
      select id from outbox
      where status = 'pending' and available_at <= ${opts.now}
        and (${kinds}::text[] is null or kind = any(${kinds}::text[]))
      order by available_at, id
      limit ${opts.limit}
      for update skip locked
    )
    returning id, kind, subject_id, payload, idempotency_key, attempts, message_token`.execute(db);
  return r.rows.map((row) => ({
    ...row,
    id: String(row.id),
    payload: (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<string, unknown>,
  }));
}

/** How a failed try waits before the next (see backoffMs): half a minute at first, six hours at most. */
export const RETRY_BACKOFF = { baseMs: 30_000, capMs: 6 * 3_600_000 } as const;

export async function markDone(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable('outbox').set({ status: 'done', done_at: at, last_error: null, payload: withoutAddress }).where('id', '=', id).execute();
}

/**
 * Records a failed try: retried after an exponential backoff with jitter, or parked as dead
 * with its last error once `maxAttempts` is reached (or at once when `permanent`).
 */
export async function markFailed(
  db: Db,
  row: Pick<OutboxRow, 'id' | 'attempts'>,
  error: string,
  opts: { now: Date; maxAttempts: number; baseMs: number; capMs: number; random: () => number; permanent?: boolean },
): Promise<'retry' | 'dead'> {
  const dead = opts.permanent || row.attempts >= opts.maxAttempts;
  if (dead) {
    await db
      .updateTable('outbox')
      .set({ status: 'dead', last_error: error.slice(0, 2000), done_at: opts.now, payload: withoutAddress })
      .where('id', '=', row.id)
      .execute();
    return 'dead';
  }
  await db
    .updateTable('outbox')
    .set({ available_at: new Date(opts.now.getTime() + backoffMs(row.attempts, opts)), last_error: error.slice(0, 2000) })
    .where('id', '=', row.id)
    .execute();
  return 'retry';
}
