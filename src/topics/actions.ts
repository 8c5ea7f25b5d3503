import { sql } from 'kysely';
import { ACTION_PURPOSE, type Evidence, recordEvents } from '../consent/ledger.js';
import type { Db } from '../db/handle.js';
import type { Locale } from '../pages/i18n.js';
import { findTopic, topicChoices } from './queries.js';
import { subscribedTo, type Topic } from './rules.js';

export interface TopicInput {
  name: Record<Locale, string>;
  description?: Partial<Record<Locale, string>>;
  defaultSubscribed?: boolean;
  countsTowardCap?: boolean;
}

/**
 * Defines a topic or replaces its definition (`PUT /v1/topics/{key}`, the CLI's `topics put`).
 * Putting a removed topic brings it back. People's choices are kept as they are.
 */
export async function putTopic(db: Db, key: string, t: TopicInput, at: Date): Promise<{ kind: 'created' | 'updated'; topic: Topic }> {
  const values = {
    name_ru: t.name.ru,
    name_en: t.name.en,
    description_ru: t.description?.ru ?? '',
    description_en: t.description?.en ?? '',
    default_subscribed: t.defaultSubscribed ?? true,
    counts_toward_cap: t.countsTowardCap ?? true,
    updated_at: at,
    removed_at: null,
  };
  const r = await db
    .insertInto('topics')
    .values({ key, ...values, created_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet(values))
    .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
    .executeTakeFirstOrThrow();
  const topic = (await findTopic(db, key))!;
  return { kind: r.inserted ? 'created' : 'updated', topic };
}

/**
 * Removes a topic: no new links or reservations may name it, and the preference center stops
 * listing it. The row stays (links already in mailboxes still unsubscribe from what they meant,
 * and the feed keeps its records). Removing it again changes nothing.
 */
export async function removeTopic(db: Db, key: string, at: Date): Promise<{ kind: 'removed' | 'already'; topic: Topic } | { kind: 'unknown_topic' }> {
  const r = await db.updateTable('topics').set({ removed_at: at, updated_at: at }).where('key', '=', key).where('removed_at', 'is', null).executeTakeFirst();
  const topic = await findTopic(db, key);
  if (!topic) return { kind: 'unknown_topic' };
  return { kind: Number(r.numUpdatedRows) > 0 ? 'removed' : 'already', topic };
}

export type TopicUnsubscribeOutcome =
  | { kind: 'unsubscribed' | 'already'; status: 'active' | 'restricted' | 'erased'; locale: string }
  | { kind: 'unknown_subject' }
  | { kind: 'unknown_topic' };

/**
 * Unsubscribes a person from one topic, in one statement (the one-click of a topic link is as
 * hot as the all-mail one): their choice → not subscribed, the address → the feed's
 * topic-scoped list (`topic_suppressions`, reason `unsubscribed`), and one ledger row
 * `topic_unsubscribed` with details `{topic}`. Repeating it changes nothing and writes nothing,
 * even when two clicks race (the subject row lock; both upserts re-check the committed row).
 * A removed topic still works: the link means what it meant when it was mailed.
 *
 * Marketing consent and the global suppression are untouched: the person keeps the other
 * topics. An erased person is suppressed by hash already; nothing is written for them.
 */
export async function unsubscribeFromTopic(db: Db, subjectId: string, topic: string, e: Evidence): Promise<TopicUnsubscribeOutcome> {
  const r = await sql<{ status: 'active' | 'restricted' | 'erased' | null; locale: string | null; topic_known: boolean; changed: boolean }>`
    with t as (
      select key from topics where key = ${topic}
    ),
    s as (
      select id, email_hash, status, locale from subjects where id = ${subjectId} and exists (select 1 from t) for update
    ),
    ch as (
      insert into topic_choices (subject_id, topic, subscribed, updated_at)
      select id, ${topic}, false, ${e.at} from s where status <> 'erased'
      on conflict (subject_id, topic) do update set subscribed = false, updated_at = excluded.updated_at
        where topic_choices.subscribed
      returning subject_id
    ),
    sup as (
      insert into topic_suppressions (hash, topic, subject_id, reason, active, seq, changed_at, created_at, actor_type, actor_id)
      select email_hash, ${topic}, id, 'unsubscribed', true, null, ${e.at}, ${e.at}, ${e.actorType}, ${e.actorId ?? null}
      from s where status <> 'erased'
      on conflict (hash, topic) do update set
        reason = excluded.reason, active = true, seq = null, changed_at = excluded.changed_at,
        subject_id = excluded.subject_id, actor_type = excluded.actor_type, actor_id = excluded.actor_id
        where topic_suppressions.active = false
      returning hash
    ),
    ev as (
      insert into consent_events (subject_id, purpose, action, actor_type, actor_id, occurred_at, ip, user_agent, policy_version, source, campaign_id, details)
      select s.id, ${ACTION_PURPOSE.topic_unsubscribed}::text, 'topic_unsubscribed', ${e.actorType}, ${e.actorId ?? null}, ${e.at}, ${e.ip ?? null},
             ${e.userAgent ?? null}, ${e.policyVersion ?? null}, ${e.source ?? null}, ${e.campaignId ?? null}, jsonb_build_object('topic', ${topic}::text)
      from s where exists (select 1 from ch) or exists (select 1 from sup)
      returning id
    )
    select (select status from s) as status, (select locale from s) as locale, exists (select 1 from t) as topic_known,
           (exists (select 1 from ch) or exists (select 1 from sup)) as changed
  `.execute(db);
  const row = r.rows[0]!;
  if (!row.topic_known) return { kind: 'unknown_topic' };
  if (!row.status) return { kind: 'unknown_subject' };
  return { kind: row.changed ? 'unsubscribed' : 'already', status: row.status, locale: row.locale! };
}

/**
 * A person's own choice to receive a topic again, from their preference center: their choice →
 * subscribed, the topic-scoped suppression lifted (a new feed record, `active: false`), one
 * ledger row `topic_subscribed` with details `{topic}`. It grants no advertising consent: a
 * person without it still gets nothing. Repeating it writes nothing. A removed topic cannot be
 * chosen again.
 */
export async function subscribeToTopic(
  db: Db,
  subjectId: string,
  topic: string,
  e: Evidence,
): Promise<{ kind: 'subscribed' | 'already' | 'unknown_subject' | 'unknown_topic' }> {
  return db.transaction().execute((trx) => subscribeIn(trx, subjectId, topic, e));
}

/** {@link subscribeToTopic} inside the caller's transaction. */
async function subscribeIn(
  trx: Db,
  subjectId: string,
  topic: string,
  e: Evidence,
): Promise<{ kind: 'subscribed' | 'already' | 'unknown_subject' | 'unknown_topic' }> {
  const t = await trx.selectFrom('topics').select('key').where('key', '=', topic).where('removed_at', 'is', null).executeTakeFirst();
  if (!t) return { kind: 'unknown_topic' };
  const s = await trx.selectFrom('subjects').select(['id', 'email_hash', 'status']).where('id', '=', subjectId).forUpdate().executeTakeFirst();
  if (!s || s.status === 'erased') return { kind: 'unknown_subject' };
  const ch = await sql<{ subject_id: string }>`
    insert into topic_choices (subject_id, topic, subscribed, updated_at) values (${subjectId}, ${topic}, true, ${e.at})
    on conflict (subject_id, topic) do update set subscribed = true, updated_at = excluded.updated_at where not topic_choices.subscribed
    returning subject_id`.execute(trx);
  const lifted = await trx
    .updateTable('topic_suppressions')
    .set({ active: false, seq: null, changed_at: e.at, actor_type: e.actorType, actor_id: e.actorId ?? null })
    .where('hash', '=', s.email_hash)
    .where('topic', '=', topic)
    .where('active', '=', true)
    .executeTakeFirst();
  if (Number(lifted.numUpdatedRows) > 0) {
    // A person who left all advertising mail too stays suppressed for a feed consumer that
    // ignores topics: the global entry is sent again, after this lift (migration 0015).
    await trx.updateTable('suppressions').set({ seq: null }).where('hash', '=', s.email_hash).where('active', '=', true).execute();
  }
  const changed = ch.rows.length > 0 || Number(lifted.numUpdatedRows) > 0;
  if (!changed) return { kind: 'already' };
  await recordEvents(trx, subjectId, e, [{ action: 'topic_subscribed', details: { topic } }]);
  return { kind: 'subscribed' };
}

/**
 * The preference center's topic form: for each topic the person was shown (`wanted`: key →
 * receive it), the change from what they receive now (their choice, else the topic's default),
 * all in one transaction, each change one ledger event ({@link unsubscribeFromTopic},
 * {@link subscribeToTopic}). Keys of no live topic are ignored (a topic removed since the page
 * was shown keeps the person's choice). Returns the topics changed, in key order.
 */
export async function setTopicChoices(
  db: Db,
  subjectId: string,
  wanted: ReadonlyMap<string, boolean>,
  e: Evidence,
): Promise<{ kind: 'saved'; changed: { topic: string; subscribed: boolean }[] } | { kind: 'unknown_subject' }> {
  return db.transaction().execute(async (trx) => {
    const s = await trx.selectFrom('subjects').select(['id', 'status']).where('id', '=', subjectId).forUpdate().executeTakeFirst();
    if (!s || s.status === 'erased') return { kind: 'unknown_subject' as const };
    const keys = [...wanted.keys()].sort();
    if (keys.length === 0) return { kind: 'saved' as const, changed: [] };
    const topics = await trx
      .selectFrom('topics')
      .select(['key', 'default_subscribed'])
      .where('key', 'in', keys)
      .where('removed_at', 'is', null)
      .orderBy('key')
      .execute();
    const choices = await topicChoices(trx, subjectId);
    const changed: { topic: string; subscribed: boolean }[] = [];
    for (const t of topics) {
      const want = wanted.get(t.key)!;
      if (subscribedTo({ defaultSubscribed: t.default_subscribed }, choices.get(t.key)) === want) continue;
      const r = want ? await subscribeIn(trx, subjectId, t.key, e) : await unsubscribeFromTopic(trx, subjectId, t.key, e);
      if (r.kind === 'subscribed' || r.kind === 'unsubscribed') changed.push({ topic: t.key, subscribed: want });
    }
    return { kind: 'saved' as const, changed };
  });
}
