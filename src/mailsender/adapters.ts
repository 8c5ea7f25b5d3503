/**
 * Pure parsers for what mail senders report back: our own documented JSON shape, Amazon SES
 * notifications (inside an SNS envelope, or delivered raw) and Postmark's bounce, spam
 * complaint and subscription-change webhooks. Each turns a parsed body into the same list of
 * events; nothing here touches the database, the network or the clock.
 */
import { normalizeEmail } from '../consent/email.js';

export const MAIL_SENDER_EVENT_TYPES = ['hard_bounce', 'soft_bounce', 'complaint', 'unsubscribe'] as const;
export type MailSenderEventType = (typeof MAIL_SENDER_EVENT_TYPES)[number];

export type Provider = 'generic' | 'ses' | 'postmark';

/** At most this many events in one request of our own shape. */
export const MAX_EVENTS_PER_REQUEST = 1000;

const MAX_ID_LENGTH = 200;
const MAX_DETAIL_LENGTH = 1000;

/** One thing the sender says happened to one address. */
export interface MailSenderEvent {
  /** Position in the request (our shape: in `events`; SES: in its recipient list; Postmark: 0). */
  index: number;
  type: MailSenderEventType;
  /** Normalized (see normalizeEmail). */
  email: string;
  /** When the provider says it happened; null when it does not say. */
  at: Date | null;
  /** The provider's event id: with the address, what makes a replay recognisable. */
  id: string;
  detail: string | null;
}

/** An event that was read but not applied, and why (never the address itself). */
export interface IgnoredEvent {
  index: number;
  reason: string;
}

export type ParsedPayload =
  | { kind: 'events'; provider: Provider; events: MailSenderEvent[]; ignored: IgnoredEvent[] }
  | {
      kind: 'sns_subscription';
      messageType: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
      /** Host of SubscribeURL only: the URL itself carries the confirmation token. */
      subscribeHost: string | null;
    }
  | { kind: 'unknown'; detail: string };

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

function parseTime(v: unknown): Date | null {
  if (typeof v !== 'string' || v.length > 64) return null;
  // ISO 8601 with a date and a time; Date.parse alone accepts too much ("1", "May 5").
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(v)) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t);
}

function clip(v: unknown, max = MAX_DETAIL_LENGTH): string | null {
  if (typeof v !== 'string' || v.length === 0) return null;
  return v.length > max ? v.slice(0, max) : v;
}

/**
 * Reads one reported address into an event, or says why it was not applied. The address is
 * normalized here, so an address we could never have mailed is reported back, not stored.
 */
function toEvent(
  index: number,
  type: MailSenderEventType,
  rawEmail: unknown,
  id: string,
  at: Date | null,
  detail: string | null,
): MailSenderEvent | IgnoredEvent {
  const email = typeof rawEmail === 'string' ? normalizeEmail(rawEmail) : null;
  if (!email) return { index, reason: 'invalid_email' };
  return { index, type, email, id: id.slice(0, MAX_ID_LENGTH), at, detail };
}

function collect(provider: Provider, items: (MailSenderEvent | IgnoredEvent)[]): ParsedPayload {
  const events: MailSenderEvent[] = [];
  const ignored: IgnoredEvent[] = [];
  for (const it of items) {
    if ('type' in it) events.push(it);
    else ignored.push(it);
  }
  return { kind: 'events', provider, events, ignored };
}

// ---------------------------------------------------------------------------------------------
// Our own shape: {"events":[{"type","email","at","id","detail"?}]}

function parseGeneric(body: Obj): ParsedPayload {
  const list = body.events;
  if (!Array.isArray(list)) return { kind: 'unknown', detail: '"events" must be an array.' };
  if (list.length === 0) return { kind: 'unknown', detail: '"events" is empty; send 1 to 1,000 events.' };
  if (list.length > MAX_EVENTS_PER_REQUEST) {
    return { kind: 'unknown', detail: `"events" holds ${list.length} events; at most ${MAX_EVENTS_PER_REQUEST} per request.` };
  }
  return collect(
    'generic',
    list.map((e, index): MailSenderEvent | IgnoredEvent => {
      if (!isObj(e)) return { index, reason: 'not_an_object' };
      if (typeof e.type !== 'string' || !(MAIL_SENDER_EVENT_TYPES as readonly string[]).includes(e.type)) return { index, reason: 'invalid_type' };
      const id = typeof e.id === 'string' ? e.id.trim() : typeof e.id === 'number' && Number.isFinite(e.id) ? String(e.id) : '';
      if (!id || id.length > MAX_ID_LENGTH) return { index, reason: 'invalid_id' };
      const at = parseTime(e.at);
      if (!at) return { index, reason: 'invalid_at' };
      if (e.detail !== undefined && e.detail !== null && typeof e.detail !== 'string') return { index, reason: 'invalid_detail' };
      return toEvent(index, e.type as MailSenderEventType, e.email, id, at, clip(e.detail));
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Amazon SES notifications (https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html),
// as SNS delivers them (https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html).

const SNS_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;

/** An SNS message (Notification, SubscriptionConfirmation, UnsubscribeConfirmation): what carries an SNS signature. */
export function isSnsEnvelope(body: unknown): body is Obj {
  if (!isObj(body)) return false;
  return typeof body.Type === 'string' && (SNS_TYPES as readonly string[]).includes(body.Type) && typeof body.TopicArn === 'string';
}

function isSesNotification(body: Obj): boolean {
  const t = body.notificationType ?? body.eventType;
  return typeof t === 'string' && isObj(body.mail);
}

function hostOf(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}

function parseSns(body: Obj, headerType: string | null): ParsedPayload {
  const type = body.Type as (typeof SNS_TYPES)[number];
  if (headerType && headerType !== type) {
    return { kind: 'unknown', detail: `x-amz-sns-message-type says ${headerType} but the body is a ${type}.` };
  }
  if (type === 'SubscriptionConfirmation' || type === 'UnsubscribeConfirmation') {
    return { kind: 'sns_subscription', messageType: type, subscribeHost: hostOf(body.SubscribeURL) };
  }
  let message: unknown = body.Message;
  if (typeof message === 'string') {
    try {
      message = JSON.parse(message);
    } catch {
      return { kind: 'unknown', detail: 'The SNS Message is not JSON; only Amazon SES notifications are understood.' };
    }
  }
  if (!isObj(message) || !isSesNotification(message)) {
    return { kind: 'unknown', detail: 'The SNS Message is not an Amazon SES notification.' };
  }
  return parseSes(message, str(body.MessageId));
}

function parseSes(n: Obj, snsMessageId: string | null): ParsedPayload {
  // Notifications set notificationType; event publishing sets eventType. Same objects inside.
  const type = String(n.notificationType ?? n.eventType);
  const mail = isObj(n.mail) ? n.mail : {};
  if (type === 'Bounce') {
    const b = isObj(n.bounce) ? n.bounce : null;
    const recipients = b && Array.isArray(b.bouncedRecipients) ? b.bouncedRecipients : null;
    if (!b || !recipients) return { kind: 'unknown', detail: 'An SES Bounce without bounce.bouncedRecipients.' };
    // Permanent: the address does not exist or will never accept mail. Transient and
    // Undetermined may pass; they count towards the soft-bounce limit.
    const kind: MailSenderEventType = b.bounceType === 'Permanent' ? 'hard_bounce' : 'soft_bounce';
    const id = str(b.feedbackId) ?? str(mail.messageId) ?? snsMessageId;
    if (!id) return { kind: 'unknown', detail: 'An SES Bounce without feedbackId.' };
    const at = parseTime(b.timestamp);
    const sub = [str(b.bounceType), str(b.bounceSubType)].filter(Boolean).join('/');
    return collect(
      'ses',
      recipients.map((r, index) => {
        const rec = isObj(r) ? r : {};
        const detail = [sub, str(rec.status), str(rec.diagnosticCode)].filter(Boolean).join('; ');
        return toEvent(index, kind, rec.emailAddress, id, at, clip(detail));
      }),
    );
  }
  if (type === 'Complaint') {
    const c = isObj(n.complaint) ? n.complaint : null;
    const recipients = c && Array.isArray(c.complainedRecipients) ? c.complainedRecipients : null;
    if (!c || !recipients) return { kind: 'unknown', detail: 'An SES Complaint without complaint.complainedRecipients.' };
    const id = str(c.feedbackId) ?? str(mail.messageId) ?? snsMessageId;
    if (!id) return { kind: 'unknown', detail: 'An SES Complaint without feedbackId.' };
    const at = parseTime(c.timestamp);
    // A feedback report of type not-spam is the recipient saying the opposite of a complaint.
    const notSpam = c.complaintFeedbackType === 'not-spam';
    const detail = clip([str(c.complaintFeedbackType), str(c.complaintSubType)].filter(Boolean).join('/'));
    return collect(
      'ses',
      recipients.map((r, index) =>
        notSpam ? { index, reason: 'not_spam_feedback' } : toEvent(index, 'complaint', isObj(r) ? r.emailAddress : undefined, id, at, detail),
      ),
    );
  }
  // Delivery, Send, Reject, Open, Click, DeliveryDelay...: nothing to act on, but not an error
  // either (one SNS topic often carries them all).
  return { kind: 'events', provider: 'ses', events: [], ignored: [{ index: 0, reason: `unsupported_notification_type:${type.slice(0, 40)}` }] };
}

// ---------------------------------------------------------------------------------------------
// Postmark (https://postmarkapp.com/developer/webhooks/bounce-webhook, spam-complaint-webhook,
// subscription-change-webhook). Bounce types: https://postmarkapp.com/developer/api/bounce-api#bounce-types

const POSTMARK_HARD = new Set(['HardBounce', 'BadEmailAddress']);
const POSTMARK_SOFT = new Set(['SoftBounce', 'Transient', 'DnsError', 'Blocked', 'SpamNotification']);

function isPostmark(body: Obj): boolean {
  if (body.RecordType === 'Bounce' || body.RecordType === 'SpamComplaint' || body.RecordType === 'SubscriptionChange') return true;
  // Older samples and the curl example carry no RecordType.
  return body.RecordType === undefined && typeof body.Type === 'string' && 'Email' in body && 'BouncedAt' in body && 'ID' in body;
}

function parsePostmark(body: Obj): ParsedPayload {
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
  if (!kind) return { kind: 'events', provider: 'postmark', events: [], ignored: [{ index: 0, reason: `unsupported_bounce_type:${type.slice(0, 40)}` }] };
  const detail = clip([type, str(body.Details)].filter(Boolean).join('; '));
  return collect('postmark', [toEvent(0, kind, body.Email, id, parseTime(body.BouncedAt), detail)]);
}

function parsePostmarkSubscriptionChange(body: Obj): ParsedPayload {
  const ignore = (reason: string): ParsedPayload => ({ kind: 'events', provider: 'postmark', events: [], ignored: [{ index: 0, reason }] });
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

// ---------------------------------------------------------------------------------------------

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
  if ('events' in body) return parseGeneric(body);
  if (isSesNotification(body)) return parseSes(body, null);
  if (isPostmark(body)) return parsePostmark(body);
  return {
    kind: 'unknown',
    detail: 'Unknown payload: expected {"events":[...]}, an Amazon SES notification (raw or in an SNS envelope) or a Postmark Bounce, SpamComplaint or SubscriptionChange webhook.',
  };
}

/** Masks anything that looks like an e-mail address (SMTP diagnostics quote the recipient). */
export function redactAddresses(text: string): string {
  return text.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, '[address]');
}
