import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import type { SubjectStatus } from '../db/schema.js';

export interface HashOwner {
  id: string;
  email: string | null;
  email_hash: string;
  status: SubjectStatus;
}

/**
 * Who an address hash belongs to, in one statement: the live person whose address it is now,
 * and every erased person who ever had it (by any address in `subject_addresses`, not only
 * their last). Rows in hash order. The one home of the rule that an event arriving after an
 * erasure for any of the erased person's addresses must not store the address again: callers
 * take {@link splitOwners} and write an erased owner's hash without address or note.
 */
export async function findHashOwners(db: Db, hashes: readonly string[]): Promise<HashOwner[]> {
  if (hashes.length === 0) return [];
  const wanted = [...new Set(hashes)];
  // The first branch is liveSubjectsByHashes() (subjects/lookup.ts), kept inside this one
  // statement so the live and the erased owners come from one snapshot.
  const r = await sql<HashOwner>`
    select id, email, email_hash, status from subjects where email_hash = any(${wanted}::text[]) and status <> 'erased'
    union all
    select s.id, null, a.email_hash, s.status from subject_addresses a join subjects s on s.id = a.subject_id
    where a.email_hash = any(${wanted}::text[]) and s.status = 'erased'
    union all
    select id, null, email_hash, status from subjects where email_hash = any(${wanted}::text[]) and status = 'erased'
    order by email_hash, id`.execute(db);
  return r.rows;
}

/**
 * The live owner of each hash, and for hashes no live person holds, the erased person who had
 * it: their address must not be stored again (only the hash, linked to the erased shell).
 */
export function splitOwners(rows: readonly HashOwner[]): { live: Map<string, HashOwner>; erased: Map<string, string> } {
  const live = new Map<string, HashOwner>();
  const erased = new Map<string, string>();
  for (const p of rows) if (p.status !== 'erased') live.set(p.email_hash, p);
  for (const p of rows) if (p.status === 'erased' && !live.has(p.email_hash) && !erased.has(p.email_hash)) erased.set(p.email_hash, p.id);
  return { live, erased };
}
