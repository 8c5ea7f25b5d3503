import { describe, expect, it } from 'vitest';
import { capGroup, countsIn, decide } from '../../src/cadence/policy.js';
import { subscribedTo } from '../../src/topics/rules.js';
import { defaultLimits, mailable } from '../helpers/cadence.js';

describe('the cadence policy and topics (pure)', () => {
  it('denies mail of a topic the person left as topic_unsubscribed, after the reasons about the person', () => {
    const now = new Date('2026-03-02T09:00:00Z');
    expect(decide(mailable({ topicUnsubscribed: true }), defaultLimits(), now)).toEqual({ allowed: false, reason: 'topic_unsubscribed' });
    expect(decide(mailable({ topicUnsubscribed: true, suppressed: true }), defaultLimits(), now)).toEqual({ allowed: false, reason: 'suppressed' });
    expect(decide(mailable({ topicUnsubscribed: true, marketing: 'withdrawn' }), defaultLimits(), now)).toEqual({ allowed: false, reason: 'no_consent' });
    expect(decide(mailable({ topicUnsubscribed: false }), defaultLimits(), now)).toEqual({ allowed: true });
  });

  it('groups sends: a topic outside the cap alone; everything else together, without the topics outside it', () => {
    const outside = capGroup({ key: 'alerts', countsTowardCap: false }, ['alerts']);
    expect(outside).toEqual({ only: 'alerts' });
    expect([null, 'alerts', 'digest'].map((t) => countsIn(outside, t))).toEqual([false, true, false]);
    const shared = capGroup({ key: 'digest', countsTowardCap: true }, ['alerts']);
    expect([null, 'alerts', 'digest', 'webinars'].map((t) => countsIn(shared, t))).toEqual([true, false, true, true]);
    expect(capGroup(null, [])).toBeNull();
    expect(countsIn(null, 'anything')).toBe(true);
  });

  it("takes a person's own choice over the topic's default", () => {
    expect(subscribedTo({ defaultSubscribed: true }, undefined)).toBe(true);
    expect(subscribedTo({ defaultSubscribed: false }, undefined)).toBe(false);
    expect(subscribedTo({ defaultSubscribed: true }, false)).toBe(false);
    expect(subscribedTo({ defaultSubscribed: false }, true)).toBe(true);
  });
});
