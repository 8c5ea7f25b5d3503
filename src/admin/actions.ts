import { recordAudit } from '../audit/log.js';
import type { Db } from '../db/handle.js';
import { requestText } from '../requests/queries.js';

/**
 * Reads a request's text for a staff member and writes the audit row of that read (key, the
 * person, the purpose they stated, the request id) in the same transaction: no text is shown
 * without its row. Null for no such request (and nothing is written).
 *
 * @example
 * const text = await readRequestTextAudited(db, id, { keyId, purpose: 'handling appeal', requestId, at: now });
 */
export async function readRequestTextAudited(
  db: Db,
  id: string,
  by: { keyId: string; purpose: string; requestId: string | null; at: Date },
): Promise<{ subjectId: string; body: string | null } | null> {
  return db.transaction().execute(async (trx) => {
    const r = await requestText(trx, id);
    if (!r) return null;
    await recordAudit(trx, { keyId: by.keyId, subjectId: r.subjectId, action: `request.read:${id}`, purpose: by.purpose, requestId: by.requestId, at: by.at });
    return r;
  });
}
