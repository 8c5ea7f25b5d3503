import { type Kysely, sql } from 'kysely';

/**
 * Topics: the operator's kinds of advertising mail. They refine the marketing purpose (its
 * consent stays the legal basis); service mail is never a topic.
 *
 * - `topics`: one row per key, never deleted (`removed_at` marks a removal) so links already in
 *   mailboxes still name what they meant.
 * - `topic_choices`: a person's current choice per topic; each change is also a ledger row
 *   (`topic_unsubscribed`, `topic_subscribed`, details `{topic}`), so the check on
 *   `consent_events.action` widens.
 * - `topic_suppressions`: the suppression feed's topic-scoped records, keyed by (hash, topic).
 *   A table of its own so the global list (`suppressions`, keyed by hash) and the one-click's
 *   statement on it stay exactly as they were. Its `seq` comes from the same `suppression_seq`,
 *   numbered by the same sequencer (redefined here to number both tables under its one lock),
 *   so `since` cursors mean what they meant and the feed is one sequence.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table topics (
      key text primary key check (key ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
      name_ru text not null,
      name_en text not null,
      description_ru text not null default '',
      description_en text not null default '',
      default_subscribed boolean not null default true,
      counts_toward_cap boolean not null default true,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      removed_at timestamptz
    )`.execute(db);
  await sql`
    create table topic_choices (
      subject_id uuid not null references subjects (id),
      topic text not null references topics (key),
      subscribed boolean not null,
      updated_at timestamptz not null,
      primary key (subject_id, topic)
    )`.execute(db);
  await sql`
    create table topic_suppressions (
      hash text not null,
      topic text not null references topics (key),
      subject_id uuid references subjects (id),
      reason text not null check (reason in ('unsubscribed', 'withdrawn', 'erased', 'bounced', 'complained', 'manual')),
      active boolean not null,
      seq bigint unique,
      changed_at timestamptz not null,
      created_at timestamptz not null,
      actor_type text not null check (actor_type in ('subject', 'staff', 'mail_sender', 'system')),
      actor_id text,
      primary key (hash, topic)
    )`.execute(db);
  await sql`create index topic_suppressions_unsequenced on topic_suppressions (changed_at) where seq is null`.execute(db);

  await sql`alter table consent_events drop constraint if exists consent_events_action_check`.execute(db);
  await sql`
    alter table consent_events add constraint consent_events_action_check check (action in (
      'granted', 'requested', 'confirmed', 'withdrawn', 'unsubscribed', 'frequency_changed',
      'paused', 'restricted', 'unrestricted', 'rectified', 'erasure_requested', 'erased',
      'suppressed', 'unsuppressed', 'topic_unsubscribed', 'topic_subscribed'))`.execute(db);

  // The sequencer of migration 0008, numbering both tables under the same lock. The global
  // entries keep their order (change time, hash); the topic ones go around them: lifts before,
  // suppressions after. Only the order of one address's records matters to anyone, and so a
  // consumer that ignores `topic` (keeping the last record per address) ends every batch at the
  // more suppressed state: a topic left stays suppressed for it after a global lift, and a global
  // unsubscribe re-sent with a topic's lift (topics/actions.ts) stays after that lift.
  await sql`
    create or replace function sequence_suppressions() returns bigint language plpgsql as $$
    begin
      if exists (select 1 from suppressions where seq is null) or exists (select 1 from topic_suppressions where seq is null) then
        perform pg_advisory_xact_lock(727001);
        update topic_suppressions s set seq = nextval('suppression_seq')
        from (select hash, topic from topic_suppressions where seq is null and not active order by changed_at, hash, topic for update skip locked) p
        where s.hash = p.hash and s.topic = p.topic;
        update suppressions s set seq = nextval('suppression_seq')
        from (select hash from suppressions where seq is null order by changed_at, hash for update skip locked) p
        where s.hash = p.hash;
        update topic_suppressions s set seq = nextval('suppression_seq')
        from (select hash, topic from topic_suppressions where seq is null and active order by changed_at, hash, topic for update skip locked) p
        where s.hash = p.hash and s.topic = p.topic;
      end if;
      return greatest(coalesce((select max(seq) from suppressions), 0), coalesce((select max(seq) from topic_suppressions), 0));
    end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function sequence_suppressions() returns bigint language plpgsql as $$
    begin
      if exists (select 1 from suppressions where seq is null) then
        perform pg_advisory_xact_lock(727001);
        update suppressions s set seq = nextval('suppression_seq')
        from (select hash from suppressions where seq is null order by changed_at, hash for update skip locked) p
        where s.hash = p.hash;
      end if;
      return coalesce((select max(seq) from suppressions), 0);
    end
    $$`.execute(db);
  await sql`alter table consent_events drop constraint if exists consent_events_action_check`.execute(db);
  await sql`
    alter table consent_events add constraint consent_events_action_check check (action in (
      'granted', 'requested', 'confirmed', 'withdrawn', 'unsubscribed', 'frequency_changed',
      'paused', 'restricted', 'unrestricted', 'rectified', 'erasure_requested', 'erased',
      'suppressed', 'unsuppressed')) not valid`.execute(db);
  await sql`drop table if exists topic_suppressions`.execute(db);
  await sql`drop table if exists topic_choices`.execute(db);
  await sql`drop table if exists topics`.execute(db);
}
