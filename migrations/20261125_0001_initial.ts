import { type Kysely, sql } from 'kysely';

/**
 * The whole data model of DESIGN.md. Raw SQL so that it reads as the schema it is and runs
 * unchanged on PostgreSQL and PGlite.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table subjects (
      id uuid primary key,
      email text,
      email_hash text not null,
      last_name text,
      first_name text,
      patronymic text,
      phone text,
      website text,
      organization text,
      industry text,
      city text,
      locale text not null default 'ru',
      status text not null default 'active' check (status in ('active', 'restricted', 'erased')),
      created_at timestamptz not null,
      updated_at timestamptz not null,
      erased_at timestamptz,
      check (status = 'erased' or email is not null)
    )`.execute(db);
  // One live person per address; an erased shell keeps its hash but frees the address.
  await sql`create unique index subjects_email_hash_live on subjects (email_hash) where status <> 'erased'`.execute(db);

  await sql`
    create table consents (
      subject_id uuid not null references subjects (id),
      purpose text not null check (purpose in ('processing', 'marketing')),
      state text not null check (state in ('none', 'pending', 'granted', 'withdrawn')),
      policy_version text,
      updated_at timestamptz not null,
      primary key (subject_id, purpose)
    )`.execute(db);

  await sql`
    create table consent_events (
      id bigint generated always as identity primary key,
      subject_id uuid not null references subjects (id),
      purpose text check (purpose in ('processing', 'marketing')),
      action text not null check (action in (
        'granted', 'requested', 'confirmed', 'withdrawn', 'unsubscribed', 'frequency_changed',
        'paused', 'restricted', 'unrestricted', 'rectified', 'erasure_requested', 'erased',
        'suppressed', 'unsuppressed')),
      actor_type text not null check (actor_type in ('subject', 'staff', 'mail_sender', 'system')),
      actor_id text,
      occurred_at timestamptz not null,
      ip text,
      user_agent text,
      policy_version text,
      source text,
      campaign_id text,
      details jsonb
    )`.execute(db);
  await sql`create index consent_events_subject on consent_events (subject_id, occurred_at)`.execute(db);
  // The ledger is evidence: rows are never deleted, and the only change allowed is erasure
  // blanking the personal parts (IP, user agent, details) of an existing row.
  await sql`
    create function consent_events_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        raise exception 'consent_events is append-only';
      end if;
      if new.id is distinct from old.id or new.subject_id is distinct from old.subject_id
         or new.purpose is distinct from old.purpose or new.action is distinct from old.action
         or new.actor_type is distinct from old.actor_type or new.actor_id is distinct from old.actor_id
         or new.occurred_at is distinct from old.occurred_at
         or new.policy_version is distinct from old.policy_version
         or new.campaign_id is distinct from old.campaign_id
         or new.source is distinct from old.source
         or (new.ip is not null and new.ip is distinct from old.ip)
         or (new.user_agent is not null and new.user_agent is distinct from old.user_agent)
         or (new.details is not null and new.details is distinct from old.details) then
        raise exception 'consent_events is append-only (only erasure of ip, user_agent, details is allowed)';
      end if;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger consent_events_append_only before update or delete on consent_events
    for each row execute function consent_events_append_only()`.execute(db);

  await sql`
    create table preferences (
      subject_id uuid primary key references subjects (id),
      frequency text not null default 'standard' check (frequency in ('monthly', 'standard')),
      paused_until date,
      updated_at timestamptz not null
    )`.execute(db);

  await sql`
    create table sends (
      campaign_id text not null,
      subject_id uuid not null references subjects (id),
      status text not null check (status in ('reserved', 'sent', 'released')),
      reserved_at timestamptz not null,
      expires_at timestamptz not null,
      sent_at timestamptz,
      released_at timestamptz,
      primary key (campaign_id, subject_id)
    )`.execute(db);
  await sql`create index sends_subject_window on sends (subject_id, reserved_at) where status <> 'released'`.execute(db);

  // One row per keyed e-mail hash, holding its current state. Every change clears seq; the
  // feed assigns seqs in commit order (see suppressions/sequence.ts), so a reader never skips
  // a change that committed late.
  await sql`create sequence suppression_seq`.execute(db);
  await sql`
    create table suppressions (
      hash text primary key,
      email text,
      subject_id uuid references subjects (id),
      reason text not null check (reason in ('unsubscribed', 'withdrawn', 'erased', 'bounced', 'complained', 'manual')),
      active boolean not null,
      seq bigint unique,
      changed_at timestamptz not null,
      created_at timestamptz not null,
      actor_type text not null check (actor_type in ('subject', 'staff', 'mail_sender', 'system')),
      actor_id text,
      note text
    )`.execute(db);
  await sql`create index suppressions_unsequenced on suppressions (changed_at) where seq is null`.execute(db);

  await sql`
    create table requests (
      id uuid primary key,
      subject_id uuid not null references subjects (id),
      type text not null check (type in ('access', 'rectification', 'restriction', 'erasure', 'appeal',
        'automated_decision_appeal', 'withdrawal')),
      status text not null check (status in ('received', 'in_progress', 'completed', 'rejected')),
      channel text not null check (channel in ('link', 'staff')),
      received_at timestamptz not null,
      due_at timestamptz not null,
      completed_at timestamptz,
      status_reason text,
      body text,
      created_by text
    )`.execute(db);
  await sql`create index requests_open_due on requests (due_at) where status in ('received', 'in_progress')`.execute(db);
  await sql`create index requests_subject on requests (subject_id)`.execute(db);

  await sql`
    create table api_keys (
      id text primary key,
      name text not null,
      key_hash text not null unique,
      scopes text[] not null,
      created_at timestamptz not null,
      revoked_at timestamptz
    )`.execute(db);

  await sql`
    create table audit_log (
      id bigint generated always as identity primary key,
      key_id text,
      subject_id uuid,
      action text not null,
      purpose text,
      request_id text,
      occurred_at timestamptz not null
    )`.execute(db);
  await sql`create index audit_log_subject on audit_log (subject_id, occurred_at)`.execute(db);

  // Messages and pushes written in the same transaction as the change that causes them.
  // Payloads carry ids, never addresses: the deliverer reads the person at send time, so
  // erasure before delivery leaves nothing behind here.
  await sql`
    create table outbox (
      id bigint generated always as identity primary key,
      kind text not null,
      subject_id uuid references subjects (id),
      payload jsonb not null,
      idempotency_key text not null unique,
      status text not null default 'pending' check (status in ('pending', 'done', 'dead')),
      attempts integer not null default 0,
      available_at timestamptz not null,
      last_error text,
      created_at timestamptz not null,
      done_at timestamptz
    )`.execute(db);
  await sql`create index outbox_due on outbox (available_at) where status = 'pending'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['outbox', 'audit_log', 'api_keys', 'requests', 'suppressions', 'sends', 'preferences', 'consent_events', 'consents', 'subjects']) {
    await sql`drop table if exists ${sql.id(t)}`.execute(db);
  }
  await sql`drop sequence if exists suppression_seq`.execute(db);
  await sql`drop function if exists consent_events_append_only()`.execute(db);
}
