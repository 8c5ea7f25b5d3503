import type { Db } from '../db/handle.js';
import { localDate, startOfLocalDay } from '../time/local-date.js';
import { topicsOutsideCap } from '../topics/queries.js';
import { type CadenceLimits, capGroup, countsIn, type DenialReason, decide, type Frequency, PREFERENCE_CAP, PREFERENCE_WINDOW_DAYS } from './policy.js';
import { lookbackStart } from './reservations.js';
import { type CountingSend, cadenceSubject, readCadenceState } from './state.js';

/** What staff see of one person's cadence (`GET /v1/subjects/{id}/cadence`). */
export interface CadenceView {
  subject: string;
  frequency: Frequency;
  pausedUntil: string | null;
  limits: { preferenceCap: number; maxPerWindow: number; windowDays: number; windowMode: string; minGapHours: number };
  /** The sends that count in a window now, each with its campaign's topic (null: none). */
  sends: { campaignId: string; topic: string | null; status: CountingSend['status']; at: string }[];
  /** Those sends per topic (null: mail of no topic), in order of first appearance. */
  sendsByTopic: { topic: string | null; count: number }[];
  allowedNow: boolean;
  reason?: DenialReason;
  nextAllowedAt: string | null;
}

/**
 * A person's sends, their limits, and whether and when they may be mailed: the decision a
 * reservation now would take (it reads what a decision reads), and the sends that count in the
 * window (the minimum gap may reach further back than the window; those are not listed), per
 * topic too. The decision is that of mail of no topic: the sends of topics outside the shared
 * cap are listed but do not count in it. Null for nobody with this id. Reads only.
 */
export async function cadenceView(db: Db, id: string, opts: { limits: CadenceLimits; ttlHours: number; now: Date }): Promise<CadenceView | null> {
  const { limits, now } = opts;
  const s = (await readCadenceState(db, [id], { since: lookbackStart(limits, opts.ttlHours, now), now })).get(id);
  if (!s) return null;
  const windowStart =
    limits.windowMode === 'calendar_month'
      ? startOfLocalDay({ ...localDate(now, limits.timeZone), day: 1 }, limits.timeZone)
      : new Date(now.getTime() - Math.max(limits.windowDays, PREFERENCE_WINDOW_DAYS) * 86_400_000);
  const inWindow = s.sends.filter((x) => (limits.windowMode === 'calendar_month' ? x.at >= windowStart : x.at > windowStart));
  const frequency = s.frequency ?? 'standard';
  const group = capGroup(null, await topicsOutsideCap(db));
  const d = decide({ ...cadenceSubject(s), sends: s.sends.filter((x) => countsIn(group, x.topic)).map((x) => x.at) }, limits, now);
  const byTopic = new Map<string | null, number>();
  for (const x of inWindow) byTopic.set(x.topic, (byTopic.get(x.topic) ?? 0) + 1);
  return {
    subject: s.id,
    frequency,
    pausedUntil: s.pausedUntil,
    limits: {
      preferenceCap: PREFERENCE_CAP[frequency],
      maxPerWindow: limits.maxPerWindow,
      windowDays: limits.windowDays,
      windowMode: limits.windowMode,
      minGapHours: limits.minGapHours,
    },
    sends: inWindow.map((x) => ({ campaignId: x.campaignId, topic: x.topic, status: x.status, at: x.at.toISOString() })),
    sendsByTopic: [...byTopic].map(([topic, count]) => ({ topic, count })),
    allowedNow: d.allowed,
    ...(d.allowed ? {} : { reason: d.reason }),
    nextAllowedAt: d.allowed ? now.toISOString() : (d.nextAllowedAt?.toISOString() ?? null),
  };
}
