import { describe, expect, it } from 'vitest';
import type { RequestStatus, RequestType } from '../../src/db/schema.js';
import { DEADLINES } from '../../src/requests/deadlines.js';
import { decideTransition, isOpen, REQUEST_ACTIONS, REQUEST_STATUSES, type RequestAction, type Transition } from '../../src/requests/rules.js';

const TYPES = Object.keys(DEADLINES) as RequestType[];

// Short names for the outcomes, so the table below reads as one.
const in_progress: Transition = { kind: 'set', status: 'in_progress', closes: false };
const completed: Transition = { kind: 'set', status: 'completed', closes: true };
const rejected: Transition = { kind: 'set', status: 'rejected', closes: true };
const extend: Transition = { kind: 'extend' };
const reason: Transition = { kind: 'reason_required' };
const jobOnly: Transition = { kind: 'job_only' };
const no: Transition = { kind: 'not_allowed' };
const wasCompleted: Transition = { kind: 'closed', status: 'completed' };
const wasRejected: Transition = { kind: 'closed', status: 'rejected' };

/**
 * Every status × every action, for each way of asking: staff with a reason, staff without one
 * (both for every type but erasure), staff on an erasure request (with a reason; without one it
 * is the same as the column before it except where a reason is required), and the erasure job.
 */
const TABLE: [
  RequestStatus,
  RequestAction,
  { staff: Transition; staffNoReason: Transition; staffErasure: Transition; staffErasureNoReason: Transition; system: Transition },
][] = [
  ['received', 'start', { staff: in_progress, staffNoReason: in_progress, staffErasure: in_progress, staffErasureNoReason: in_progress, system: no }],
  ['received', 'complete', { staff: completed, staffNoReason: completed, staffErasure: jobOnly, staffErasureNoReason: jobOnly, system: completed }],
  ['received', 'reject', { staff: rejected, staffNoReason: reason, staffErasure: rejected, staffErasureNoReason: reason, system: no }],
  ['received', 'extend', { staff: extend, staffNoReason: reason, staffErasure: extend, staffErasureNoReason: reason, system: no }],
  ['in_progress', 'start', { staff: in_progress, staffNoReason: in_progress, staffErasure: in_progress, staffErasureNoReason: in_progress, system: no }],
  ['in_progress', 'complete', { staff: completed, staffNoReason: completed, staffErasure: jobOnly, staffErasureNoReason: jobOnly, system: completed }],
  ['in_progress', 'reject', { staff: rejected, staffNoReason: reason, staffErasure: rejected, staffErasureNoReason: reason, system: no }],
  ['in_progress', 'extend', { staff: extend, staffNoReason: reason, staffErasure: extend, staffErasureNoReason: reason, system: no }],
  [
    'completed',
    'start',
    { staff: wasCompleted, staffNoReason: wasCompleted, staffErasure: wasCompleted, staffErasureNoReason: wasCompleted, system: wasCompleted },
  ],
  [
    'completed',
    'complete',
    { staff: wasCompleted, staffNoReason: wasCompleted, staffErasure: wasCompleted, staffErasureNoReason: wasCompleted, system: wasCompleted },
  ],
  [
    'completed',
    'reject',
    { staff: wasCompleted, staffNoReason: wasCompleted, staffErasure: wasCompleted, staffErasureNoReason: wasCompleted, system: wasCompleted },
  ],
  [
    'completed',
    'extend',
    { staff: wasCompleted, staffNoReason: wasCompleted, staffErasure: wasCompleted, staffErasureNoReason: wasCompleted, system: wasCompleted },
  ],
  ['rejected', 'start', { staff: wasRejected, staffNoReason: wasRejected, staffErasure: wasRejected, staffErasureNoReason: wasRejected, system: wasRejected }],
  [
    'rejected',
    'complete',
    { staff: wasRejected, staffNoReason: wasRejected, staffErasure: wasRejected, staffErasureNoReason: wasRejected, system: wasRejected },
  ],
  ['rejected', 'reject', { staff: wasRejected, staffNoReason: wasRejected, staffErasure: wasRejected, staffErasureNoReason: wasRejected, system: wasRejected }],
  ['rejected', 'extend', { staff: wasRejected, staffNoReason: wasRejected, staffErasure: wasRejected, staffErasureNoReason: wasRejected, system: wasRejected }],
];

describe('the request state machine', () => {
  it('the table covers every status × every action once', () => {
    const keys = TABLE.map(([s, a]) => `${s}/${a}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(REQUEST_STATUSES.flatMap((s) => REQUEST_ACTIONS.map((a) => `${s}/${a}`)).sort());
  });

  for (const [status, action, want] of TABLE) {
    it(`${status} × ${action}`, () => {
      for (const type of TYPES) {
        const erasure = type === 'erasure';
        expect(decideTransition({ status, type }, action, { actor: 'staff', hasReason: true }), `${type}, staff, with a reason`).toEqual(
          erasure ? want.staffErasure : want.staff,
        );
        expect(decideTransition({ status, type }, action, { actor: 'staff', hasReason: false }), `${type}, staff, no reason`).toEqual(
          erasure ? want.staffErasureNoReason : want.staffNoReason,
        );
        for (const hasReason of [true, false]) {
          expect(decideTransition({ status, type }, action, { actor: 'system', hasReason }), `${type}, system`).toEqual(want.system);
        }
      }
    });
  }

  it('open means received or in progress', () => {
    expect(REQUEST_STATUSES.filter(isOpen)).toEqual(['received', 'in_progress']);
  });
});
