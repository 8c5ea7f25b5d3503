import { type Kysely, sql } from 'kysely';

/** Fixed-window counters for public forms; keys are keyed hashes (of an IP or an address), never the values. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table rate_limits (key text primary key, window_start timestamptz not null, count integer not null)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists rate_limits`.execute(db);
}
