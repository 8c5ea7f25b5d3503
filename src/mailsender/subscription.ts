/**
 * What this service does with an SNS subscription message (SubscriptionConfirmation,
 * UnsubscribeConfirmation), once its signature has verified (./sns.ts): it says so in the log
 * and in the answer, and fetches nothing. Subscribing this endpoint to a topic is the
 * operator's decision, not the sender's: the operator confirms it by hand. Pure.
 */
import type { ParsedPayload } from './events.js';

type SubscriptionMessage = Extract<ParsedPayload, { kind: 'sns_subscription' }>;

/** SubscribeURL hosts that are Amazon SNS's own (the log says whether it looks like one). */
const SNS_SUBSCRIBE_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/i;

export interface SubscriptionAnswer {
  log: { level: 'warn' | 'info'; message: string; fields: Record<string, unknown> };
  /** The 202 body. */
  body: { status: 'confirmation_required' | 'unsubscribed'; detail: string };
}

/**
 * The log line and the answer for one SNS subscription message. The token stays out of the
 * log (it is in the SubscribeURL, of which only the host is kept); the host says where it leads.
 *
 * @example
 * answerSubscription({ kind: 'sns_subscription', messageType: 'UnsubscribeConfirmation', subscribeHost: null }).body
 * // { status: 'unsubscribed', detail: 'Logged. Nothing to do.' }
 */
export function answerSubscription(m: SubscriptionMessage): SubscriptionAnswer {
  const host = m.subscribeHost;
  if (m.messageType === 'SubscriptionConfirmation') {
    return {
      log: {
        level: 'warn',
        message: 'SNS subscription must be confirmed manually: open the SubscribeURL from the SNS message, or call ConfirmSubscription with its Token',
        fields: { subscribeHost: host, expectedHost: !!host && SNS_SUBSCRIBE_HOST.test(host) },
      },
      body: { status: 'confirmation_required', detail: 'Logged. This service does not fetch the SubscribeURL; confirm the subscription by hand.' },
    };
  }
  return {
    log: { level: 'info', message: 'SNS subscription removed', fields: { subscribeHost: host } },
    body: { status: 'unsubscribed', detail: 'Logged. Nothing to do.' },
  };
}
