import { type Kysely, sql } from 'kysely';

/**
 * The outbox looked up by person: is a preferences mail already queued, was a fresh link sent
 * lately, which messages does an erasure cancel. Without it each of those reads every row the
 * outbox ever held (done rows stay, as the record of what was sent).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index outbox_subject on outbox (subject_id, kind) where subject_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists outbox_subject`.execute(db);
}
