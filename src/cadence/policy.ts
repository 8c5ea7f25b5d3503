/**
 * The cadence policy: may this person get one more advertising mail now? Pure: no I/O, the
 * moment is an argument. Every refusal says why, and for timing refusals the earliest moment
 * the person may be mailed again (assuming nothing else is sent meanwhile).
 */

import type { ConsentState, SubjectStatus } from '../db/schema.js';
import { type LocalDate, localDate, startOfLocalDay } from '../time/local-date.js';

export type Frequency = 'monthly' | 'standard';
export type DenialReason = 'no_consent' | 'suppressed' | 'restricted' | 'topic_unsubscribed' | 'paused' | 'frequency_cap' | 'min_gap' | 'unknown_subject';

/** The limits from configuration that no preference can exceed. */
export interface CadenceLimits {
  /** Global ceiling of mails per window. */
  maxPerWindow: number;
  /** Length of the rolling window in days (ignored for calendar months). */
  windowDays: number;
  /** Minimum time between two mails to one person. */
  minGapHours: number;
  /** Rolling windows measured to the second, or calendar months in `timeZone`. */
  windowMode: 'rolling' | 'calendar_month';
  timeZone: string;
}

/** What a frequency preference allows per window (the preference window is 30 days or a month). */
export const PREFERENCE_CAP: Record<Frequency, number> = { monthly: 1, standard: 3 };
export const PREFERENCE_WINDOW_DAYS = 30;

export interface CadenceSubject {
  status: SubjectStatus;
  marketing: ConsentState;
  suppressed: boolean;
  frequency: Frequency;
  /** `YYYY-MM-DD`: no mail before this local date. */
  pausedUntil: string | null;
  /** Times of mails that count: sent, or reserved and not yet expired. Any order. */
  sends: Date[];
  /** The mail asked about is of a topic this person left (topics/rules.ts `subscribedTo`). */
  topicUnsubscribed?: boolean;
}

/**
 * Which sends share a cap with the mail asked about: those of its topic alone, for a topic outside
 * the shared cap (`only`); otherwise every send but those of the topics outside it (`exclude`,
 * null when there are none). Mail of no topic and the topics that count toward the cap share it.
 */
export type CapGroup = { only: string } | { exclude: readonly string[] } | null;

/**
 * The cap group of mail of this topic (null: of no topic), given the keys of the topics outside
 * the shared cap. Pure.
 *
 * @example
 * capGroup({ key: 'events', countsTowardCap: false }, ['events']) // { only: 'events' }
 * capGroup(null, ['events'])                                       // { exclude: ['events'] }
 * capGroup({ key: 'digest', countsTowardCap: true }, [])           // null: every send counts
 */
export function capGroup(topic: { key: string; countsTowardCap: boolean } | null, outsideCap: readonly string[]): CapGroup {
  if (topic && !topic.countsTowardCap) return { only: topic.key };
  return outsideCap.length ? { exclude: outsideCap } : null;
}

/** Whether a send of this topic counts in the group (cadence/state.ts says the same in SQL). Pure. */
export function countsIn(group: CapGroup, sendTopic: string | null): boolean {
  if (!group) return true;
  if ('only' in group) return sendTopic === group.only;
  return sendTopic === null || !group.exclude.includes(sendTopic);
}

/**
 * How many of a person's counting sends a decision needs: the latest ones (by time, up to now),
 * as many as the largest cap. Every timing rule looks at a suffix of the sends in time order
 * from some moment at or after now (the last send; the cap-th latest in a rolling window; whether
 * a calendar month holds `cap`); none of those can tell more than this many latest sends from
 * the whole history. So `decide` gives the same answer on those as on all, and the ledger read
 * stays bounded per person however long their history (test/cadence/policy.test.ts checks it).
 */
export function decisionSends(limits: CadenceLimits): number {
  return Math.max(limits.maxPerWindow, ...Object.values(PREFERENCE_CAP));
}

export type Decision = { allowed: true } | { allowed: false; reason: DenialReason; nextAllowedAt?: Date };

const DAY = 86_400_000;
const HOUR = 3_600_000;

function parseDate(s: string): LocalDate {
  const [y, m, d] = s.split('-').map(Number);
  return { year: y!, month: m!, day: d! };
}

function cmpDate(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/**
 * The earliest moment when fewer than `cap` of `sends` fall in the window ending then, given
 * no new sends; `now` if that is already true.
 */
export function earliestUnderCap(sends: number[], cap: number, now: number, mode: CadenceLimits['windowMode'], windowMs: number, timeZone: string): number {
  if (mode === 'rolling') {
    // A send at s counts at t while s > t - window.
    const inWindow = sends.filter((s) => s > now - windowMs && s <= now).sort((a, b) => a - b);
    if (inWindow.length < cap) return now;
    return inWindow[inWindow.length - cap]! + windowMs;
  }
  const today = localDate(new Date(now), timeZone);
  const monthStart = startOfLocalDay({ year: today.year, month: today.month, day: 1 }, timeZone).getTime();
  const count = sends.filter((s) => s >= monthStart && s <= now).length;
  if (count < cap) return now;
  const next = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
  return startOfLocalDay(next, timeZone).getTime();
}

/**
 * Decides one send. Order: who the person is (unknown, suppressed, consent, restriction, the
 * topic they left), then
 * timing (pause, caps, gap), whose refusal carries the earliest moment all timing rules pass.
 *
 * @example
 * decide({ status: 'active', marketing: 'granted', suppressed: false, frequency: 'monthly', pausedUntil: null, sends: [lastWeek] }, limits, now)
 * // → { allowed: false, reason: 'frequency_cap', nextAllowedAt: lastWeek + 30 days }
 */
export function decide(subject: CadenceSubject | null, limits: CadenceLimits, now: Date): Decision {
  if (!subject) return { allowed: false, reason: 'unknown_subject' };
  if (subject.suppressed || subject.status === 'erased') return { allowed: false, reason: 'suppressed' };
  if (subject.marketing !== 'granted') return { allowed: false, reason: 'no_consent' };
  if (subject.status === 'restricted') return { allowed: false, reason: 'restricted' };
  if (subject.topicUnsubscribed) return { allowed: false, reason: 'topic_unsubscribed' };

  const t = now.getTime();
  const sends = subject.sends.map((d) => d.getTime()).filter((s) => s <= t);
  const windowMs = limits.windowDays * DAY;

  let pausedUntil = t;
  if (subject.pausedUntil) {
    const until = parseDate(subject.pausedUntil);
    if (cmpDate(localDate(now, limits.timeZone), until) < 0) pausedUntil = startOfLocalDay(until, limits.timeZone).getTime();
  }
  // The preference counts over its own 30 days, the global ceiling over its window; both hold.
  const prefCap = PREFERENCE_CAP[subject.frequency];
  const freqAt = Math.max(
    earliestUnderCap(sends, prefCap, t, limits.windowMode, PREFERENCE_WINDOW_DAYS * DAY, limits.timeZone),
    earliestUnderCap(sends, limits.maxPerWindow, t, limits.windowMode, windowMs, limits.timeZone),
  );
  const last = sends.length ? Math.max(...sends) : -Infinity;
  const gapAt = Math.max(t, last + limits.minGapHours * HOUR);

  const next = earliestAllowed({ pausedUntil, freqAt, gapAt }, sends, prefCap, limits, windowMs);
  if (pausedUntil > t) return { allowed: false, reason: 'paused', nextAllowedAt: new Date(next) };
  if (freqAt > t) return { allowed: false, reason: 'frequency_cap', nextAllowedAt: new Date(next) };
  if (gapAt > t) return { allowed: false, reason: 'min_gap', nextAllowedAt: new Date(next) };
  return { allowed: true };
}

/**
 * The first moment every timing rule passes. Each rule only gets easier as time passes
 * without new sends, except that a later moment can land in a new calendar month where the
 * caps are recounted, so we re-check from the candidate until it is stable.
 */
function earliestAllowed(
  at: { pausedUntil: number; freqAt: number; gapAt: number },
  sends: number[],
  prefCap: number,
  limits: CadenceLimits,
  windowMs: number,
): number {
  let candidate = Math.max(at.pausedUntil, at.freqAt, at.gapAt);
  for (let i = 0; i < 4; i++) {
    const f = Math.max(
      earliestUnderCap(sends, prefCap, candidate, limits.windowMode, PREFERENCE_WINDOW_DAYS * DAY, limits.timeZone),
      earliestUnderCap(sends, limits.maxPerWindow, candidate, limits.windowMode, windowMs, limits.timeZone),
    );
    if (f <= candidate) break;
    candidate = f;
  }
  return candidate;
}
