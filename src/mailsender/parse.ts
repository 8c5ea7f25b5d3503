/**
 * Tells which sender wrote a body and reads it with that provider's parser (./providers/):
 * our own documented JSON shape, Amazon SES notifications (inside an SNS envelope, or delivered
 * raw) and Postmark's bounce, spam complaint and subscription-change webhooks. Each turns a
 * parsed body into the same list of events (./events.ts). Pure.
 */
import { isObj, type ParsedPayload } from './events.js';
import { isGeneric, parseGeneric } from './providers/generic.js';
import { isPostmark, parsePostmark } from './providers/postmark.js';
import { isSesNotification, isSnsEnvelope, parseSes, parseSns } from './providers/ses.js';

/**
 * Tells the format from the body (and SNS's `x-amz-sns-message-type` header) and reads it.
 *
 * @example
 * parseMailSenderPayload({ events: [{ type: 'hard_bounce', email: 'a@b.ru', at: '2026-03-01T10:00:00Z', id: 'e1' }] }, {})
 * // { kind: 'events', provider: 'generic', events: [{ index: 0, type: 'hard_bounce', email: 'a@b.ru', ... }], ignored: [] }
 */
export function parseMailSenderPayload(body: unknown, headers: { snsMessageType?: string | null }): ParsedPayload {
  const headerType = headers.snsMessageType?.trim() || null;
  if (!isObj(body)) return { kind: 'unknown', detail: 'The body must be a JSON object.' };
  if (isSnsEnvelope(body)) return parseSns(body, headerType);
  if (headerType) {
    // SNS with raw message delivery posts the SES notification itself, still with the header.
    if (headerType === 'Notification' && isSesNotification(body)) return parseSes(body, null);
    return { kind: 'unknown', detail: `x-amz-sns-message-type is ${headerType.slice(0, 40)} but the body is not an SNS message.` };
  }
  if (isGeneric(body)) return parseGeneric(body);
  if (isSesNotification(body)) return parseSes(body, null);
  if (isPostmark(body)) return parsePostmark(body);
  return {
    kind: 'unknown',
    detail:
      'Unknown payload: expected {"events":[...]}, an Amazon SES notification (raw or in an SNS envelope) or a Postmark Bounce, SpamComplaint or SubscriptionChange webhook.',
  };
}
