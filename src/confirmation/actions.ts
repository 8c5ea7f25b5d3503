import type { Db } from '../db/handle.js';
import { recordEvents, type Evidence } from '../consent/events.js';
import { loadSubjectState, setConsent } from '../subjects/queries.js';
import { lift, SELF_REASONS } from '../suppressions/queries.js';

export type ConfirmOutcome = 'confirmed' | 'already' | 'stale' | 'unknown_subject';

/**
 * Double opt-in: a pending marketing consent becomes granted, and a suppression the person's
 * own act had set (unsubscribed, withdrawn, erased) is lifted. Bounces, complaints and manual
 * entries stay: only staff lift those.
 */
export async function confirmSubscription(db: Db, subjectId: string, evidence: Evidence): Promise<ConfirmOutcome> {
  return db.transaction().execute(async (trx) => {
    const s = await loadSubjectState(trx, subjectId, { lock: true });
    if (!s) return 'unknown_subject';
    if (s.status === 'erased' || s.processing !== 'granted') return 'stale';
    if (s.marketing === 'granted') return 'already';
    if (s.marketing !== 'pending') return 'stale';
    await setConsent(trx, s.id, 'marketing', 'granted', evidence.at);
    const events: Parameters<typeof recordEvents>[3] = [{ purpose: 'marketing', action: 'confirmed' }];
    const lifted = await lift(trx, { hash: s.emailHash, reasons: SELF_REASONS, actorType: evidence.actorType, at: evidence.at, note: 'confirmed opt-in' });
    if (lifted) events.push({ purpose: 'marketing', action: 'unsuppressed', details: { by: 'confirmed opt-in' } });
    await recordEvents(trx, s.id, evidence, events);
    return 'confirmed';
  });
}
