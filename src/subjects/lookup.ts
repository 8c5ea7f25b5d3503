import { sql } from 'kysely';
import type { Db } from '../db/handle.js';

/**
 * The person an address hash belongs to now. Live means not erased: an erased shell keeps its
 * hash (its suppression must hold) but no longer owns the address, which a new person may then
 * register (the unique index `subjects_email_hash_live` allows one live person per hash).
 */
export interface LiveSubject {
  id: string;
  email: string;
  emailHash: string;
  status: 'active' | 'restricted';
  locale: string;
}

const COLUMNS = ['id', 'email', 'email_hash', 'status', 'locale'] as const;

function toLive(row: { id: string; email: string | null; email_hash: string; status: string; locale: string }): LiveSubject {
  // A live person always has an address (the table's check); erased ones are filtered out.
  return { id: row.id, email: row.email!, emailHash: row.email_hash, status: row.status as LiveSubject['status'], locale: row.locale };
}

/**
 * The live person whose address has this keyed hash, or null. With `lock`, their row is locked
 * (FOR UPDATE) for the caller's transaction, so concurrent acts on one person queue up.
 *
 * @example
 * const owner = await liveSubjectByHash(trx, address.hash);
 * if (owner && owner.id !== subject.id) // the address is someone else's
 */
export async function liveSubjectByHash(db: Db, hash: string, opts: { lock?: boolean } = {}): Promise<LiveSubject | null> {
  let q = db.selectFrom('subjects').select(COLUMNS).where('email_hash', '=', hash).where('status', '<>', 'erased');
  if (opts.lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? toLive(row) : null;
}

/**
 * The live owners of these hashes, by hash, in one statement whatever their number (hashes
 * nobody live holds are absent). The set form of {@link liveSubjectByHash}.
 */
export async function liveSubjectsByHashes(db: Db, hashes: readonly string[]): Promise<Map<string, LiveSubject>> {
  const found = new Map<string, LiveSubject>();
  if (hashes.length === 0) return found;
  const wanted = [...new Set(hashes)];
  const rows = await db
    .selectFrom('subjects')
    .select(COLUMNS)
    .where(sql<boolean>`email_hash = any(${wanted}::text[])`)
    .where('status', '<>', 'erased')
    .execute();
  for (const r of rows) found.set(r.email_hash, toLive(r));
  return found;
}
