import type { Db } from '../db/handle.js';

import type { EmailName } from '../emails/render.js';

/** Every outbox row is an e-mail; pushes go from the suppression feed's own cursor. */
export type OutboxKind = EmailName;

/**
 * Writes a message to the outbox, in the caller's transaction, so it exists exactly when the
 * change that causes it commits. The payload holds ids only, except the erasure notice's `to`
 * (the address is gone from everywhere else by then), which is wiped once the row is done or
 * dead. A repeated idempotency key is ignored (the message is already queued).
 * `availableAt` later than `at` holds the message back (to merge several changes into one mail).
 */
export async function enqueue(
  db: Db,
  m: { kind: OutboxKind; subjectId: string | null; payload: Record<string, unknown>; idempotencyKey: string; at: Date; availableAt?: Date },
): Promise<void> {
  await db
    .insertInto('outbox')
    .values({
      kind: m.kind,
      subject_id: m.subjectId,
      payload: JSON.stringify(m.payload),
      idempotency_key: m.idempotencyKey,
      available_at: m.availableAt ?? m.at,
      created_at: m.at,
      last_error: null,
      done_at: null,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .execute();
}
