/**
 * The soft-bounce rule, without I/O: a bounce that may pass (a full mailbox, a greylisting
 * server) suppresses an address only when it repeats. ./apply.ts holds the times per address
 * and applies the rule in the transaction.
 */

/** The N-th soft bounce of an address within the window suppresses it as `bounced`. */
export const SOFT_BOUNCE_THRESHOLD = 3;
export const SOFT_BOUNCE_WINDOW_DAYS = 30;

export interface SoftBouncePolicy {
  threshold: number;
  windowDays: number;
}

export const defaultSoftBouncePolicy: SoftBouncePolicy = { threshold: SOFT_BOUNCE_THRESHOLD, windowDays: SOFT_BOUNCE_WINDOW_DAYS };

/**
 * The policy in force: the defaults, overridden by what is given. Throws on a threshold that is
 * not a positive integer or a window that is not positive (a configuration error, at start).
 *
 * @example
 * softBouncePolicy({ threshold: 5 }) // { threshold: 5, windowDays: 30 }
 */
export function softBouncePolicy(given: Partial<SoftBouncePolicy> = {}): SoftBouncePolicy {
  const policy: SoftBouncePolicy = { ...defaultSoftBouncePolicy, ...given };
  if (!Number.isInteger(policy.threshold) || policy.threshold < 1) throw new Error('softBounces.threshold must be a positive integer');
  if (!(policy.windowDays > 0)) throw new Error('softBounces.windowDays must be positive');
  return policy;
}

/**
 * When a soft bounce counts as having happened: the provider's time, but never in our future (a
 * skewed clock must not stretch the window), and now when the provider does not say.
 */
export function bounceTime(reported: Date | null, now: Date): Date {
  return reported && reported.getTime() <= now.getTime() ? reported : now;
}

/**
 * Given the times held for one address (oldest first) and its new soft bounces in the order they
 * are applied, returns how many soft bounces each new one makes within the window ending at it
 * (itself included) and the times to hold afterwards. Reaching the threshold empties the list
 * (bounces dated later than that one stay for their own windows), so the count starts over if
 * the address is later lifted and bounces again.
 *
 * @example
 * countSoftBounces([], [d1, d2, d3], { threshold: 3, windowDays: 30 }) // { counts: [1, 2, 3], held: [] }
 */
export function countSoftBounces(held: Date[], bounces: Date[], policy: SoftBouncePolicy): { counts: number[]; held: Date[] } {
  const windowMs = policy.windowDays * 86_400_000;
  let list = held;
  const counts: number[] = [];
  for (const at of bounces) {
    const t = at.getTime();
    const within = list
      .filter((x) => x.getTime() > t - windowMs && x.getTime() <= t)
      .concat(at)
      .sort((a, b) => a.getTime() - b.getTime());
    // Later bounces than this one (reported out of order) stay for their own windows.
    const later = list.filter((x) => x.getTime() > t);
    counts.push(within.length);
    list = within.length >= policy.threshold ? later : within.concat(later).slice(-Math.max(policy.threshold, 1) * 2);
  }
  return { counts, held: list };
}

/** Whether the soft bounce that made `count` suppresses the address. */
export const softBounceSuppresses = (count: number, policy: SoftBouncePolicy): boolean => count >= policy.threshold;
