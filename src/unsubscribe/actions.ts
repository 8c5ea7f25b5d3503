import type { Db } from '../db/handle.js';
import { recordEvents, type Evidence } from '../consent/events.js';
import { loadSubjectState, setConsent } from '../subjects/queries.js';
import { suppress } from '../suppressions/queries.js';

export type UnsubscribeOutcome = 'unsubscribed' | 'already' | 'unknown_subject';

/**
 * Withdraws marketing consent and suppresses the address, in one transaction. Repeating it
 * changes nothing and adds no record. An erased person is already suppressed by hash.
 *
 * @example
 * await unsubscribe(db, claims.sub, { actorType: 'subject', at: clock.now(), ip, campaignId: claims.cmp });
 */
export async function unsubscribe(db: Db, subjectId: string, evidence: Evidence): Promise<UnsubscribeOutcome> {
  return db.transaction().execute(async (trx) => {
    const s = await loadSubjectState(trx, subjectId, { lock: true });
    if (!s) return 'unknown_subject';
    if (s.status === 'erased') return 'already';
    let changed = false;
    if (s.marketing !== 'withdrawn') {
      await setConsent(trx, s.id, 'marketing', 'withdrawn', evidence.at);
      await recordEvents(trx, s.id, evidence, [{ purpose: 'marketing', action: 'unsubscribed', details: { from: s.marketing } }]);
      changed = true;
    }
    const added = await suppress(trx, {
      hash: s.emailHash,
      email: s.email,
      subjectId: s.id,
      reason: 'unsubscribed',
      actorType: evidence.actorType,
      actorId: evidence.actorId ?? null,
      at: evidence.at,
    });
    if (added) await recordEvents(trx, s.id, evidence, [{ purpose: 'marketing', action: 'suppressed', details: { reason: 'unsubscribed' } }]);
    return changed || added ? 'unsubscribed' : 'already';
  });
}
