import type { ConsentState } from '../db/schema.js';

/**
 * What a lead form with the marketing box ticked does to marketing consent. Pure.
 *
 * - granted stays granted (the new submission is recorded as fresh evidence);
 * - with double opt-in, or whenever the person had left (withdrawn) or the address is
 *   suppressed by the person's own act, it becomes pending until they confirm;
 * - otherwise it is granted at once.
 */
export function marketingOnOptIn(
  current: ConsentState,
  opts: { doubleOptIn: boolean; selfSuppressed: boolean },
): { next: ConsentState; needsConfirmation: boolean } {
  if (current === 'granted' && !opts.selfSuppressed) return { next: 'granted', needsConfirmation: false };
  if (opts.doubleOptIn || current === 'withdrawn' || opts.selfSuppressed) return { next: 'pending', needsConfirmation: true };
  return { next: 'granted', needsConfirmation: false };
}
