import type { Evidence } from '../consent/ledger.js';
import type { Db } from '../db/handle.js';
import { createRequest } from '../requests/queries.js';
import { setRestrictedIn } from './actions.js';
import { loadSubjectState } from './queries.js';

export type RestrictionOutcome =
  | { kind: 'restricted'; requestId: string }
  | { kind: 'already' }
  | { kind: 'unknown_subject' }
  | { kind: 'processing_withdrawn' };

/**
 * The person restricts (blocks) processing of their data: status `restricted` with its event
 * (setRestricted) and a completed 'restriction' request, in one transaction. Restricting an
 * already restricted person writes nothing.
 */
export async function restrictByPerson(
  db: Db,
  subjectId: string,
  evidence: Evidence,
  deps: { newId: () => string; dueAt: (received: Date) => Date },
): Promise<RestrictionOutcome> {
  return db.transaction().execute(async (trx) => {
    const s = await loadSubjectState(trx, subjectId, { lock: true });
    if (!s || s.status === 'erased') return { kind: 'unknown_subject' };
    if (s.processing === 'withdrawn') return { kind: 'processing_withdrawn' };
    if (s.status === 'restricted') return { kind: 'already' };
    const changed = await setRestrictedIn(trx, subjectId, true, evidence, 'requested by the person in the preference center');
    if (!changed) return { kind: 'already' };
    const requestId = deps.newId();
    await createRequest(trx, {
      id: requestId,
      subjectId,
      type: 'restriction',
      channel: 'link',
      body: null,
      createdBy: null,
      receivedAt: evidence.at,
      dueAt: deps.dueAt(evidence.at),
      status: 'completed',
    });
    return { kind: 'restricted', requestId };
  });
}
