import { type Kysely, sql } from 'kysely';

/** Where each mail-sender endpoint is in the suppression feed, and its retry state. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table push_cursors (
      endpoint text primary key,
      last_seq bigint not null default 0,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      locked_until timestamptz,
      last_error text,
      last_success_at timestamptz
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists push_cursors`.execute(db);
}
