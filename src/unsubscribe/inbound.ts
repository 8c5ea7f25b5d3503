/**
 * Inbound mail parsed by the sender for us, as `POST /v1/events/inbound` receives it: an Amazon
 * SES receipt notification (SES receiving, an SNS action; the SNS envelope's signature is checked
 * before anything here is read: mailsender/sns.ts) and a Postmark inbound webhook. Each is reduced
 * to the {@link InboundMail} the unsubscribe rules read (./mailto.ts). Pure.
 *
 * SES: https://docs.aws.amazon.com/ses/latest/dg/receiving-email-notifications-contents.html
 * Postmark: https://postmarkapp.com/developer/webhooks/inbound-webhook
 */
import { isObj, type Obj } from '../mailsender/events.js';
import { isSnsEnvelope, openSnsEnvelope } from '../mailsender/providers/ses.js';
import type { InboundMail } from './mailto.js';

export type InboundProvider = 'ses' | 'postmark';

export type ParsedInbound =
  | { kind: 'mail'; provider: InboundProvider; mail: InboundMail; messageId: string | null }
  | { kind: 'sns_subscription'; messageType: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation'; subscribeHost: string | null }
  | { kind: 'unknown'; detail: string };

const MAX_LIST = 50;
const MAX_TEXT = 8192;

const text = (v: unknown): string | null => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : null);

/** `[{name, value}]` (SES) or `[{Name, Value}]` (Postmark) as the rules' header map. */
function headerMap(list: unknown, nameKey: string, valueKey: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  if (!Array.isArray(list)) return map;
  for (const h of list.slice(0, 500)) {
    if (!isObj(h)) continue;
    const name = text(h[nameKey]);
    const value = text(h[valueKey]);
    if (!name || value === null) continue;
    const key = name.toLowerCase();
    map.set(key, [...(map.get(key) ?? []), value]);
  }
  return map;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v)
    ? v
        .slice(0, MAX_LIST)
        .map(text)
        .filter((s): s is string => !!s)
    : [];

/** An SES receipt notification: `notificationType: "Received"` with its `receipt` and `mail`. */
function isSesReceipt(n: Obj): boolean {
  return n.notificationType === 'Received' && isObj(n.mail) && isObj(n.receipt);
}

function parseSesReceipt(n: Obj): ParsedInbound {
  const mail = n.mail as Obj;
  const receipt = n.receipt as Obj;
  const common = isObj(mail.commonHeaders) ? mail.commonHeaders : {};
  const headers = headerMap(mail.headers, 'name', 'value');
  // receipt.recipients are the envelope recipients that matched the receipt rule.
  const recipients = strings(receipt.recipients);
  return {
    kind: 'mail',
    provider: 'ses',
    messageId: text(mail.messageId)?.slice(0, 200) ?? null,
    mail: {
      // mail.source is the envelope sender (MAIL FROM); an empty one is the null reverse path.
      envelopeFrom: typeof mail.source === 'string' ? mail.source.slice(0, 320) : null,
      recipients: recipients.length ? recipients : strings(mail.destination),
      subject: text(common.subject) ?? headers.get('subject')?.[0] ?? '',
      headers,
      contentType: headers.get('content-type')?.[0] ?? null,
    },
  };
}

/** A Postmark inbound webhook: the parsed message with `MessageID`, `Subject` and its recipients. */
function isPostmarkInbound(b: Obj): boolean {
  return typeof b.MessageID === 'string' && typeof b.Subject === 'string' && (typeof b.OriginalRecipient === 'string' || Array.isArray(b.ToFull));
}

function parsePostmarkInbound(b: Obj): ParsedInbound {
  const full = (v: unknown) =>
    Array.isArray(v) ? v.slice(0, MAX_LIST).flatMap((r) => (isObj(r) && typeof r.Email === 'string' ? [r.Email.slice(0, 320)] : [])) : [];
  // Postmark does not pass the envelope: OriginalRecipient is the address it received the
  // message for; To, Cc and Bcc are the message's. Any of them may be the unsubscribe address
  // (an inbound domain, or a mailbox forwarding to Postmark).
  const recipients = [
    ...(typeof b.OriginalRecipient === 'string' ? [b.OriginalRecipient.slice(0, 320)] : []),
    ...full(b.ToFull),
    ...full(b.CcFull),
    ...full(b.BccFull),
  ];
  const headers = headerMap(b.Headers, 'Name', 'Value');
  return {
    kind: 'mail',
    provider: 'postmark',
    messageId: text(b.MessageID)?.slice(0, 200) ?? null,
    mail: {
      envelopeFrom: null,
      recipients,
      subject: text(b.Subject) ?? '',
      headers,
      contentType: headers.get('content-type')?.[0] ?? null,
    },
  };
}

/**
 * Tells the sender from the body (and SNS's `x-amz-sns-message-type` header) and reads it: an SNS
 * envelope (a subscription message, or a Notification carrying an SES receipt notification), an
 * SES receipt notification delivered raw, or a Postmark inbound webhook. Anything else is
 * `unknown`, with a detail for the 422 that never echoes the body.
 *
 * @example
 * parseInboundPayload(postmarkJson, {}) // { kind: 'mail', provider: 'postmark', mail: { recipients: ['unsubscribe@…'], … } }
 */
export function parseInboundPayload(body: unknown, headers: { snsMessageType?: string | null }): ParsedInbound {
  const headerType = headers.snsMessageType?.trim() || null;
  if (!isObj(body)) return { kind: 'unknown', detail: 'The body must be a JSON object.' };
  if (isSnsEnvelope(body)) {
    const opened = openSnsEnvelope(body, headerType, {
      accepts: isSesReceipt,
      notJson: 'The SNS Message is not JSON; only Amazon SES receipt notifications are understood here.',
      notAccepted: 'The SNS Message is not an Amazon SES receipt notification (notificationType Received).',
    });
    return opened.kind === 'notification' ? parseSesReceipt(opened.message) : opened;
  }
  if (headerType) {
    if (headerType === 'Notification' && isSesReceipt(body)) return parseSesReceipt(body);
    return { kind: 'unknown', detail: `x-amz-sns-message-type is ${headerType.slice(0, 40)} but the body is not an SNS message.` };
  }
  if (isSesReceipt(body)) return parseSesReceipt(body);
  if (isPostmarkInbound(body)) return parsePostmarkInbound(body);
  return {
    kind: 'unknown',
    detail: 'Unknown payload: expected an Amazon SES receipt notification (in an SNS envelope or raw) or a Postmark inbound webhook.',
  };
}
