/** The soft-bounce rule alone (src/mailsender/soft-bounce.ts): no database. */
import { describe, expect, it } from 'vitest';
import { bounceTime, countSoftBounces, defaultSoftBouncePolicy, softBouncePolicy, softBounceSuppresses } from '../../src/mailsender/soft-bounce.js';

const DAY = 86_400_000;
const NOW = new Date('2026-03-02T09:00:00Z');

describe('countSoftBounces (the rule)', () => {
  const d = (days: number) => new Date(NOW.getTime() + days * DAY);
  it('counts within the window ending at each bounce, and empties the list when the threshold is reached', () => {
    expect(countSoftBounces([], [d(0), d(1), d(2)], { threshold: 3, windowDays: 30 })).toEqual({ counts: [1, 2, 3], held: [] });
    expect(countSoftBounces([d(-40)], [d(0), d(1)], { threshold: 3, windowDays: 30 })).toEqual({ counts: [1, 2], held: [d(0), d(1)] });
  });
  it('keeps bounces dated later than the one that reached the threshold', () => {
    expect(countSoftBounces([d(-2), d(5)], [d(0)], { threshold: 2, windowDays: 30 })).toEqual({ counts: [2], held: [d(5)] });
  });
  it('holds at most twice the threshold, the latest', () => {
    const r = countSoftBounces([d(10), d(11), d(12), d(13), d(14)], [d(-100)], { threshold: 2, windowDays: 5 });
    expect(r).toEqual({ counts: [1], held: [d(11), d(12), d(13), d(14)] });
  });
  it('starts over after the threshold: the next bounce counts one', () => {
    expect(countSoftBounces([], [d(0), d(1), d(2), d(3)], { threshold: 3, windowDays: 30 })).toEqual({ counts: [1, 2, 3, 1], held: [d(3)] });
  });
  it('leaves a bounce exactly one window old out of the count', () => {
    expect(countSoftBounces([d(-30)], [d(0)], { threshold: 3, windowDays: 30 }).counts).toEqual([1]);
    expect(countSoftBounces([d(-29.9)], [d(0)], { threshold: 3, windowDays: 30 }).counts).toEqual([2]);
  });
  it('suppresses at the first bounce when the threshold is 1, holding nothing', () => {
    expect(countSoftBounces([], [d(0), d(1)], { threshold: 1, windowDays: 7 })).toEqual({ counts: [1, 1], held: [] });
  });
});

describe('softBounceSuppresses', () => {
  it('is true from the threshold on', () => {
    expect([1, 2, 3, 4].map((n) => softBounceSuppresses(n, defaultSoftBouncePolicy))).toEqual([false, false, true, true]);
  });
});

describe('bounceTime', () => {
  it("takes the provider's time, unless it is missing or in our future", () => {
    const earlier = new Date(NOW.getTime() - DAY);
    expect(bounceTime(earlier, NOW)).toBe(earlier);
    expect(bounceTime(NOW, NOW)).toBe(NOW);
    expect(bounceTime(new Date(NOW.getTime() + 1), NOW)).toBe(NOW);
    expect(bounceTime(null, NOW)).toBe(NOW);
  });
});

describe('softBouncePolicy', () => {
  it('is 3 within 30 days unless configured', () => {
    expect(softBouncePolicy()).toEqual({ threshold: 3, windowDays: 30 });
    expect(softBouncePolicy({ threshold: 5 })).toEqual({ threshold: 5, windowDays: 30 });
    expect(softBouncePolicy({ threshold: 1, windowDays: 7 })).toEqual({ threshold: 1, windowDays: 7 });
  });
  it('refuses a threshold that is not a positive integer, and a window that is not positive', () => {
    for (const threshold of [0, -1, 1.5, Number.NaN]) expect(() => softBouncePolicy({ threshold })).toThrow(/threshold/);
    for (const windowDays of [0, -1, Number.NaN]) expect(() => softBouncePolicy({ windowDays })).toThrow(/windowDays/);
  });
});
