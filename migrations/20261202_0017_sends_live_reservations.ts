import { type Kysely, sql } from 'kysely';

/**
 * The reservations not yet sent nor released, by person. A reservation first releases the
 * expired ones of its recipients (reservations.ts); over `sends_subject_history` that read every
 * past send in each person's look-back to find the few still `reserved` (566 ms of a 100,000
 * recipient call over 1,000,000 past sends, all of it filtered away). Partial, so it holds only
 * the live reservations: a send leaves it when it is marked sent or released, and the history,
 * which is most of the table, is never in it. The ledger sweep's release uses it too.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index sends_live_reservations on sends (subject_id) include (expires_at) where status = 'reserved'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists sends_live_reservations`.execute(db);
}
