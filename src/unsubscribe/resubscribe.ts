import { type Evidence, recordEvents } from '../consent/ledger.js';
import { marketingOnOptIn } from '../consent/rules.js';
import type { Db } from '../db/handle.js';
import { enqueue } from '../outbox/queries.js';
import { loadSubjectState, setConsent } from '../subjects/queries.js';
import { selfSuppressed as isSelfSuppressed } from '../suppressions/rule.js';

/** At most one confirmation mail per person in this time, however often the button is pressed. */
export const RESUBSCRIBE_MAIL_WINDOW_MS = 10 * 60 * 1000;

export type ResubscribeOutcome =
  /** Marketing consent is pending and a confirmation is queued (or went out within the window). */
  | { kind: 'confirmation_sent' }
  /** Already subscribed: nothing to confirm. */
  | { kind: 'subscribed' }
  /** Not for this link to undo: a bounce, a complaint or a manual entry, a restriction, a withdrawal of consent to processing. */
  | { kind: 'not_possible' }
  | { kind: 'unknown_subject' };

/**
 * The way back after unsubscribing, from the unsubscribe page: marketing consent becomes
 * `pending` (event `requested`) and the existing double opt-in mail (`confirm-subscription`)
 * goes to the person's address. It never grants anything by itself, whatever `DOUBLE_OPT_IN`
 * says: whoever holds a forwarded unsubscribe link can ask, only the mailbox's owner can
 * confirm (`/c/{token}`), and only that confirmation lifts the person's own suppression.
 * Under the person's row lock, so a double press queues one mail.
 */
export async function requestResubscription(db: Db, subjectId: string, evidence: Evidence): Promise<ResubscribeOutcome> {
  return db.transaction().execute(async (trx) => {
    const s = await loadSubjectState(trx, subjectId, { lock: true });
    if (!s || s.status === 'erased' || !s.email) return { kind: 'unknown_subject' };
    if (s.status === 'restricted' || s.processing !== 'granted') return { kind: 'not_possible' };
    const suppression = await trx.selectFrom('suppressions').select(['reason', 'active']).where('hash', '=', s.emailHash).executeTakeFirst();
    const selfSuppressed = isSelfSuppressed(suppression);
    // Bounces, complaints and manual entries are staff's to lift: no mail to such an address.
    if (suppression?.active && !selfSuppressed) return { kind: 'not_possible' };
    const decision = marketingOnOptIn(s.marketing, { doubleOptIn: true, selfSuppressed });
    if (!decision.needsConfirmation) return { kind: 'subscribed' };
    const recent = await trx
      .selectFrom('outbox')
      .select('id')
      .where('subject_id', '=', s.id)
      .where('kind', '=', 'confirm-subscription')
      .where('created_at', '>', new Date(evidence.at.getTime() - RESUBSCRIBE_MAIL_WINDOW_MS))
      .executeTakeFirst();
    if (recent && s.marketing === 'pending') return { kind: 'confirmation_sent' };
    if (s.marketing !== 'pending') {
      await setConsent(trx, s.id, 'marketing', 'pending', evidence.at);
      await recordEvents(trx, s.id, evidence, [{ purpose: 'marketing', action: 'requested', details: { from: s.marketing } }]);
    }
    await enqueue(trx, {
      kind: 'confirm-subscription',
      subjectId: s.id,
      payload: { subjectId: s.id },
      // Its own key: a lead's confirmation queued in the same millisecond must not swallow this one.
      idempotencyKey: `confirm-subscription:resubscribe:${s.id}:${evidence.at.getTime()}`,
      at: evidence.at,
    });
    return { kind: 'confirmation_sent' };
  });
}
