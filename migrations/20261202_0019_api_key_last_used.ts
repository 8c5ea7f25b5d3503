import { type Kysely, sql } from 'kysely';

/**
 * When each API key was last used, for the dashboard's key list (an unused key is a key to
 * revoke). The bearer check writes it at most about once a minute per key (auth/keys.ts
 * `touchApiKey`), never once per request; a dashboard sign-in writes it too. Null: never used
 * since this column exists.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_keys add column last_used_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_keys drop column if exists last_used_at`.execute(db);
}
