import { type Kysely, sql } from 'kysely';

/** The ledger sweep deletes by age; without this index it would scan a million rows daily. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index sends_age on sends ((coalesce(sent_at, released_at, reserved_at)))`.execute(db);
  await sql`create index sends_expiring on sends (expires_at) where status = 'reserved'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists sends_age`.execute(db);
  await sql`drop index if exists sends_expiring`.execute(db);
}
