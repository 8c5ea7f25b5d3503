import { type Kysely, sql } from 'kysely';

/**
 * Changes that wait for the address they concern to confirm them:
 * - `address`: a new e-mail address asked for by the person (preference center) or by staff;
 *   it takes effect only when a link mailed to that new address is confirmed. Until then the
 *   old address stays in force everywhere (links, reservations, mail).
 * - `lead`: the profile a lead form submitted for an address we already know; it replaces the
 *   stored profile only when the owner of that address confirms it.
 * One of each kind per person: a newer request supersedes (replaces) the older one, whose link
 * then confirms nothing. An address that belonged to another person when asked for is kept
 * as its hash only (`email` null): no link is ever mailed for it, and the request behaves
 * like any other (asking again is a no-op), so nothing tells the requester whose it is. Rows are deleted when confirmed, superseded, expired (swept by the
 * jobs) or when the person is erased: the pending address and profile are personal data.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table pending_changes (
      id uuid primary key,
      subject_id uuid not null references subjects (id),
      kind text not null check (kind in ('address', 'lead')),
      email text,
      email_hash text,
      profile jsonb,
      requested_by_type text not null check (requested_by_type in ('subject', 'staff', 'mail_sender', 'system')),
      requested_by_id text,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      check (kind <> 'address' or email_hash is not null)
    )`.execute(db);
  await sql`create unique index pending_changes_subject_kind on pending_changes (subject_id, kind)`.execute(db);
  await sql`create index pending_changes_expires on pending_changes (expires_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists pending_changes`.execute(db);
}
