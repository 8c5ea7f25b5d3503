/**
 * Amazon SES notifications (https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html),
 * as SNS delivers them (https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html):
 * inside an SNS envelope, or raw. The envelope's signature is checked apart (../sns.ts), before
 * anything here is read.
 */
import { clip, collect, ignoreAll, isObj, type MailSenderEventType, type Obj, type ParsedPayload, parseTime, str, toEvent } from '../events.js';

const SNS_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;

/** An SNS message (Notification, SubscriptionConfirmation, UnsubscribeConfirmation): what carries an SNS signature. */
export function isSnsEnvelope(body: unknown): body is Obj {
  if (!isObj(body)) return false;
  return typeof body.Type === 'string' && (SNS_TYPES as readonly string[]).includes(body.Type) && typeof body.TopicArn === 'string';
}

/** An SES notification (or a published SES event): what this service reads out of SNS. */
export function isSesNotification(body: Obj): boolean {
  const t = body.notificationType ?? body.eventType;
  return typeof t === 'string' && isObj(body.mail);
}

/** The host of a URL (a subscription's SubscribeURL), never the URL itself; null if none. */
function hostOf(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}

export type OpenedSns =
  | { kind: 'unknown'; detail: string }
  | { kind: 'sns_subscription'; messageType: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation'; subscribeHost: string | null }
  | { kind: 'notification'; message: Obj; messageId: string | null };

/**
 * Opens an SNS envelope (its signature checked apart, ../sns.ts), for every route that takes
 * SNS deliveries: `x-amz-sns-message-type` (`headerType`) must name the body's type; a
 * subscription message is one as such (see ../subscription.ts); a notification gives the JSON
 * object it carries when `carried.accepts` takes it, else `unknown` with the caller's words.
 */
export function openSnsEnvelope(
  body: Obj,
  headerType: string | null,
  carried: { accepts: (message: Obj) => boolean; notJson: string; notAccepted: string },
): OpenedSns {
  const type = body.Type as (typeof SNS_TYPES)[number];
  if (headerType && headerType !== type) {
    return { kind: 'unknown', detail: `x-amz-sns-message-type says ${headerType.slice(0, 40)} but the body is a ${type}.` };
  }
  if (type === 'SubscriptionConfirmation' || type === 'UnsubscribeConfirmation') {
    return { kind: 'sns_subscription', messageType: type, subscribeHost: hostOf(body.SubscribeURL) };
  }
  let message: unknown = body.Message;
  if (typeof message === 'string') {
    try {
      message = JSON.parse(message);
    } catch {
      return { kind: 'unknown', detail: carried.notJson };
    }
  }
  if (!isObj(message) || !carried.accepts(message)) return { kind: 'unknown', detail: carried.notAccepted };
  return { kind: 'notification', message, messageId: str(body.MessageId) };
}

/**
 * Reads an SNS envelope: a subscription message as such (see ../subscription.ts), a
 * notification as the SES notification it carries. `headerType` is `x-amz-sns-message-type`.
 */
export function parseSns(body: Obj, headerType: string | null): ParsedPayload {
  const opened = openSnsEnvelope(body, headerType, {
    accepts: isSesNotification,
    notJson: 'The SNS Message is not JSON; only Amazon SES notifications are understood.',
    notAccepted: 'The SNS Message is not an Amazon SES notification.',
  });
  return opened.kind === 'notification' ? parseSes(opened.message, opened.messageId) : opened;
}

/** Reads an SES Bounce or Complaint notification; other types are ignored, not refused. */
export function parseSes(n: Obj, snsMessageId: string | null): ParsedPayload {
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
  return ignoreAll('ses', `unsupported_notification_type:${type.slice(0, 40)}`);
}
