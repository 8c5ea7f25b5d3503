import type { Selectable } from 'kysely';
import type { Db } from '../db/handle.js';
import type { TopicsTable } from '../db/schema.js';
import type { Topic } from './rules.js';

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
