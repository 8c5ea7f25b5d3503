import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import { AppError } from '../errors/index.js';
import { recordEvents, type Evidence } from '../consent/events.js';
import type { EmailHasher } from '../consent/hash.js';
import { normalizeEmail } from '../consent/email.js';
import { PROFILE_FIELDS, type ProfileField } from '../consent/capture.js';

const COLUMN: Record<ProfileField, string> = {
  lastName: 'last_name',
  firstName: 'first_name',
  patronymic: 'patronymic',
  phone: 'phone',
  website: 'website',
  organization: 'organization',
  industry: 'industry',
  city: 'city',
};

export type Rectification = Partial<Record<ProfileField, string | null>> & { email?: string; locale?: 'ru' | 'en' };

/**
 * Rectification: applies corrections at once and records which fields changed (names only:
 * the ledger must not become a second copy of the data). A new address must be valid and not
 * belong to another person. Returns the changed field names.
 */
export async function rectify(db: Db, hasher: EmailHasher, subjectId: string, changes: Rectification, evidence: Evidence): Promise<string[]> {
  const set: Record<string, string | null> = {};
  const changed: string[] = [];
  let newHash: string | undefined;
  if (changes.email !== undefined) {
    const email = normalizeEmail(changes.email);
    if (!email) throw new AppError('validation_failed', 'The e-mail address is not valid.', [{ path: 'email', message: 'not a valid e-mail address' }]);
    set.email = email;
    newHash = await hasher.hash(email);
    set.email_hash = newHash;
  }
  for (const f of PROFILE_FIELDS) {
    const v = changes[f];
    if (v !== undefined) set[COLUMN[f]] = v === null || v.trim() === '' ? null : v.trim();
  }
  if (changes.locale) set.locale = changes.locale;
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('subjects').selectAll().where('id', '=', subjectId).forUpdate().executeTakeFirst();
    if (!current || current.status === 'erased') throw new AppError('not_found', 'No subject with this id.');
    if (newHash && newHash !== current.email_hash) {
      const other = await trx.selectFrom('subjects').select('id').where('email_hash', '=', newHash).where('status', '<>', 'erased').where('id', '<>', subjectId).executeTakeFirst();
      if (other) throw new AppError('conflict', 'This e-mail address belongs to another person.');
    }
    for (const [col, v] of Object.entries(set)) {
      if ((current as Record<string, unknown>)[col] !== v && col !== 'email_hash') changed.push(col);
    }
    if (changed.length === 0) return [];
    try {
      await trx
        .updateTable('subjects')
        .set({ ...set, updated_at: evidence.at } as never)
        .where('id', '=', subjectId)
        .execute();
    } catch (e) {
      // Two rectifications moving different people to one address at once: the unique index decides.
      if ((e as { code?: string }).code === '23505') throw new AppError('conflict', 'This e-mail address belongs to another person.');
      throw e;
    }
    if (newHash && newHash !== current.email_hash) {
      await trx.updateTable('subject_addresses').set({ replaced_at: evidence.at }).where('subject_id', '=', subjectId).where('email_hash', '=', current.email_hash).execute();
      await trx
        .insertInto('subject_addresses')
        .values({ subject_id: subjectId, email_hash: newHash, added_at: evidence.at, replaced_at: null })
        .onConflict((oc) => oc.columns(['subject_id', 'email_hash']).doUpdateSet({ replaced_at: null }))
        .execute();
      await trx.updateTable('suppressions').set({ subject_id: subjectId }).where('hash', '=', newHash).where('subject_id', 'is', null).execute();
    }
    await recordEvents(trx, subjectId, evidence, [{ purpose: null, action: 'rectified', details: { fields: changed } }]);
    return changed;
  });
}

/**
 * Restriction (blocking): while restricted no advertising mail passes the cadence policy.
 * Runs in the caller's transaction. Returns whether the status changed.
 */
export async function setRestrictedIn(trx: Db, subjectId: string, restricted: boolean, evidence: Evidence, reason?: string): Promise<boolean> {
  const r = await sql<{ id: string }>`
    update subjects set status = ${restricted ? 'restricted' : 'active'}, updated_at = ${evidence.at}
    where id = ${subjectId} and status = ${restricted ? 'active' : 'restricted'}
    returning id`.execute(trx);
  if (r.rows.length === 0) {
    const s = await trx.selectFrom('subjects').select('status').where('id', '=', subjectId).executeTakeFirst();
    if (!s || s.status === 'erased') throw new AppError('not_found', 'No subject with this id.');
    return false;
  }
  await recordEvents(trx, subjectId, evidence, [{ purpose: null, action: restricted ? 'restricted' : 'unrestricted', details: reason ? { reason } : undefined }]);
  return true;
}

/** {@link setRestrictedIn} in a transaction of its own. */
export async function setRestricted(db: Db, subjectId: string, restricted: boolean, evidence: Evidence, reason?: string): Promise<boolean> {
  return db.transaction().execute((trx) => setRestrictedIn(trx, subjectId, restricted, evidence, reason));
}
