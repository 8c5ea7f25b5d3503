import type { Db } from '../db/handle.js';
import type { ActorType } from '../db/schema.js';

export type PendingKind = 'address' | 'lead';

export interface PendingChange {
  id: string;
  subjectId: string;
  kind: PendingKind;
  email: string | null;
  emailHash: string | null;
  /** Kind `lead`: subject column → value, and `locale`. */
  profile: Record<string, string | null> | null;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * Holds a change until the address it concerns confirms it. One of each kind per person: a
 * newer one replaces (supersedes) the older, whose id, and so whose link, is then gone.
 * Runs in the caller's transaction, under the person's row lock.
 */
export async function stagePendingChange(
  db: Db,
  p: {
    id: string;
    subjectId: string;
    kind: PendingKind;
    email?: string | null;
    emailHash?: string | null;
    profile?: Record<string, string | null> | null;
    requestedBy: { type: ActorType; id: string | null };
    at: Date;
    expiresAt: Date;
  },
): Promise<void> {
  await dropPendingChange(db, p.subjectId, p.kind);
  await db
    .insertInto('pending_changes')
    .values({
      id: p.id,
      subject_id: p.subjectId,
      kind: p.kind,
      email: p.email ?? null,
      email_hash: p.emailHash ?? null,
      profile: p.profile ? JSON.stringify(p.profile) : null,
      requested_by_type: p.requestedBy.type,
      requested_by_id: p.requestedBy.id,
      created_at: p.at,
      expires_at: p.expiresAt,
    })
    .execute();
}

/** Removes a person's pending change of a kind (superseded, confirmed, or refused). */
export async function dropPendingChange(db: Db, subjectId: string, kind: PendingKind): Promise<void> {
  await db.deleteFrom('pending_changes').where('subject_id', '=', subjectId).where('kind', '=', kind).execute();
}

/**
 * A person's pending change by id, if it is still in force at `now` (not superseded, not
 * confirmed already, not expired).
 */
export async function findPendingChange(db: Db, subjectId: string, id: string, now: Date): Promise<PendingChange | null> {
  const r = await db
    .selectFrom('pending_changes')
    .selectAll()
    .where('id', '=', id)
    .where('subject_id', '=', subjectId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (!r) return null;
  const profile =
    typeof r.profile === 'string' ? (JSON.parse(r.profile) as Record<string, string | null>) : (r.profile as Record<string, string | null> | null);
  return {
    id: r.id,
    subjectId: r.subject_id,
    kind: r.kind,
    email: r.email,
    emailHash: r.email_hash,
    profile,
    createdAt: new Date(r.created_at),
    expiresAt: new Date(r.expires_at),
  };
}

/** Deletes expired pending changes (they hold an address or a profile nobody confirmed). */
export async function sweepPendingChanges(db: Db, now: Date): Promise<number> {
  const r = await db.deleteFrom('pending_changes').where('expires_at', '<=', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}
