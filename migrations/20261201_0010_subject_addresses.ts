import { type Kysely, sql } from 'kysely';

/**
 * Every address hash a person ever had. An address change keeps the old hash here, so erasure
 * finds what was keyed by an old address (a bounce, a complaint, a manual suppression arriving
 * before or after the change) and a later event for that address is known to belong to them.
 * Only keyed hashes: the addresses themselves are never kept once replaced.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table subject_addresses (
      subject_id uuid not null references subjects (id),
      email_hash text not null,
      added_at timestamptz not null,
      replaced_at timestamptz,
      primary key (subject_id, email_hash)
    )`.execute(db);
  await sql`create index subject_addresses_hash on subject_addresses (email_hash)`.execute(db);
  await sql`
    insert into subject_addresses (subject_id, email_hash, added_at)
    select id, email_hash, created_at from subjects`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists subject_addresses`.execute(db);
}
