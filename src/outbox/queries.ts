import type { Db } from '../db/handle.js';

export type OutboxKind = 'confirm-subscription' | 'withdrawal-received' | 'fresh-link' | 'unsubscribed';

/**
 * Writes a message to the outbox, in the caller's transaction, so it exists exactly when the
 * change that causes it commits. The payload holds ids only. A repeated idempotency key is
 * ignored (the message is already queued).
 */
export async function enqueue(
  db: Db,
  m: { kind: OutboxKind; subjectId: string | null; payload: Record<string, unknown>; idempotencyKey: string; at: Date },
): Promise<void> {
  await db
    .insertInto('outbox')
    .values({
      kind: m.kind,
      subject_id: m.subjectId,
      payload: JSON.stringify(m.payload),
      idempotency_key: m.idempotencyKey,
      available_at: m.at,
      created_at: m.at,
      last_error: null,
      done_at: null,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .execute();
}
