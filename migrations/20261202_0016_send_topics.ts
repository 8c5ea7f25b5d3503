import { type Kysely, sql } from 'kysely';

/**
 * Each send names the topic of its campaign (null: mail of no topic), so a reservation for a
 * topic outside the shared cadence cap counts only that topic's sends, the others do not count
 * them, and the cadence view shows sends per topic. Nullable, no default: adding it rewrites
 * nothing, and no index changes (the decision reads it from the rows it already reads).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sends add column topic text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sends drop column if exists topic`.execute(db);
}
