/**
 * Postmark (https://postmarkapp.com/developer/webhooks/bounce-webhook, spam-complaint-webhook,
 * subscription-change-webhook). Bounce types: https://postmarkapp.com/developer/api/bounce-api#bounce-types
 */
import { clip, collect, ignoreAll, type MailSenderEventType, type Obj, type ParsedPayload, parseTime, str, toEvent } from '../events.js';

const POSTMARK_HARD = new Set(['HardBounce', 'BadEmailAddress']);
const POSTMARK_SOFT = new Set(['SoftBounce', 'Transient', 'DnsError', 'Blocked', 'SpamNotification']);

/** A Postmark Bounce, SpamComplaint or SubscriptionChange webhook. */
export function isPostmark(body: Obj): boolean {
  if (body.RecordType === 'Bounce' || body.RecordType === 'SpamComplaint' || body.RecordType === 'SubscriptionChange') return true;
  // Older samples and the curl example carry no RecordType.
  return body.RecordType === undefined && typeof body.Type === 'string' && 'Email' in body && 'BouncedAt' in body && 'ID' in body;
}

/** Reads a Postmark webhook: one event, or one reason it is ignored. */
export function parsePostmark(body: Obj): ParsedPayload {
  if (body.RecordType === 'SubscriptionChange') return parsePostmarkSubscriptionChange(body);
  const type = str(body.Type);
  const rawId = typeof body.ID === 'number' || typeof body.ID === 'string' ? String(body.ID) : null;
  if (!type || !rawId) return { kind: 'unknown', detail: 'A Postmark bounce without Type or ID.' };
  // Bounce IDs are unique per record; the type keeps a complaint apart from a bounce anyway.
  const id = `${type}:${rawId}`;
  let kind: MailSenderEventType | null = null;
  if (POSTMARK_HARD.has(type)) kind = 'hard_bounce';
  else if (POSTMARK_SOFT.has(type)) kind = 'soft_bounce';
  else if (type === 'SpamComplaint') kind = 'complaint';
  else if (type === 'Unsubscribe') kind = 'unsubscribe';
  if (!kind) return ignoreAll('postmark', `unsupported_bounce_type:${type.slice(0, 40)}`);
  const detail = clip([type, str(body.Details)].filter(Boolean).join('; '));
  return collect('postmark', [toEvent(0, kind, body.Email, id, parseTime(body.BouncedAt), detail)]);
}

function parsePostmarkSubscriptionChange(body: Obj): ParsedPayload {
  const ignore = (reason: string): ParsedPayload => ignoreAll('postmark', reason);
  // A reactivation at the sender never lifts anything here: only staff lift bounces and complaints.
  if (body.SuppressSending !== true) return ignore('reactivation_not_applied');
  const reason = str(body.SuppressionReason);
  let kind: MailSenderEventType | null = null;
  if (reason === 'HardBounce') kind = 'hard_bounce';
  else if (reason === 'SpamComplaint') kind = 'complaint';
  // "If a recipient unsubscribes, they will be suppressed with the SuppressionReason of
  // ManualSuppression" (Origin Recipient). One by the customer or Postmark's staff is not the
  // person's act, and is not ours to record as theirs.
  else if (reason === 'ManualSuppression' && body.Origin === 'Recipient') kind = 'unsubscribe';
  if (!kind) return ignore(reason === 'ManualSuppression' ? 'manual_suppression_not_by_recipient' : 'unsupported_suppression_reason');
  const changedAt = str(body.ChangedAt);
  if (!changedAt) return { kind: 'unknown', detail: 'A Postmark SubscriptionChange without ChangedAt.' };
  const id = `SubscriptionChange:${str(body.MessageID) ?? '-'}:${changedAt}:${reason}`;
  return collect('postmark', [toEvent(0, kind, body.Recipient, id, parseTime(changedAt), clip(`SubscriptionChange; ${reason}`))]);
}
