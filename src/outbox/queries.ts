import { sql } from 'kysely';
import type { Db } from '../db/handle.js';

import type { EmailName } from '../emails/render.js';

/** Every outbox row is an e-mail; pushes go from the suppression feed's own cursor. */
export type OutboxKind = EmailName;

/**
 * The only mail a person who withdrew consent to processing still gets: the notice of the
 * withdrawal and the notice that their data is erased. Everything else is cancelled at the
 * withdrawal, not queued after it, and not delivered if it slipped in (see {@link enqueue} and
 * deliverEmails): one rule, checked where mail enters and where it leaves.
 */
export const MAIL_AFTER_WITHDRAWAL: readonly OutboxKind[] = ['withdrawal-received', 'erasure-completed'];

/** Whether this kind of mail may still go to a person who withdrew consent to processing. */
export const mailAfterWithdrawal = (kind: string): boolean => (MAIL_AFTER_WITHDRAWAL as readonly string[]).includes(kind);

/**
 * What a row keeps of its payload once it is done, dead or cancelled: never an address (the
 * only one a payload carries is `to`, see {@link enqueue}).
 */
export const withoutAddress = sql<unknown>`payload - 'to'`;

/** The error a cancelled row is parked with. */
export const CANCELLED_WITHDRAWN = 'cancelled: the person withdrew consent to processing';
export const CANCELLED_UNSUBSCRIBED = 'cancelled: the person unsubscribed before this confirmation went out';

/**
 * Writes a message to the outbox, in the caller's transaction, so it exists exactly when the
 * change that causes it commits. The payload holds ids only, except the erasure notice's `to`
 * (the address is gone from everywhere else by then), which is wiped once the row is done or
 * dead. A repeated idempotency key is ignored (the message is already queued).
 * `availableAt` later than `at` holds the message back (to merge several changes into one mail).
 * Nothing but {@link MAIL_AFTER_WITHDRAWAL} is queued for a person who withdrew consent to
 * processing: the insert checks it in the same statement. Returns whether a row was queued.
 */
export async function enqueue(
  db: Db,
  m: { kind: OutboxKind; subjectId: string | null; payload: Record<string, unknown>; idempotencyKey: string; at: Date; availableAt?: Date },
): Promise<boolean> {
  const r = await sql<{ id: string }>`
    insert into outbox (kind, subject_id, payload, idempotency_key, available_at, created_at, last_error, done_at)
    select ${m.kind}, ${m.subjectId}::uuid, ${JSON.stringify(m.payload)}::jsonb, ${m.idempotencyKey}, ${m.availableAt ?? m.at}, ${m.at}, null, null
    where ${mailAfterWithdrawal(m.kind)}::boolean or ${m.subjectId}::uuid is null or not exists (
      select 1 from consents c where c.subject_id = ${m.subjectId}::uuid and c.purpose = 'processing' and c.state = 'withdrawn')
    on conflict (idempotency_key) do nothing
    returning id`.execute(db);
  return r.rows.length > 0;
}

/**
 * Cancels a person's mail not yet delivered (parked as dead with `reason`), except the kinds
 * in `keep`. Runs in the caller's transaction.
 */
export async function cancelQueuedMail(db: Db, subjectId: string, at: Date, reason: string, keep: readonly OutboxKind[] = []): Promise<number> {
  // A cancelled row never goes out: an address it carried (address-changed's old address) goes too.
  let q = db
    .updateTable('outbox')
    .set({ status: 'dead', last_error: reason, done_at: at, payload: withoutAddress })
    .where('subject_id', '=', subjectId)
    .where('status', '=', 'pending');
  if (keep.length > 0) q = q.where('kind', 'not in', [...keep]);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** A dead outbox row as staff see it: ids, kind, tries and the last error (never the payload). */
export interface DeadRow {
  id: string;
  kind: string;
  subjectId: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  doneAt: Date | null;
}

/** The outbox's depth (pending rows), its dead rows' count, and the latest `limit` dead rows. */
export async function outboxOverview(db: Db, limit: number): Promise<{ pending: number; dead: number; deadRows: DeadRow[] }> {
  const counts = await sql<{ pending: string; dead: string }>`
    select count(*) filter (where status = 'pending')::text as pending, count(*) filter (where status = 'dead')::text as dead
    from outbox where status in ('pending', 'dead')`.execute(db);
  const rows = await db
    .selectFrom('outbox')
    .select(['id', 'kind', 'subject_id', 'attempts', 'last_error', 'created_at', 'done_at'])
    .where('status', '=', 'dead')
    .orderBy('done_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return {
    pending: Number(counts.rows[0]?.pending ?? 0),
    dead: Number(counts.rows[0]?.dead ?? 0),
    deadRows: rows.map((r) => ({
      id: String(r.id),
      kind: r.kind,
      subjectId: r.subject_id,
      attempts: r.attempts,
      lastError: r.last_error,
      createdAt: new Date(r.created_at),
      doneAt: r.done_at ? new Date(r.done_at) : null,
    })),
  };
}
