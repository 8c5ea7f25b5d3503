import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CadenceLimits, type CadenceSubject, decide, earliestUnderCap, type Frequency, PREFERENCE_CAP } from '../../src/cadence/policy.js';
import { at, DAY, defaultLimits, HOUR, mailable, SECOND } from '../helpers/cadence.js';
import { fcSeed } from '../helpers/seed.js';

const NOW = new Date('2026-03-02T09:00:00Z');
const MOSCOW = 'Europe/Moscow';

const denied = (reason: string, nextAllowedAt?: Date) => ({ allowed: false, reason, ...(nextAllowedAt ? { nextAllowedAt } : {}) });

describe('decide: who the person is', () => {
  it('refuses an unknown person as unknown_subject without a next moment', () => {
    expect(decide(null, defaultLimits(), NOW)).toEqual({ allowed: false, reason: 'unknown_subject' });
  });

  it('allows a granted, active, unsuppressed person with no history', () => {
    expect(decide(mailable(), defaultLimits(), NOW)).toEqual({ allowed: true });
  });

  it('refuses a suppressed address as suppressed, even with granted consent', () => {
    expect(decide(mailable({ suppressed: true }), defaultLimits(), NOW)).toEqual({ allowed: false, reason: 'suppressed' });
  });

  it('refuses an erased person as suppressed', () => {
    expect(decide(mailable({ status: 'erased', marketing: 'withdrawn' }), defaultLimits(), NOW)).toEqual({ allowed: false, reason: 'suppressed' });
    expect(decide(mailable({ status: 'erased' }), defaultLimits(), NOW)).toEqual({ allowed: false, reason: 'suppressed' });
  });

  it.each(['none', 'pending', 'withdrawn'] as const)('refuses marketing consent %s as no_consent', (marketing) => {
    expect(decide(mailable({ marketing }), defaultLimits(), NOW)).toEqual({ allowed: false, reason: 'no_consent' });
  });

  it('refuses a restricted person with granted consent as restricted', () => {
    expect(decide(mailable({ status: 'restricted' }), defaultLimits(), NOW)).toEqual({ allowed: false, reason: 'restricted' });
  });

  it('names the identity reason before any timing reason', () => {
    const busy = { sends: [at(NOW, -HOUR)], pausedUntil: '2026-12-31' };
    expect(decide(mailable({ ...busy, marketing: 'pending' }), defaultLimits(), NOW)).toEqual({ allowed: false, reason: 'no_consent' });
    expect(decide(mailable({ ...busy, status: 'restricted' }), defaultLimits(), NOW)).toEqual({ allowed: false, reason: 'restricted' });
    expect(decide(mailable({ ...busy, suppressed: true }), defaultLimits(), NOW)).toEqual({ allowed: false, reason: 'suppressed' });
  });
});

describe('decide: pause', () => {
  it('refuses until local midnight in Moscow of pausedUntil (21:00Z the day before)', () => {
    const d = decide(mailable({ pausedUntil: '2026-03-10' }), defaultLimits(), NOW);
    expect(d).toEqual(denied('paused', new Date('2026-03-09T21:00:00.000Z')));
  });

  it('still refuses 1 ms before that midnight and allows at it', () => {
    const s = mailable({ pausedUntil: '2026-03-10' });
    expect(decide(s, defaultLimits(), new Date('2026-03-09T20:59:59.999Z'))).toMatchObject({ allowed: false, reason: 'paused' });
    expect(decide(s, defaultLimits(), new Date('2026-03-09T21:00:00.000Z'))).toEqual({ allowed: true });
  });

  it('counts the pause in local dates: 22:00Z on the 9th is already the 10th in Moscow', () => {
    expect(decide(mailable({ pausedUntil: '2026-03-10' }), defaultLimits(), new Date('2026-03-09T22:00:00Z'))).toEqual({ allowed: true });
  });

  it('allows once the pause date is today or past', () => {
    expect(decide(mailable({ pausedUntil: '2026-03-02' }), defaultLimits(), NOW)).toEqual({ allowed: true });
    expect(decide(mailable({ pausedUntil: '2025-12-31' }), defaultLimits(), NOW)).toEqual({ allowed: true });
  });

  it('gives a paused person the moment when the cap also allows, if that is later than the pause', () => {
    const send = new Date('2026-03-01T10:00:00Z');
    const d = decide(mailable({ frequency: 'monthly', pausedUntil: '2026-03-05', sends: [send] }), defaultLimits(), NOW);
    expect(d).toEqual(denied('paused', at(send, 30 * DAY)));
  });
});

describe('decide: frequency caps (rolling)', () => {
  it('allows a monthly person one mail per 30 days: frequency_cap after one, next = that send + 30 days', () => {
    const send = at(NOW, -10 * DAY);
    expect(decide(mailable({ frequency: 'monthly' }), defaultLimits(), NOW)).toEqual({ allowed: true });
    expect(decide(mailable({ frequency: 'monthly', sends: [send] }), defaultLimits(), NOW)).toEqual(denied('frequency_cap', at(send, 30 * DAY)));
  });

  it('allows a standard person three mails per 30 days: frequency_cap after three, next = oldest + 30 days', () => {
    const sends = [at(NOW, -20 * DAY), at(NOW, -10 * DAY), at(NOW, -5 * DAY)];
    expect(decide(mailable({ sends: sends.slice(0, 2) }), defaultLimits(), NOW)).toEqual({ allowed: true });
    expect(decide(mailable({ sends }), defaultLimits(), NOW)).toEqual(denied('frequency_cap', at(NOW, 10 * DAY)));
  });

  it('takes the history in any order', () => {
    const sends = [at(NOW, -5 * DAY), at(NOW, -20 * DAY), at(NOW, -10 * DAY)];
    expect(decide(mailable({ sends }), defaultLimits(), NOW)).toEqual(denied('frequency_cap', at(NOW, 10 * DAY)));
  });

  it('lets the global cap win when it is lower than the preference', () => {
    const sends = [at(NOW, -20 * DAY), at(NOW, -10 * DAY)];
    expect(decide(mailable({ sends }), defaultLimits({ maxPerWindow: 2 }), NOW)).toEqual(denied('frequency_cap', at(NOW, 10 * DAY)));
    expect(decide(mailable({ sends: sends.slice(1) }), defaultLimits({ maxPerWindow: 1 }), NOW)).toEqual(denied('frequency_cap', at(NOW, 20 * DAY)));
  });

  it('applies the global cap over its own window length (60 days) beyond the 30-day preference window', () => {
    const sends = [at(NOW, -50 * DAY), at(NOW, -40 * DAY), at(NOW, -35 * DAY)];
    expect(decide(mailable({ sends }), defaultLimits(), NOW)).toEqual({ allowed: true });
    expect(decide(mailable({ sends }), defaultLimits({ windowDays: 60 }), NOW)).toEqual(denied('frequency_cap', at(NOW, 10 * DAY)));
  });

  it('keeps a global cap with a window shorter than 30 days to that window (1 per 7 days: a standard person may get a mail 8 days later)', () => {
    const weekly = defaultLimits({ maxPerWindow: 1, windowDays: 7 });
    expect(decide(mailable({ sends: [at(NOW, -8 * DAY)] }), weekly, NOW)).toEqual({ allowed: true });
    expect(decide(mailable({ sends: [at(NOW, -6 * DAY)] }), weekly, NOW)).toEqual(denied('frequency_cap', at(NOW, DAY)));
  });

  it('measures the window to the second: a send exactly 30 days ago no longer counts', () => {
    const s = mailable({ frequency: 'monthly', sends: [at(NOW, -30 * DAY)] });
    expect(decide(s, defaultLimits(), NOW)).toEqual({ allowed: true });
  });

  it('measures the window to the second: a send 30 days minus 1 s ago still counts, next = in 1 s', () => {
    const s = mailable({ frequency: 'monthly', sends: [at(NOW, -30 * DAY + SECOND)] });
    expect(decide(s, defaultLimits(), NOW)).toEqual(denied('frequency_cap', at(NOW, SECOND)));
  });

  it('ignores sends later than the moment decided', () => {
    expect(decide(mailable({ frequency: 'monthly', sends: [at(NOW, HOUR)] }), defaultLimits(), NOW)).toEqual({ allowed: true });
  });
});

describe('decide: minimum gap', () => {
  it('refuses within 72 hours of the last mail as min_gap, next = last + 72 h', () => {
    const last = at(NOW, -71 * HOUR);
    expect(decide(mailable({ sends: [last] }), defaultLimits(), NOW)).toEqual(denied('min_gap', at(last, 72 * HOUR)));
  });

  it('allows exactly 72 hours after the last mail', () => {
    expect(decide(mailable({ sends: [at(NOW, -72 * HOUR)] }), defaultLimits(), NOW)).toEqual({ allowed: true });
  });

  it('measures the gap from the latest send, not the first', () => {
    const sends = [at(NOW, -10 * DAY), at(NOW, -HOUR)];
    expect(decide(mailable({ sends }), defaultLimits(), NOW)).toEqual(denied('min_gap', at(NOW, 71 * HOUR)));
  });

  it('reports frequency_cap (not min_gap) when both apply, with the later of the two moments', () => {
    const sends = [at(NOW, -20 * DAY), at(NOW, -10 * DAY), at(NOW, -HOUR)];
    expect(decide(mailable({ sends }), defaultLimits(), NOW)).toEqual(denied('frequency_cap', at(NOW, 10 * DAY)));
  });

  it('has no gap with CADENCE_MIN_GAP_HOURS=0', () => {
    expect(decide(mailable({ sends: [NOW] }), defaultLimits({ minGapHours: 0 }), NOW)).toEqual({ allowed: true });
  });
});

describe('decide: calendar months in Europe/Moscow', () => {
  const calendar = defaultLimits({ windowMode: 'calendar_month', minGapHours: 0 });

  it('does not count a send on the 31st at 23:30 Moscow on the 1st at 00:30 Moscow', () => {
    const send = new Date('2026-01-31T23:30:00+03:00');
    expect(send.toISOString()).toBe('2026-01-31T20:30:00.000Z');
    const d = decide(mailable({ frequency: 'monthly', sends: [send] }), calendar, new Date('2026-02-01T00:30:00+03:00'));
    expect(d).toEqual({ allowed: true });
  });

  it('counts a send of 00:30 on the 1st of the month until the month ends, then allows at 00:00 Moscow on the 1st (21:00Z)', () => {
    const send = new Date('2026-02-01T00:30:00+03:00');
    const d = decide(mailable({ frequency: 'monthly', sends: [send] }), calendar, new Date('2026-02-27T23:59:00+03:00'));
    expect(d).toEqual(denied('frequency_cap', new Date('2026-02-28T21:00:00.000Z')));
    expect(decide(mailable({ frequency: 'monthly', sends: [send] }), calendar, new Date('2026-02-28T20:59:59.999Z'))).toMatchObject({
      reason: 'frequency_cap',
    });
    expect(decide(mailable({ frequency: 'monthly', sends: [send] }), calendar, new Date('2026-02-28T21:00:00.000Z'))).toEqual({ allowed: true });
  });

  it('counts a whole 31-day month: a send on January 1st still blocks a monthly person on January 31st', () => {
    const send = new Date('2026-01-01T00:30:00+03:00');
    const d = decide(mailable({ frequency: 'monthly', sends: [send] }), calendar, new Date('2026-01-31T23:00:00+03:00'));
    expect(d).toEqual(denied('frequency_cap', new Date('2026-01-31T21:00:00.000Z')));
  });

  it('rolls December over into January of the next year', () => {
    const sends = [new Date('2026-12-02T12:00:00+03:00'), new Date('2026-12-10T12:00:00+03:00'), new Date('2026-12-20T12:00:00+03:00')];
    const d = decide(mailable({ sends }), calendar, new Date('2026-12-25T12:00:00+03:00'));
    expect(d).toEqual(denied('frequency_cap', new Date('2026-12-31T21:00:00.000Z')));
  });

  it('applies the global cap per calendar month too', () => {
    const sends = [new Date('2026-03-01T12:00:00+03:00')];
    const d = decide(mailable({ sends }), { ...calendar, maxPerWindow: 1 }, new Date('2026-03-20T12:00:00+03:00'));
    expect(d).toEqual(denied('frequency_cap', new Date('2026-03-31T21:00:00.000Z')));
  });

  it('keeps the minimum gap across a month boundary', () => {
    const send = new Date('2026-01-31T23:30:00+03:00');
    const d = decide(mailable({ frequency: 'monthly', sends: [send] }), { ...calendar, minGapHours: 72 }, new Date('2026-02-01T00:30:00+03:00'));
    expect(d).toEqual(denied('min_gap', at(send, 72 * HOUR)));
  });
});

describe('earliestUnderCap', () => {
  it('returns now when under the cap, else the moment the oldest counted send leaves the rolling window', () => {
    const t = NOW.getTime();
    expect(earliestUnderCap([t - DAY], 2, t, 'rolling', 30 * DAY, MOSCOW)).toBe(t);
    expect(earliestUnderCap([t - DAY, t - 2 * DAY], 2, t, 'rolling', 30 * DAY, MOSCOW)).toBe(t + 28 * DAY);
    expect(earliestUnderCap([t - 30 * DAY], 1, t, 'rolling', 30 * DAY, MOSCOW)).toBe(t);
  });

  it('returns the next local month start in calendar mode', () => {
    const t = new Date('2026-04-15T12:00:00Z').getTime();
    expect(earliestUnderCap([t - DAY], 1, t, 'calendar_month', 30 * DAY, MOSCOW)).toBe(new Date('2026-04-30T21:00:00Z').getTime());
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/** Calendar-month tests use Moscow mostly, and zones with DST to shake the local-midnight arithmetic. */
const ZONES = ['Europe/Moscow', 'Europe/Moscow', 'UTC', 'America/New_York', 'Asia/Kolkata'];

const limitsArb: fc.Arbitrary<CadenceLimits> = fc.record({
  maxPerWindow: fc.integer({ min: 1, max: 5 }),
  windowDays: fc.oneof(fc.constantFrom(30, 7), fc.integer({ min: 1, max: 60 })),
  minGapHours: fc.oneof(fc.constantFrom(0, 72), fc.integer({ min: 0, max: 24 * 20 })),
  windowMode: fc.constantFrom('rolling' as const, 'calendar_month' as const),
  timeZone: fc.constantFrom(...ZONES),
});
const frequencyArb = fc.constantFrom<Frequency>('monthly', 'standard');
const T0 = new Date('2025-01-01T00:00:00Z').getTime();
const T1 = new Date('2027-12-31T00:00:00Z').getTime();
const instantArb = fc.integer({ min: T0, max: T1 });

/** Most sends in any half-open window (a - w, a] of length w. */
function maxInRollingWindow(sorted: number[], w: number): number {
  let best = 0;
  let i = 0;
  for (let j = 0; j < sorted.length; j++) {
    while (sorted[i]! <= sorted[j]! - w) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

// One formatter per zone: building Intl formatters is the slow part of these loops.
const formatters = new Map<string, Intl.DateTimeFormat>();
const dayFormat = (timeZone: string) => {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
};
/** `YYYY-MM-DD` of an instant in a zone. */
const localDay = (t: number, timeZone: string) => dayFormat(timeZone).format(new Date(t));
/** `YYYY-MM` of an instant in a zone. */
const monthKey = (t: number, timeZone: string) => localDay(t, timeZone).slice(0, 7);

/** An independent statement of the rules: which reason applies at `now` (granted, active person). */
function oracle(s: CadenceSubject, l: CadenceLimits, now: number): 'allowed' | 'paused' | 'frequency_cap' | 'min_gap' {
  const sends = s.sends.map((d) => d.getTime()).filter((t) => t <= now);
  if (s.pausedUntil && localDay(now, l.timeZone) < s.pausedUntil) return 'paused';
  const pref = PREFERENCE_CAP[s.frequency];
  if (l.windowMode === 'rolling') {
    const in30 = sends.filter((t) => t > now - 30 * DAY).length;
    const inW = sends.filter((t) => t > now - l.windowDays * DAY).length;
    if (in30 >= pref || inW >= l.maxPerWindow) return 'frequency_cap';
  } else {
    const key = monthKey(now, l.timeZone);
    if (sends.filter((t) => monthKey(t, l.timeZone) === key).length >= Math.min(pref, l.maxPerWindow)) return 'frequency_cap';
  }
  if (sends.some((t) => now - t < l.minGapHours * HOUR)) return 'min_gap';
  return 'allowed';
}

describe('decide: properties', () => {
  it('never lets a simulated campaign stream exceed a cap in any window nor break the minimum gap', () => {
    const step = fc.record({
      delta: fc.oneof(fc.integer({ min: 0, max: 6 * HOUR }), fc.integer({ min: 0, max: 4 * DAY }), fc.constantFrom(0, 1, SECOND, 72 * HOUR - 1, 72 * HOUR)),
      // Jump straight to the moment the previous refusal named: the boundaries are where caps leak.
      jump: fc.boolean(),
    });
    let totalSends = 0;
    fc.assert(
      fc.property(limitsArb, frequencyArb, instantArb, fc.array(step, { minLength: 1, maxLength: 120 }), (limits, frequency, start, steps) => {
        const sends: number[] = [];
        let t = start;
        let lastNext: number | undefined;
        for (const { delta, jump } of steps) {
          t = jump && lastNext !== undefined ? lastNext : t + delta;
          if (t - start > 120 * DAY) break;
          const d = decide(mailable({ frequency, sends: sends.map((x) => new Date(x)) }), limits, new Date(t));
          if (d.allowed) {
            sends.push(t);
            lastNext = undefined;
          } else {
            lastNext = d.nextAllowedAt?.getTime();
          }
        }
        totalSends += sends.length;
        const sorted = [...sends].sort((a, b) => a - b);
        if (limits.windowMode === 'rolling') {
          expect(maxInRollingWindow(sorted, 30 * DAY)).toBeLessThanOrEqual(PREFERENCE_CAP[frequency]);
          expect(maxInRollingWindow(sorted, limits.windowDays * DAY)).toBeLessThanOrEqual(limits.maxPerWindow);
        } else {
          const perMonth = new Map<string, number>();
          for (const s of sorted) perMonth.set(monthKey(s, limits.timeZone), (perMonth.get(monthKey(s, limits.timeZone)) ?? 0) + 1);
          for (const n of perMonth.values()) expect(n).toBeLessThanOrEqual(Math.min(PREFERENCE_CAP[frequency], limits.maxPerWindow));
        }
        for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(limits.minGapHours * HOUR);
      }),
      fcSeed({ numRuns: 300 }),
    );
    expect(totalSends).toBeGreaterThan(300); // the streams did send, so the checks above had something to check
  }, 120_000);

  const historyArb = fc.record({
    limits: limitsArb,
    frequency: frequencyArb,
    now: instantArb,
    // Offsets back from now; 0 = a send at this very instant.
    ago: fc.array(
      fc.oneof(fc.integer({ min: 0, max: 40 * DAY }), fc.integer({ min: 0, max: 5 * DAY }), fc.constantFrom(0, 8 * DAY, 30 * DAY, 30 * DAY - 1, 72 * HOUR)),
      { maxLength: 8 },
    ),
    pauseDays: fc.option(fc.integer({ min: -5, max: 60 }), { nil: null }),
  });
  type History = typeof historyArb extends fc.Arbitrary<infer T> ? T : never;
  const build = (x: History): CadenceSubject =>
    mailable({
      frequency: x.frequency,
      sends: x.ago.map((a) => new Date(x.now - a)),
      pausedUntil: x.pauseDays === null ? null : localDay(x.now + x.pauseDays * DAY, x.limits.timeZone),
    });

  it('allows at the nextAllowedAt of every timing refusal, and refuses 1 ms before it', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(historyArb, (x) => {
        const s = build(x);
        const d = decide(s, x.limits, new Date(x.now));
        if (d.allowed) return;
        seen.set(d.reason, (seen.get(d.reason) ?? 0) + 1);
        expect(['paused', 'frequency_cap', 'min_gap']).toContain(d.reason);
        expect(d.nextAllowedAt).toBeInstanceOf(Date);
        const next = d.nextAllowedAt!.getTime();
        expect(next).toBeGreaterThan(x.now);
        expect(decide(s, x.limits, new Date(next))).toEqual({ allowed: true });
        expect(decide(s, x.limits, new Date(next - 1)).allowed).toBe(false);
      }),
      fcSeed({ numRuns: 1000 }),
    );
    for (const reason of ['paused', 'frequency_cap', 'min_gap']) expect(seen.get(reason) ?? 0).toBeGreaterThan(10);
  }, 120_000);

  it('names the same reason as an independent statement of the rules', () => {
    fc.assert(
      fc.property(historyArb, (x) => {
        const s = build(x);
        const d = decide(s, x.limits, new Date(x.now));
        expect(d.allowed ? 'allowed' : d.reason).toBe(oracle(s, x.limits, x.now));
        if (d.allowed) expect(d).not.toHaveProperty('nextAllowedAt');
      }),
      {
        ...fcSeed(),
        numRuns: 1000,
        // Known edge, always tried first: a global cap over a window shorter than 30 days.
        examples: [
          [
            {
              limits: defaultLimits({ maxPerWindow: 1, windowDays: 7, minGapHours: 0 }),
              frequency: 'standard',
              now: NOW.getTime(),
              ago: [8 * DAY],
              pauseDays: null,
            },
          ],
        ],
      },
    );
  }, 120_000);
});
