/** What an SNS subscription message gets (src/mailsender/subscription.ts), and the batch summary: no database. */
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/mailsender/apply.js';
import { answerSubscription } from '../../src/mailsender/subscription.js';

describe('answerSubscription', () => {
  it('asks for a confirmation by hand, logging the host only and whether it is Amazon SNS', () => {
    const a = answerSubscription({ kind: 'sns_subscription', messageType: 'SubscriptionConfirmation', subscribeHost: 'sns.eu-west-1.amazonaws.com' });
    expect(a.body.status).toBe('confirmation_required');
    expect(a.log.level).toBe('warn');
    expect(a.log.fields).toEqual({ subscribeHost: 'sns.eu-west-1.amazonaws.com', expectedHost: true });
    expect(
      answerSubscription({ kind: 'sns_subscription', messageType: 'SubscriptionConfirmation', subscribeHost: 'evil.example' }).log.fields.expectedHost,
    ).toBe(false);
    expect(answerSubscription({ kind: 'sns_subscription', messageType: 'SubscriptionConfirmation', subscribeHost: null }).log.fields.expectedHost).toBe(false);
  });

  it('logs an unsubscribe confirmation, with nothing to do', () => {
    const a = answerSubscription({ kind: 'sns_subscription', messageType: 'UnsubscribeConfirmation', subscribeHost: 'sns.eu-west-1.amazonaws.com' });
    expect(a).toEqual({
      log: { level: 'info', message: 'SNS subscription removed', fields: { subscribeHost: 'sns.eu-west-1.amazonaws.com' } },
      body: { status: 'unsubscribed', detail: 'Logged. Nothing to do.' },
    });
  });
});

describe('summarize', () => {
  it('counts replays apart, and the applied events that changed the list or consent', () => {
    expect(summarize([])).toEqual({ processed: 0, duplicates: 0, suppressed: 0 });
    expect(summarize(['duplicate', 'suppressed', 'unsubscribed', 'counted', 'unchanged', 'duplicate'])).toEqual({ processed: 4, duplicates: 2, suppressed: 2 });
  });
});
