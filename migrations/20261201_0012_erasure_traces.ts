import { type Kysely, sql } from 'kysely';

/**
 * Erasure also blanks the lead's free text in the ledger (`source`: whatever the site's form
 * sent, which can name the person). The ledger stays append-only otherwise: rows are never
 * deleted, and the only change allowed is blanking the personal parts (IP, user agent, details,
 * source) of an existing row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function consent_events_append_only() returns trigger language plpgsql as $$
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
         or (new.source is not null and new.source is distinct from old.source)
         or (new.ip is not null and new.ip is distinct from old.ip)
         or (new.user_agent is not null and new.user_agent is distinct from old.user_agent)
         or (new.details is not null and new.details is distinct from old.details) then
        raise exception 'consent_events is append-only (only erasure of ip, user_agent, details, source is allowed)';
      end if;
      return new;
    end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function consent_events_append_only() returns trigger language plpgsql as $$
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
}
