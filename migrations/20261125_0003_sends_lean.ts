import { type Kysely, sql } from 'kysely';

/**
 * A campaign reservation inserts 100,000 ledger rows in one statement, and every index and
 * foreign-key trigger on `sends` is paid per row. Subjects are never deleted (erasure blanks
 * them), and reservations lock and read the subject rows they insert for, so the foreign key
 * guards nothing the transaction does not already; one plain index on reserved_at serves the
 * retention sweep instead of two special ones.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sends drop constraint if exists sends_subject_id_fkey`.execute(db);
  await sql`drop index if exists sends_age`.execute(db);
  await sql`drop index if exists sends_expiring`.execute(db);
  await sql`create index sends_reserved_at on sends (reserved_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists sends_reserved_at`.execute(db);
  await sql`create index sends_age on sends ((coalesce(sent_at, released_at, reserved_at)))`.execute(db);
  await sql`create index sends_expiring on sends (expires_at) where status = 'reserved'`.execute(db);
  await sql`alter table sends add constraint sends_subject_id_fkey foreign key (subject_id) references subjects (id)`.execute(db);
}
