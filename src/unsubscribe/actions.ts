import { sql } from 'kysely';
import { ACTION_PURPOSE, type Evidence } from '../consent/ledger.js';
import type { Db } from '../db/handle.js';
import { enqueue } from '../outbox/queries.js';
import { ON_CONFLICT_SUPPRESS } from '../suppressions/rule.js';
import { unsubscribeFromTopic } from '../topics/actions.js';

/** `topic`: the act left that topic only (absent: all advertising mail). */
export type UnsubscribeOutcome =
  | { kind: 'unsubscribed' | 'already'; status: 'active' | 'restricted' | 'erased'; locale: string; topic?: string }
  | { kind: 'unknown_subject' };

/**
 * Withdraws marketing consent and suppresses the address, atomically. With `notify` (the
 * operator's NOTIFY_ON_UNSUBSCRIBE) the `unsubscribed` notice is queued in the same
 * transaction, once per act: keyed by the act's ledger event, so a repeated click, which
 * writes no event, queues nothing. Without it (the default: stop means stop) nothing is mailed. Repeating it changes
 * nothing and adds no record, even when two clicks race. An erased person is already
 * suppressed by hash, so nothing is written for them.
 *
 * This is the hottest write path (every one-click from every mailbox), so it is one statement:
 * one round trip, its own transaction. The subject row lock serializes acts on one person;
 * both upserts re-check the latest committed row (ON CONFLICT ... WHERE), so the loser of a
 * race finds nothing to change and writes no event.
 *
 * Being one statement, it writes with the shared rules rather than their functions: the
 * suppression through the one upsert (suppressions/rule.ts {@link ON_CONFLICT_SUPPRESS}), the
 * ledger rows with the purposes of consent/ledger.ts ({@link ACTION_PURPOSE}), as
 * `appendLedger()` would.
 *
 * @example
 * await unsubscribe(db, claims.sub, { actorType: 'subject', at: clock.now(), ip, campaignId: claims.cmp });
 */
export async function unsubscribe(db: Db, subjectId: string, e: Evidence, opts: { notify?: boolean; topic?: string } = {}): Promise<UnsubscribeOutcome> {
  // A topic link (its token's `t`) leaves that topic only: its own one statement, no notice.
  // A topic never defined here (a restore, another database) falls back to all advertising mail.
  if (opts.topic !== undefined) {
    const r = await unsubscribeFromTopic(db, subjectId, opts.topic, e);
    if (r.kind !== 'unknown_topic') return r.kind === 'unknown_subject' ? r : { ...r, topic: opts.topic };
  }
  if (!opts.notify) return (await unsubscribeStatement(db, subjectId, e)).outcome;
  // Two round trips only for operators who asked for the notice.
  return db.transaction().execute(async (trx) => {
    const { outcome, eventId } = await unsubscribeStatement(trx, subjectId, e);
    if (outcome.kind === 'unsubscribed' && eventId) {
      await enqueue(trx, { kind: 'unsubscribed', subjectId, payload: { subjectId }, idempotencyKey: `unsubscribed:${eventId}`, at: e.at });
    }
    return outcome;
  });
}

async function unsubscribeStatement(db: Db, subjectId: string, e: Evidence): Promise<{ outcome: UnsubscribeOutcome; eventId: string | null }> {
  const r = await sql<{ status: 'active' | 'restricted' | 'erased'; locale: string; consent_changed: boolean; suppressed: boolean; event_id: string | null }>`
    with s as (
      select id, email, email_hash, status, locale from subjects where id = ${subjectId} for update
    ),
    before as (
      select state from consents where subject_id = ${subjectId} and purpose = 'marketing'
    ),
    c as (
      insert into consents (subject_id, purpose, state, policy_version, updated_at)
      select id, 'marketing', 'withdrawn', null, ${e.at} from s where status <> 'erased'
      on conflict (subject_id, purpose) do update set state = 'withdrawn', updated_at = excluded.updated_at
        where consents.state <> 'withdrawn'
      returning subject_id
    ),
    sup as (
      insert into suppressions (hash, email, subject_id, reason, active, seq, changed_at, created_at, actor_type, actor_id, note)
      select email_hash, email, id, 'unsubscribed', true, null, ${e.at}, ${e.at}, ${e.actorType}, ${e.actorId ?? null}, null
      from s where status <> 'erased'
      ${ON_CONFLICT_SUPPRESS}
      returning hash
    ),
    ev as (
      insert into consent_events (subject_id, purpose, action, actor_type, actor_id, occurred_at, ip, user_agent, policy_version, source, campaign_id, details)
      select s.id, a.purpose, a.action, ${e.actorType}, ${e.actorId ?? null}, ${e.at}, ${e.ip ?? null}, ${e.userAgent ?? null},
             ${e.policyVersion ?? null}, ${e.source ?? null}, ${e.campaignId ?? null}, a.details
      from s cross join (
        select ${ACTION_PURPOSE.unsubscribed}::text as purpose, 'unsubscribed' as action, jsonb_build_object('from', coalesce((select state from before), 'none')) as details
        where exists (select 1 from c)
        union all
        select ${ACTION_PURPOSE.suppressed}::text, 'suppressed', jsonb_build_object('reason', 'unsubscribed') where exists (select 1 from sup)
      ) a
      returning id
    )
    select s.status, s.locale, exists (select 1 from c) as consent_changed, exists (select 1 from sup) as suppressed,
           (select min(id) from ev)::text as event_id
    from s
  `.execute(db);
  const row = r.rows[0];
  if (!row) return { outcome: { kind: 'unknown_subject' }, eventId: null };
  return {
    outcome: { kind: row.consent_changed || row.suppressed ? 'unsubscribed' : 'already', status: row.status, locale: row.locale },
    eventId: row.event_id,
  };
}
