import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import type { SuppressionReason } from '../db/schema.js';
import { localDate } from '../time/local-date.js';

/**
 * The dashboard's charts: set-based reads, each bounded to a time range (at most a year), each
 * one statement grouped in the database. Weeks start on Monday in the service's time zone.
 */

export const SUPPRESSION_REASONS: readonly SuppressionReason[] = ['unsubscribed', 'withdrawn', 'erased', 'bounced', 'complained', 'manual'];

/** The range a chart covers: `from` (inclusive) to `to` (inclusive: now), and its Mondays. */
export interface ChartRange {
  from: Date;
  to: Date;
  timeZone: string;
  /** Every week in the range, `YYYY-MM-DD` of its Monday, oldest first. */
  weeks: string[];
}

/** The last `days` days up to `now`, with the Mondays of the weeks they touch. Pure. */
export function chartRange(now: Date, days: number, timeZone: string): ChartRange {
  const from = new Date(now.getTime() - days * 86_400_000);
  const day = (d: Date) => {
    const l = localDate(d, timeZone);
    return Date.UTC(l.year, l.month - 1, l.day);
  };
  const first = day(from);
  const monday = first - ((new Date(first).getUTCDay() + 6) % 7) * 86_400_000;
  const weeks: string[] = [];
  for (let t = monday; t <= day(now); t += 7 * 86_400_000) weeks.push(new Date(t).toISOString().slice(0, 10));
  return { from, to: now, timeZone, weeks };
}

const week = (column: string, timeZone: string) => sql<string>`to_char(date_trunc('week', ${sql.ref(column)} at time zone ${timeZone}), 'YYYY-MM-DD')`;

/** New suppressions per week and reason (an entry counts in the week it was first made). */
export async function suppressionsByWeek(db: Db, r: ChartRange): Promise<{ week: string; reason: SuppressionReason; count: number }[]> {
  const rows = await db
    .selectFrom('suppressions')
    .select([week('created_at', r.timeZone).as('week'), 'reason', sql<string>`count(*)::text`.as('count')])
    .where('created_at', '>=', r.from)
    .where('created_at', '<=', r.to)
    .groupBy(['week', 'reason'])
    .execute();
  return rows.map((x) => ({ week: x.week, reason: x.reason, count: Number(x.count) }));
}

/**
 * Advertising consents granted (given at once, or confirmed) and withdrawn (withdrawn, or
 * unsubscribed) per week, from the consent ledger.
 */
export async function consentsByWeek(db: Db, r: ChartRange): Promise<{ week: string; granted: number; withdrawn: number }[]> {
  const rows = await db
    .selectFrom('consent_events')
    .select([
      week('occurred_at', r.timeZone).as('week'),
      sql<string>`count(*) filter (where action in ('granted', 'confirmed'))::text`.as('granted'),
      sql<string>`count(*) filter (where action in ('withdrawn', 'unsubscribed'))::text`.as('withdrawn'),
    ])
    .where('purpose', '=', 'marketing')
    .where('action', 'in', ['granted', 'confirmed', 'withdrawn', 'unsubscribed'])
    .where('occurred_at', '>=', r.from)
    .where('occurred_at', '<=', r.to)
    .groupBy('week')
    .execute();
  return rows.map((x) => ({ week: x.week, granted: Number(x.granted), withdrawn: Number(x.withdrawn) }));
}

/** Unsubscribes per campaign (the link's campaign), most first, at most `limit`; null: links of no campaign. */
export async function unsubscribesByCampaign(db: Db, r: ChartRange, limit: number): Promise<{ campaign: string | null; count: number }[]> {
  const rows = await db
    .selectFrom('consent_events')
    .select(['campaign_id', sql<string>`count(*)::text`.as('count')])
    .where('action', '=', 'unsubscribed')
    .where('occurred_at', '>=', r.from)
    .where('occurred_at', '<=', r.to)
    .groupBy('campaign_id')
    .orderBy(sql`count(*)`, 'desc')
    .orderBy('campaign_id')
    .limit(limit)
    .execute();
  return rows.map((x) => ({ campaign: x.campaign_id, count: Number(x.count) }));
}
