import { type Selectable, sql } from 'kysely';
import type { Db } from '../db/handle.js';
import type { TopicsTable } from '../db/schema.js';
import { subscribedTo, type Topic } from './rules.js';

/** Row to {@link Topic}: the one mapping. */
export function toTopic(r: Selectable<TopicsTable>): Topic {
  return {
    key: r.key,
    name: { ru: r.name_ru, en: r.name_en },
    description: { ru: r.description_ru, en: r.description_en },
    defaultSubscribed: r.default_subscribed,
    countsTowardCap: r.counts_toward_cap,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    removedAt: r.removed_at ? new Date(r.removed_at) : null,
  };
}

/** Every topic in key order; removed ones only when asked. */
export async function listTopics(db: Db, opts: { includeRemoved?: boolean } = {}): Promise<Topic[]> {
  let q = db.selectFrom('topics').selectAll().orderBy('key');
  if (!opts.includeRemoved) q = q.where('removed_at', 'is', null);
  return (await q.execute()).map(toTopic);
}

/** One topic by key, removed or not; undefined when no such key was ever defined. */
export async function findTopic(db: Db, key: string): Promise<Topic | undefined> {
  const r = await db.selectFrom('topics').selectAll().where('key', '=', key).executeTakeFirst();
  return r ? toTopic(r) : undefined;
}

/**
 * A person's own choices, by topic key (only the topics they chose on; the rest follow each
 * topic's default, topics/rules.ts `subscribedTo`).
 */
export async function topicChoices(db: Db, subjectId: string): Promise<Map<string, boolean>> {
  const rows = await db.selectFrom('topic_choices').select(['topic', 'subscribed']).where('subject_id', '=', subjectId).execute();
  return new Map(rows.map((r) => [r.topic, r.subscribed]));
}

/** Where a person stands on one live topic: whether they receive it, and whether by their own choice. */
export interface TopicStanding {
  topic: string;
  subscribed: boolean;
  /** false: they never chose; the topic's default decides. */
  chosen: boolean;
  /** When they made their choice; null when they never did. */
  since: string | null;
}

/** A person's standing on every live topic, in key order ({@link subscribedTo} decides). */
export async function topicStandings(db: Db, subjectId: string): Promise<TopicStanding[]> {
  const rows = await db
    .selectFrom('topics as t')
    .leftJoin('topic_choices as c', (j) => j.onRef('c.topic', '=', 't.key').on('c.subject_id', '=', subjectId))
    .select(['t.key', 't.default_subscribed', 'c.subscribed', 'c.updated_at'])
    .where('t.removed_at', 'is', null)
    .orderBy('t.key')
    .execute();
  return rows.map((r) => ({
    topic: r.key,
    subscribed: subscribedTo({ defaultSubscribed: r.default_subscribed }, r.subscribed),
    chosen: r.subscribed !== null,
    since: r.updated_at ? new Date(r.updated_at).toISOString() : null,
  }));
}

/**
 * Which of these people do not receive a topic: their own choice, else the topic's default
 * (topics/rules.ts `subscribedTo`, the same rule in SQL). One statement whatever their number.
 */
export async function topicLeavers(db: Db, topic: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const r = await sql<{ id: string }>`
    select req.id from unnest(${[...ids]}::uuid[]) as req(id)
    join topics t on t.key = ${topic}
    left join topic_choices c on c.subject_id = req.id and c.topic = t.key
    where not coalesce(c.subscribed, t.default_subscribed)`.execute(db);
  return new Set(r.rows.map((x) => x.id));
}

/** The keys of the topics outside the shared cadence cap, removed ones too (their sends are history). */
export async function topicsOutsideCap(db: Db): Promise<string[]> {
  const r = await db.selectFrom('topics').select('key').where('counts_toward_cap', '=', false).orderBy('key').execute();
  return r.map((x) => x.key);
}
