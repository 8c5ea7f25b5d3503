import { type Kysely, sql } from 'kysely';

/**
 * A cadence decision reads, per person, the sends reserved in the look-back that still count
 * (state.ts): one range of `(subject_id, reserved_at)`. With the other columns that read needs
 * carried in the index, the range is an index-only scan once the ledger's pages are all-visible
 * (history is old rows, which vacuum marks so): no heap page per past send. It replaces
 * `sends_subject_window` (same key, same predicate), so a reservation's inserts still maintain
 * three indexes on `sends`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index sends_subject_history on sends (subject_id, reserved_at)
    include (status, expires_at, sent_at, campaign_id) where status <> 'released'`.execute(db);
  await sql`drop index if exists sends_subject_window`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index sends_subject_window on sends (subject_id, reserved_at) where status <> 'released'`.execute(db);
  await sql`drop index if exists sends_subject_history`.execute(db);
}
