import { sql } from 'kysely';
import type { Db } from '../db/handle.js';

/**
 * Counts a hit against `key` in a fixed window and says whether it is within `max`. One
 * statement, so concurrent hits from several instances count correctly.
 */
export async function withinLimit(db: Db, key: string, opts: { max: number; windowMs: number; now: Date }): Promise<boolean> {
  const cutoff = new Date(opts.now.getTime() - opts.windowMs);
  const r = await sql<{ count: number }>`
    insert into rate_limits (key, window_start, count) values (${key}, ${opts.now}, 1)
    on conflict (key) do update set
      count = case when rate_limits.window_start <= ${cutoff} then 1 else rate_limits.count + 1 end,
      window_start = case when rate_limits.window_start <= ${cutoff} then ${opts.now} else rate_limits.window_start end
    returning count`.execute(db);
  return Number(r.rows[0]!.count) <= opts.max;
}

/** Drops windows long past, for the jobs. */
export async function pruneRateLimits(db: Db, now: Date): Promise<void> {
  await sql`delete from rate_limits where window_start < ${new Date(now.getTime() - 86_400_000)}`.execute(db);
}

/**
 * Whether `key` has used up `max` hits in its current window, without counting one: for forms
 * that count only failures (the dashboard's sign-in) but must refuse before trying.
 */
export async function limitReached(db: Db, key: string, opts: { max: number; windowMs: number; now: Date }): Promise<boolean> {
  const cutoff = new Date(opts.now.getTime() - opts.windowMs);
  const r = await db.selectFrom('rate_limits').select('count').where('key', '=', key).where('window_start', '>', cutoff).executeTakeFirst();
  return !!r && Number(r.count) >= opts.max;
}
