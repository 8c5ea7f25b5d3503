/**
 * When the erasure job takes an erasure request: after the grace period (`ERASURE_GRACE_HOURS`:
 * time for the person to download a copy, for staff to answer open requests, for the
 * withdrawal notice to arrive first), and never later than {@link DUE_MARGIN_MS} before the due
 * time the policy promises. Pure: the job's query, the pages and the mails all use these.
 */

/**
 * How long before its due time a request is taken whatever the grace period: the job runs every
 * JOBS_INTERVAL_SECONDS (a minute by default), and an erasure takes well under a second.
 */
export const DUE_MARGIN_MS = 60 * 60_000;

const HOUR_MS = 3_600_000;

/**
 * The moment the erasure of a request received at `receivedAt`, due at `dueAt`, runs (the job
 * takes it on its first run at or after this moment).
 *
 * @example
 * erasureRunsAt(new Date('2026-03-02T09:00:00Z'), new Date('2026-03-04T20:59:59Z'), 24) // 2026-03-03T09:00:00Z
 */
export function erasureRunsAt(receivedAt: Date, dueAt: Date, graceHours: number): Date {
  const afterGrace = receivedAt.getTime() + graceHours * HOUR_MS;
  const beforeDue = Math.max(receivedAt.getTime(), dueAt.getTime() - DUE_MARGIN_MS);
  return new Date(Math.min(afterGrace, beforeDue));
}

/**
 * The same rule as {@link erasureRunsAt} as bounds for a query: a request is due for erasure at
 * `now` when `received_at <= receivedBefore` or `due_at <= dueBefore` (it was received in the
 * past, so `max(received, due - margin) <= now` is `due <= now + margin`).
 */
export function erasureCutoffs(now: Date, graceHours: number): { receivedBefore: Date; dueBefore: Date } {
  return { receivedBefore: new Date(now.getTime() - graceHours * HOUR_MS), dueBefore: new Date(now.getTime() + DUE_MARGIN_MS) };
}
