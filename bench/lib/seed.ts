import { sql } from 'kysely';
import type { Db } from '../../src/db/handle.js';

/**
 * Inserts `n` active subjects with granted marketing consent, set-based (a few statements,
 * whatever n is). Addresses are bench-<i>@example.test; the hash is a stand-in (the bench
 * never looks addresses up by hash).
 */
export async function seedSubjects(db: Db, n: number, at: Date): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    insert into subjects (id, email, email_hash, locale, status, created_at, updated_at)
    select gen_random_uuid(), 'bench-' || i || '@example.test', md5('bench-' || i), 'ru', 'active', ${at}, ${at}
    from generate_series(1, ${n}) as i
    returning id`.execute(db);
  const ids = rows.rows.map((r) => r.id);
  await sql`
    insert into consents (subject_id, purpose, state, policy_version, updated_at)
    select id, p.purpose, 'granted', 'bench', ${at} from subjects, (values ('processing'), ('marketing')) as p(purpose)
    where email like 'bench-%'
    on conflict do nothing`.execute(db);
  return ids;
}
