import { describe, expect, it } from 'vitest';
import type { SuppressionReason } from '../../src/db/schema.js';
import {
  isSelfReason,
  reasonAfterErasure,
  SELF_REASONS,
  type SelfReason,
  STAFF_REASONS,
  selfSuppressed,
  staffLift,
  suppressChanges,
} from '../../src/suppressions/rule.js';

/** Which suppressions are the person's own, and what suppressing or erasing does to an entry. Pure. */

const ALL: SuppressionReason[] = ['unsubscribed', 'withdrawn', 'erased', 'bounced', 'complained', 'manual'];

describe('suppression rule (pure)', () => {
  it("the person's own reasons are unsubscribed, withdrawn and erased; bounces, complaints and manual entries are staff's", () => {
    expect([...SELF_REASONS].sort()).toEqual(['erased', 'unsubscribed', 'withdrawn']);
    expect(ALL.filter(isSelfReason)).toEqual(['unsubscribed', 'withdrawn', 'erased']);
  });

  it("an address is self-suppressed only by an active entry of the person's own", () => {
    expect(selfSuppressed(undefined)).toBe(false);
    expect(selfSuppressed(null)).toBe(false);
    expect(selfSuppressed({ active: false, reason: 'unsubscribed' })).toBe(false);
    expect(selfSuppressed({ active: true, reason: 'withdrawn' })).toBe(true);
    expect(selfSuppressed({ active: true, reason: 'bounced' })).toBe(false);
  });

  it("suppressing changes a missing or lifted entry, and upgrades the person's own reason to a staff-only one, nothing else", () => {
    for (const reason of ALL) {
      expect(suppressChanges(null, reason)).toBe(true);
      for (const old of ALL) {
        expect(suppressChanges({ active: false, reason: old }, reason)).toBe(true);
        expect(suppressChanges({ active: true, reason: old }, reason), `${old} -> ${reason}`).toBe(isSelfReason(old) && !isSelfReason(reason));
      }
    }
  });

  it('an erasure keeps an active staff-only reason and makes everything else erased', () => {
    expect(reasonAfterErasure(null)).toBe('erased');
    for (const old of ALL) {
      expect(reasonAfterErasure({ active: false, reason: old })).toBe('erased');
      expect(reasonAfterErasure({ active: true, reason: old })).toBe(isSelfReason(old) ? 'erased' : old);
    }
  });
});

describe('staffLift', () => {
  const ALL: SuppressionReason[] = ['unsubscribed', 'withdrawn', 'erased', 'bounced', 'complained', 'manual'];
  const STANDING: (SelfReason | null)[] = [null, 'unsubscribed', 'withdrawn', 'erased'];

  it('every reason is either the person’s own or staff’s, never both', () => {
    expect([...SELF_REASONS, ...STAFF_REASONS].sort()).toEqual([...ALL].sort());
  });

  it('never lifts the person’s own act, never leaves a tombstone over an act that still stands, lifts a staff reason otherwise', () => {
    for (const reason of ALL)
      for (const standing of STANDING) {
        expect(staffLift({ active: false, reason }, standing)).toEqual({ outcome: 'not_suppressed' });
        const r = staffLift({ active: true, reason }, standing);
        if (isSelfReason(reason)) expect(r).toEqual({ outcome: 'own_act', was: reason });
        else if (standing) expect(r).toEqual({ outcome: 'own_act_remains', was: reason, now: standing });
        else expect(r).toEqual({ outcome: 'lifted', was: reason });
      }
    expect(staffLift(null, null)).toEqual({ outcome: 'not_suppressed' });
  });
});
