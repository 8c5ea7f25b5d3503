import { normalizeEmail } from '../consent/email.js';
import type { Db } from '../db/handle.js';
import { liveSubjectByHash } from './lookup.js';
import { subjectProfile } from './view.js';

export type SearchOutcome =
  | { kind: 'found'; profile: NonNullable<Awaited<ReturnType<typeof subjectProfile>>> }
  | { kind: 'nobody' }
  | { kind: 'invalid_email' };

/**
 * The live person who has this address (normalized, matched by its keyed hash), as staff see
 * them. An erased person no longer has an address, so is never found.
 */
export async function findSubjectByEmail(db: Db, hasher: { hash: (email: string) => Promise<string> }, given: string): Promise<SearchOutcome> {
  const email = normalizeEmail(given);
  if (!email) return { kind: 'invalid_email' };
  const owner = await liveSubjectByHash(db, await hasher.hash(email));
  const profile = owner ? await subjectProfile(db, owner.id) : null;
  return profile ? { kind: 'found', profile } : { kind: 'nobody' };
}
