import { type Evidence, recordEvents } from '../consent/ledger.js';
import type { Db } from '../db/handle.js';
import type { LinkClaims } from '../links/tokens.js';
import { addressAddedAt, loadSubjectState, type SubjectState, setConsent } from '../subjects/queries.js';
import { lift } from '../suppressions/queries.js';
import { confirmationLifts } from '../suppressions/rule.js';
import { linkFitsAddress } from './rules.js';

export type ConfirmOutcome = 'confirmed' | 'already' | 'stale' | 'unknown_subject';

/**
 * Whether a subscription confirmation link fits the person's address as it is now (mailed to
 * it, after it became theirs). Reads only.
 */
export async function linkFitsCurrentAddress(db: Db, claims: LinkClaims, s: Pick<SubjectState, 'id' | 'emailHash'>): Promise<boolean> {
  return linkFitsAddress(claims, { hash: s.emailHash, addedAt: await addressAddedAt(db, s.id, s.emailHash) });
}

/**
 * Double opt-in: a pending marketing consent becomes granted, if the link was mailed to the
 * person's current address after it became theirs (a link from before an address change or
 * an erasure confirms nothing). A suppression is lifted only as confirmation/rules.ts allows:
 * the person's own unsubscribe or withdrawal; an erasure only by a link issued after it;
 * bounces, complaints and manual entries never (only staff lift those).
 */
export async function confirmSubscription(db: Db, claims: LinkClaims, evidence: Evidence): Promise<ConfirmOutcome> {
  return db.transaction().execute(async (trx) => {
    const s = await loadSubjectState(trx, claims.sub, { lock: true });
    if (!s) return 'unknown_subject';
    if (s.status === 'erased' || s.processing !== 'granted') return 'stale';
    if (!(await linkFitsCurrentAddress(trx, claims, s))) return 'stale';
    if (s.marketing === 'granted') return 'already';
    if (s.marketing !== 'pending') return 'stale';
    await setConsent(trx, s.id, 'marketing', 'granted', evidence.at);
    const events: Parameters<typeof recordEvents>[3] = [{ purpose: 'marketing', action: 'confirmed', details: { address: s.emailHash } }];
    const suppression = await trx.selectFrom('suppressions').select(['reason', 'active', 'changed_at']).where('hash', '=', s.emailHash).executeTakeFirst();
    if (suppression?.active && confirmationLifts({ reason: suppression.reason, changedAt: new Date(suppression.changed_at) }, claims.iat)) {
      const lifted = await lift(trx, {
        hash: s.emailHash,
        reasons: [suppression.reason],
        actorType: evidence.actorType,
        at: evidence.at,
        note: 'confirmed opt-in',
      });
      if (lifted) events.push({ purpose: 'marketing', action: 'unsuppressed', details: { by: 'confirmed opt-in' } });
    }
    await recordEvents(trx, s.id, evidence, events);
    return 'confirmed';
  });
}
