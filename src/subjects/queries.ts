import type { Db } from '../db/handle.js';
import type { ConsentState, SubjectStatus } from '../db/schema.js';

export interface SubjectState {
  id: string;
  email: string | null;
  emailHash: string;
  status: SubjectStatus;
  locale: string;
  processing: ConsentState;
  marketing: ConsentState;
}

/**
 * A subject with its two consents, optionally locking the subject row so that concurrent acts
 * on one person (two clicks, a click and a form) apply one after the other.
 */
export async function loadSubjectState(db: Db, id: string, opts: { lock?: boolean } = {}): Promise<SubjectState | null> {
  // Lock first, read after: a statement that waited on the lock would otherwise return the
  // consents as they were before the other transaction changed them.
  if (opts.lock) await db.selectFrom('subjects').select('id').where('id', '=', id).forUpdate().execute();
  const q = db
    .selectFrom('subjects as s')
    .leftJoin('consents as p', (j) => j.onRef('p.subject_id', '=', 's.id').on('p.purpose', '=', 'processing'))
    .leftJoin('consents as m', (j) => j.onRef('m.subject_id', '=', 's.id').on('m.purpose', '=', 'marketing'))
    .select(['s.id', 's.email', 's.email_hash', 's.status', 's.locale', 'p.state as processing', 'm.state as marketing'])
    .where('s.id', '=', id);
  const row = await q.executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    email: row.email,
    emailHash: row.email_hash,
    status: row.status,
    locale: row.locale,
    processing: row.processing ?? 'none',
    marketing: row.marketing ?? 'none',
  };
}

/** Sets one consent's state, creating the row when the person had none for that purpose. */
export async function setConsent(db: Db, subjectId: string, purpose: 'processing' | 'marketing', state: ConsentState, at: Date): Promise<void> {
  await db
    .insertInto('consents')
    .values({ subject_id: subjectId, purpose, state, policy_version: null, updated_at: at })
    .onConflict((oc) => oc.columns(['subject_id', 'purpose']).doUpdateSet({ state, updated_at: at }))
    .execute();
}

/**
 * When the person's current address became theirs (`subject_addresses.added_at`), or null for
 * a person from before that history was kept. A link issued earlier was not mailed to it.
 */
export async function addressAddedAt(db: Db, subjectId: string, emailHash: string): Promise<Date | null> {
  const row = await db
    .selectFrom('subject_addresses')
    .select('added_at')
    .where('subject_id', '=', subjectId)
    .where('email_hash', '=', emailHash)
    .executeTakeFirst();
  return row ? new Date(row.added_at) : null;
}
