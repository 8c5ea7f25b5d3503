import { type Kysely, sql } from 'kysely';

/**
 * A demand to stop processing (152-FZ art. 21 §5.1) is a request type of its own, with its own
 * deadline: the check on `requests.type` widens to `objection`. PostgreSQL names an inline
 * column check `<table>_<column>_check`, on PGlite alike.
 *
 * Also here, to keep this branch to one migration: each outbox row gets a random token at
 * enqueue, the right-hand part of its Message-ID. The row id alone repeats in a second database
 * or after a restore from backup, and a mailbox that saw `<outbox-42@…>` drops the next one as
 * a duplicate; the token is stored, so every retry of the row still carries the same Message-ID.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table requests drop constraint if exists requests_type_check`.execute(db);
  await sql`
    alter table requests add constraint requests_type_check check (type in ('access', 'rectification', 'restriction',
      'erasure', 'appeal', 'automated_decision_appeal', 'withdrawal', 'objection'))`.execute(db);
  // gen_random_uuid() is built in since PostgreSQL 13; rows already queued get one each too.
  await sql`alter table outbox add column message_token text not null default replace(gen_random_uuid()::text, '-', '')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table outbox drop column if exists message_token`.execute(db);
  await sql`delete from requests where type = 'objection'`.execute(db);
  await sql`alter table requests drop constraint if exists requests_type_check`.execute(db);
  await sql`
    alter table requests add constraint requests_type_check check (type in ('access', 'rectification', 'restriction',
      'erasure', 'appeal', 'automated_decision_appeal', 'withdrawal'))`.execute(db);
}
