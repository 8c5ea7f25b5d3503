import { type Evidence, recordEvents } from '../consent/ledger.js';
import type { Db } from '../db/handle.js';
import { CANCELLED_WITHDRAWN, cancelQueuedMail, enqueue, MAIL_AFTER_WITHDRAWAL } from '../outbox/queries.js';
import { loadSubjectState, setConsent } from '../subjects/queries.js';
import { suppress } from '../suppressions/queries.js';

/** `receivedAt` and `dueAt` of the erasure request: erasure/schedule.ts says when it runs. */
export type WithdrawalOutcome =
  | { kind: 'withdrawn'; requestId: string; dueAt: Date; receivedAt: Date }
  | { kind: 'already'; requestId: string | null; dueAt: Date | null; receivedAt: Date | null }
  | { kind: 'unknown_subject' };

/** The person's open erasure request (the oldest, if staff filed another), or undefined. */
export async function openErasure(db: Db, subjectId: string): Promise<{ id: string; received_at: Date; due_at: Date } | undefined> {
  return db
    .selectFrom('requests')
    .select(['id', 'due_at', 'received_at'])
    .where('subject_id', '=', subjectId)
    .where('type', '=', 'erasure')
    .where('status', 'in', ['received', 'in_progress'])
    .orderBy('received_at')
    .executeTakeFirst();
}

/**
 * Withdraws consent to processing: marketing stops too, the address is suppressed, and an
 * erasure request is filed with its due date. If an erasure request is already open, nothing
 * new is written and that request is returned.
 */
export async function withdrawProcessing(
  db: Db,
  subjectId: string,
  evidence: Evidence,
  deps: { newId: () => string; dueAt: (received: Date) => Date },
): Promise<WithdrawalOutcome> {
  return db.transaction().execute(async (trx) => {
    const s = await loadSubjectState(trx, subjectId, { lock: true });
    if (!s) return { kind: 'unknown_subject' };
    if (s.status === 'erased') return { kind: 'already', requestId: null, dueAt: null, receivedAt: null };
    const open = await openErasure(trx, s.id);
    if (open && s.processing === 'withdrawn') return { kind: 'already', requestId: open.id, dueAt: open.due_at, receivedAt: open.received_at };

    const events: Parameters<typeof recordEvents>[3] = [];
    if (s.processing !== 'withdrawn') {
      await setConsent(trx, s.id, 'processing', 'withdrawn', evidence.at);
      events.push({ purpose: 'processing', action: 'withdrawn' });
    }
    if (s.marketing !== 'withdrawn' && s.marketing !== 'none') {
      await setConsent(trx, s.id, 'marketing', 'withdrawn', evidence.at);
      events.push({ purpose: 'marketing', action: 'withdrawn', details: { from: s.marketing } });
    }
    const added = await suppress(trx, {
      hash: s.emailHash,
      email: s.email,
      subjectId: s.id,
      reason: 'withdrawn',
      actorType: evidence.actorType,
      actorId: evidence.actorId ?? null,
      at: evidence.at,
    });
    if (added) events.push({ action: 'suppressed', details: { reason: 'withdrawn' } });

    let requestId = open?.id;
    let dueAt = open?.due_at;
    let receivedAt = open?.received_at;
    if (!open) {
      requestId = deps.newId();
      dueAt = deps.dueAt(evidence.at);
      receivedAt = evidence.at;
      await trx
        .insertInto('requests')
        .values({
          id: requestId,
          subject_id: s.id,
          type: 'erasure',
          status: 'received',
          channel: evidence.actorType === 'subject' ? 'link' : 'staff',
          received_at: evidence.at,
          due_at: dueAt,
          completed_at: null,
          status_reason: null,
          body: null,
          created_by: evidence.actorId ?? null,
        })
        .execute();
      events.push({ purpose: 'processing', action: 'erasure_requested', details: { requestId } });
      await enqueue(trx, {
        kind: 'withdrawal-received',
        subjectId: s.id,
        payload: { subjectId: s.id, requestId },
        idempotencyKey: `withdrawal-received:${requestId}`,
        at: evidence.at,
      });
    }
    // Nothing but the withdrawal and erasure notices goes to the person from now on.
    await cancelQueuedMail(trx, s.id, evidence.at, CANCELLED_WITHDRAWN, MAIL_AFTER_WITHDRAWAL);
    await recordEvents(trx, s.id, evidence, events);
    return { kind: 'withdrawn', requestId: requestId!, dueAt: dueAt!, receivedAt: receivedAt! };
  });
}
