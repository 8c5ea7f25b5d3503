import { type Kysely, sql } from 'kysely';

/**
 * What the mail sender reports back (`POST /v1/events/mail-sender`):
 *
 * - `mail_sender_soft_bounces`: per keyed e-mail hash, the times of its recent soft bounces
 *   (only those inside the counting window are kept). The N-th one inside the window suppresses
 *   the address as `bounced` and empties the list.
 * - `mail_sender_events`: every provider event already applied, so a replayed webhook changes
 *   nothing. Keyed by provider, the provider's event id and the address hash (one provider
 *   event can name several recipients). Holds no address.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table mail_sender_soft_bounces (
      hash text primary key,
      bounced_at timestamptz[] not null default '{}',
      updated_at timestamptz not null
    )`.execute(db);

  await sql`
    create table mail_sender_events (
      provider text not null check (provider in ('generic', 'ses', 'postmark')),
      event_id text not null,
      hash text not null,
      type text not null check (type in ('hard_bounce', 'soft_bounce', 'complaint', 'unsubscribe')),
      received_at timestamptz not null,
      primary key (provider, event_id, hash)
    )`.execute(db);
  await sql`create index mail_sender_events_received on mail_sender_events (received_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists mail_sender_events`.execute(db);
  await sql`drop table if exists mail_sender_soft_bounces`.execute(db);
}
