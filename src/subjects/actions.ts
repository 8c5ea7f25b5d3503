import { sql } from 'kysely';
import { normalizeEmail } from '../consent/email.js';
import type { EmailHasher } from '../consent/hash.js';
import { type Evidence, recordEvents } from '../consent/ledger.js';
import type { Db } from '../db/handle.js';
import { AppError } from '../errors/index.js';
import { enqueue } from '../outbox/queries.js';
import { stagePendingChange } from '../pending/queries.js';
import { liveSubjectByHash } from './lookup.js';
import { COLUMN, PROFILE_FIELDS, type ProfileField } from './profile.js';

export type Rectification = Partial<Record<ProfileField, string | null>> & { email?: string; locale?: 'ru' | 'en' };

export interface RectifyResult {
  /** Columns changed at once (every field but the address). */
  changed: string[];
  /**
   * A new address was asked for: it waits for the confirmation mailed to it, and the old one
   * stays in force until then. Set the same way whether or not the address is someone else's.
   */
  addressRequested: { email: string; expiresAt: Date } | null;
}

/**
 * Rectification: applies corrections of the profile at once and records which fields changed
 * (names only: the ledger must not become a second copy of the data). A new address does not
 * apply at once: it is held as pending until the link mailed to it is confirmed (see
 * {@link requestAddressChange}), so a forwarded preferences link cannot move a person's
 * subscription onto an address whose owner never agreed.
 */
export async function rectify(
  db: Db,
  hasher: EmailHasher,
  subjectId: string,
  changes: Rectification,
  evidence: Evidence,
  opts: { newId: () => string; confirmationTtlDays: number },
): Promise<RectifyResult> {
  const set: Record<string, string | null> = {};
  const changed: string[] = [];
  let address: { email: string; hash: string } | undefined;
  if (changes.email !== undefined) {
    const email = normalizeEmail(changes.email);
    if (!email) throw new AppError('validation_failed', 'The e-mail address is not valid.', [{ path: 'email', message: 'not a valid e-mail address' }]);
    address = { email, hash: await hasher.hash(email) };
  }
  for (const f of PROFILE_FIELDS) {
    const v = changes[f];
    if (v !== undefined) set[COLUMN[f]] = v === null || v.trim() === '' ? null : v.trim();
  }
  if (changes.locale) set.locale = changes.locale;
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('subjects').selectAll().where('id', '=', subjectId).forUpdate().executeTakeFirst();
    if (!current || current.status === 'erased') throw new AppError('not_found', 'No subject with this id.');
    for (const [col, v] of Object.entries(set)) {
      if ((current as Record<string, unknown>)[col] !== v) changed.push(col);
    }
    if (changed.length > 0) {
      await trx
        .updateTable('subjects')
        .set({ ...set, updated_at: evidence.at } as never)
        .where('id', '=', subjectId)
        .execute();
      await recordEvents(trx, subjectId, evidence, [{ purpose: null, action: 'rectified', details: { fields: changed } }]);
    }
    const addressRequested =
      address && address.hash !== current.email_hash
        ? await requestAddressChange(trx, { id: subjectId, emailHash: current.email_hash }, address, evidence, opts)
        : null;
    return { changed, addressRequested };
  });
}

/**
 * A new address asked for by the person or by staff: held as pending, with a confirmation
 * mailed to it; a newer request supersedes an older one, the same one again is a no-op. An
 * address that belongs to another live person is held as its hash only and gets no mail (its
 * owner learns nothing of the requester), but the answer, the ledger entry and what a repeat
 * does are the same as for a free address, so nobody learns by asking whose an address is.
 * Runs under the person's row lock.
 */
async function requestAddressChange(
  trx: Db,
  subject: { id: string; emailHash: string },
  address: { email: string; hash: string },
  evidence: Evidence,
  opts: { newId: () => string; confirmationTtlDays: number },
): Promise<{ email: string; expiresAt: Date }> {
  const at = evidence.at;
  const waiting = await trx
    .selectFrom('pending_changes')
    .select(['email_hash', 'expires_at'])
    .where('subject_id', '=', subject.id)
    .where('kind', '=', 'address')
    .where('expires_at', '>', at)
    .executeTakeFirst();
  // The same address asked for again while its confirmation is out: the same answer, nothing written.
  if (waiting?.email_hash === address.hash) return { email: address.email, expiresAt: new Date(waiting.expires_at) };
  const expiresAt = new Date(at.getTime() + opts.confirmationTtlDays * 86_400_000);
  const holder = await liveSubjectByHash(trx, address.hash);
  const owner = holder && holder.id !== subject.id ? holder : null;
  const id = opts.newId();
  await stagePendingChange(trx, {
    id,
    subjectId: subject.id,
    kind: 'address',
    // Someone else's address is kept as its hash only, and no link is mailed to it.
    email: owner ? null : address.email,
    emailHash: address.hash,
    requestedBy: { type: evidence.actorType, id: evidence.actorId ?? null },
    at,
    expiresAt,
  });
  if (!owner) {
    // The payload names the pending change only: the address is read from its row when the
    // mail goes, and a superseded, expired or erased change sends nothing.
    await enqueue(trx, {
      kind: 'confirm-address',
      subjectId: subject.id,
      payload: { subjectId: subject.id, pendingId: id },
      idempotencyKey: `confirm-address:${id}`,
      at,
    });
  }
  await recordEvents(trx, subject.id, evidence, [
    { purpose: null, action: 'requested', details: { change: 'address', from: subject.emailHash, to: address.hash } },
  ]);
  return { email: address.email, expiresAt };
}

/**
 * Makes a confirmed new address the person's: the subject row, the history of their address
 * hashes (`subject_addresses`: the old one replaced, the new one added now, also when it is an
 * address they had before), and suppressions of the new address entered before anyone owned
 * it. Runs in the caller's transaction; a concurrent move of another person onto the same
 * address fails on the unique index (23505), which the caller answers.
 */
export async function switchAddressIn(trx: Db, subjectId: string, from: { hash: string }, to: { email: string; hash: string }, at: Date): Promise<void> {
  await trx.updateTable('subjects').set({ email: to.email, email_hash: to.hash, updated_at: at }).where('id', '=', subjectId).execute();
  await trx.updateTable('subject_addresses').set({ replaced_at: at }).where('subject_id', '=', subjectId).where('email_hash', '=', from.hash).execute();
  await trx
    .insertInto('subject_addresses')
    .values({ subject_id: subjectId, email_hash: to.hash, added_at: at, replaced_at: null })
    // Back to an address they had before: it is theirs again from now, so confirmation links
    // mailed to it before it was replaced stay void (confirmation/rules.ts).
    .onConflict((oc) => oc.columns(['subject_id', 'email_hash']).doUpdateSet({ replaced_at: null, added_at: at }))
    .execute();
  await trx.updateTable('suppressions').set({ subject_id: subjectId }).where('hash', '=', to.hash).where('subject_id', 'is', null).execute();
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
  await recordEvents(trx, subjectId, evidence, [
    { purpose: null, action: restricted ? 'restricted' : 'unrestricted', details: reason ? { reason } : undefined },
  ]);
  return true;
}

/** {@link setRestrictedIn} in a transaction of its own. */
export async function setRestricted(db: Db, subjectId: string, restricted: boolean, evidence: Evidence, reason?: string): Promise<boolean> {
  return db.transaction().execute((trx) => setRestrictedIn(trx, subjectId, restricted, evidence, reason));
}
