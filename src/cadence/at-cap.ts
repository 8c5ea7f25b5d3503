import type { Db } from '../db/handle.js';
import { topicsOutsideCap } from '../topics/queries.js';
import { type CadenceLimits, capGroup, type DenialReason, decide, decisionSends } from './policy.js';
import { lookbackStart } from './reservations.js';
import { cadenceSubject, readCadenceState } from './state.js';

/** How many people the cadence holds back today, and why (the dashboard's cadence page). */
export interface CadenceToday {
  /** People with a send that still counts (the only ones a cap can hold). */
  withCountingSends: number;
  /** Held by a frequency cap (their preference or the global ceiling): at their cap. */
  atCap: number;
  /** Held by the minimum gap since their last mail. */
  inGap: number;
  /** Could be mailed now, as far as timing goes (consent and suppression aside). */
  free: number;
}

const BATCH = 5_000;

/**
 * Counts the people a reservation of mail of no topic would refuse now for timing: the same
 * reads (`readCadenceState`) and the same decision (`decide`) as a reservation, so the count
 * cannot drift from the rule. Only people with a counting send in the look-back can be at a
 * cap; they are read a batch at a time in id order (a handful of statements per 5,000 people).
 * Reads only. Consent, suppression and restriction refusals count as `free` here: they are not
 * the cadence's doing.
 *
 * @example
 * const today = await cadenceToday(db, { limits, ttlHours: 24, now });
 */
export async function cadenceToday(db: Db, opts: { limits: CadenceLimits; ttlHours: number; now: Date }): Promise<CadenceToday> {
  const { limits, now } = opts;
  const since = lookbackStart(limits, opts.ttlHours, now);
  const group = capGroup(null, await topicsOutsideCap(db));
  const out: CadenceToday = { withCountingSends: 0, atCap: 0, inGap: 0, free: 0 };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const ids = (
      await db
        .selectFrom('sends')
        .select('subject_id')
        .distinct()
        .where('reserved_at', '>', since)
        .where('status', '<>', 'released')
        .where('subject_id', '>', after)
        .orderBy('subject_id')
        .limit(BATCH)
        .execute()
    ).map((r) => r.subject_id);
    if (ids.length === 0) break;
    after = ids[ids.length - 1]!;
    const states = await readCadenceState(db, ids, { since, now, mostRecent: decisionSends(limits), capGroup: group });
    for (const s of states.values()) {
      if (s.sends.length === 0) continue;
      out.withCountingSends++;
      // Timing alone: the person as if they could be mailed, so only the cadence's rules speak.
      const d = decide({ ...cadenceSubject(s), status: 'active', marketing: 'granted', suppressed: false }, limits, now);
      const reason: DenialReason | null = d.allowed ? null : d.reason;
      if (reason === 'frequency_cap') out.atCap++;
      else if (reason === 'min_gap') out.inGap++;
      else if (reason !== 'paused') out.free++;
    }
    if (ids.length < BATCH) break;
  }
  return out;
}
