import type { RequestStatus, RequestType } from '../db/schema.js';

/**
 * The request state machine: which actions may move a data-subject request, from which status,
 * by whom, and what each sets. Pure: no clock, no I/O; `actions.ts` applies what it decides.
 *
 * A request is open while `received` or `in_progress`; `completed` and `rejected` are final.
 * Staff may start, complete, reject (with a reason) or extend (with a reason) an open request,
 * except that an erasure request is completed by the erasure job, which does the erasing: the
 * `system` actor, which may only complete. Whether an extension may move the due date, and to
 * when, is the deadline rule's to say (`decideExtension` in deadlines.ts).
 */
export type RequestAction = 'start' | 'complete' | 'reject' | 'extend';

/** `staff`: an API key; `system`: the erasure job. */
export type RequestActor = 'staff' | 'system';

export const REQUEST_ACTIONS: readonly RequestAction[] = ['start', 'complete', 'reject', 'extend'];
export const REQUEST_STATUSES: readonly RequestStatus[] = ['received', 'in_progress', 'completed', 'rejected'];
export const OPEN_STATUSES: readonly RequestStatus[] = ['received', 'in_progress'];

/** Whether a request in this status may still change. */
export function isOpen(status: RequestStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

export type Transition =
  /** Status becomes `status`; `closes`: `completed_at` is set to now and `status_reason` to the reason (or null). */
  | { kind: 'set'; status: RequestStatus; closes: boolean }
  /** The status stays; the due date moves, if the deadline rule allows it. */
  | { kind: 'extend' }
  /** The request is already final. */
  | { kind: 'closed'; status: RequestStatus }
  /** This action needs the actor's reason (it is told to the person). */
  | { kind: 'reason_required' }
  /** An erasure request is completed by the erasure job, not by hand. */
  | { kind: 'job_only' }
  /** This actor does not take this action. */
  | { kind: 'not_allowed' };

/**
 * What `action` does to a request of this `type` in this `status`, taken by `actor`, with or
 * without a reason. Checked in this order: finality, the actor, the reason, erasure by the job.
 *
 * @example
 * decideTransition({ status: 'received', type: 'access' }, 'reject', { actor: 'staff', hasReason: true })
 * // { kind: 'set', status: 'rejected', closes: true }
 */
export function decideTransition(
  r: { status: RequestStatus; type: RequestType },
  action: RequestAction,
  by: { actor: RequestActor; hasReason: boolean },
): Transition {
  if (!isOpen(r.status)) return { kind: 'closed', status: r.status };
  if (by.actor === 'system') return action === 'complete' ? { kind: 'set', status: 'completed', closes: true } : { kind: 'not_allowed' };
  if ((action === 'reject' || action === 'extend') && !by.hasReason) return { kind: 'reason_required' };
  switch (action) {
    case 'start':
      return { kind: 'set', status: 'in_progress', closes: false };
    case 'complete':
      return r.type === 'erasure' ? { kind: 'job_only' } : { kind: 'set', status: 'completed', closes: true };
    case 'reject':
      return { kind: 'set', status: 'rejected', closes: true };
    case 'extend':
      return { kind: 'extend' };
  }
}
