/**
 * The OpenAPI description of what `POST /v1/events/mail-sender` reads: one JSON Schema per
 * shape, told apart by the properties `parse.ts` tells them apart by, so a validating gateway
 * (prism, an API gateway) passes every webhook the service takes. Documentation only: the
 * service itself reads the body with `parse.ts` and its providers, which accept at least this.
 */
// Types only (erased): openapi3-ts is what @hono/zod-openapi's generator is typed with.
import type { SchemaObject } from 'openapi3-ts/oas31';

type Schema = SchemaObject;

const SNS_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'];

// What makes a body an SNS message (providers/ses.ts isSnsEnvelope): read first.
const IS_SNS: Schema = { required: ['Type', 'TopicArn'], properties: { Type: { enum: SNS_TYPES }, TopicArn: { type: 'string' } } };
// Our own shape (providers/generic.ts isGeneric): read next.
const IS_GENERIC: Schema = { required: ['events'], properties: { events: {} } };
// An SES notification or published event (providers/ses.ts isSesNotification).
const IS_SES: Schema = {
  required: ['mail'],
  properties: { mail: { type: 'object' } },
  anyOf: [
    { required: ['notificationType'], properties: { notificationType: { type: 'string' } } },
    { required: ['eventType'], properties: { eventType: { type: 'string' } } },
  ],
};

const SnsMessage: Schema = {
  type: 'object',
  description:
    'An Amazon SNS HTTP(S) message (https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html). A Notification carries an ' +
    'Amazon SES notification as a JSON string in `Message`. Its signature (SignatureVersion 1 or 2) is checked unless SNS_VERIFY_SIGNATURES=false.',
  required: ['Type', 'TopicArn'],
  properties: {
    Type: { type: 'string', enum: SNS_TYPES },
    TopicArn: { type: 'string', description: 'Must be one of SNS_TOPIC_ARNS when that is set (403 otherwise)' },
    MessageId: { type: 'string' },
    Message: { type: 'string', description: 'Notification: the SES notification, as JSON text' },
    Subject: { type: 'string' },
    Timestamp: { type: 'string', format: 'date-time' },
    SignatureVersion: { type: 'string', enum: ['1', '2'] },
    Signature: { type: 'string' },
    SigningCertURL: { type: 'string', format: 'uri', description: 'Fetched only from https://sns.<region>.amazonaws.com/….pem' },
    SubscribeURL: { type: 'string', format: 'uri', description: 'Never fetched by the service: confirm the subscription by hand' },
    UnsubscribeURL: { type: 'string', format: 'uri' },
    Token: { type: 'string' },
  },
};

const recipients = (description: string): Schema => ({
  type: 'array',
  description,
  items: { type: 'object', properties: { emailAddress: { type: 'string' } }, required: ['emailAddress'] },
});

const SesNotification: Schema = {
  type: 'object',
  description:
    'An Amazon SES notification (https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html) delivered raw (SNS raw message delivery, ' +
    'with `x-amz-sns-message-type: Notification`) or posted directly. Bounce and Complaint are applied; other types (Delivery, Send, Open…) are ' +
    'read and reported in `ignored`.',
  required: ['mail'],
  anyOf: [
    { required: ['notificationType'], properties: { notificationType: { type: 'string' } } },
    { required: ['eventType'], properties: { eventType: { type: 'string' } } },
  ],
  properties: {
    notificationType: { type: 'string', description: 'Bounce, Complaint, Delivery… (SES notifications)', example: 'Bounce' },
    eventType: { type: 'string', description: 'Bounce, Complaint, Delivery… (SES event publishing, in place of notificationType)' },
    mail: { type: 'object', properties: { messageId: { type: 'string' } } },
    bounce: {
      type: 'object',
      description: 'Required for a Bounce',
      required: ['bouncedRecipients'],
      properties: {
        bounceType: { type: 'string', enum: ['Permanent', 'Transient', 'Undetermined'], description: 'Permanent: hard bounce; otherwise soft' },
        bounceSubType: { type: 'string' },
        bouncedRecipients: recipients('One event per recipient'),
        timestamp: { type: 'string', format: 'date-time' },
        feedbackId: { type: 'string' },
      },
    },
    complaint: {
      type: 'object',
      description: 'Required for a Complaint',
      required: ['complainedRecipients'],
      properties: {
        complainedRecipients: recipients('One event per recipient'),
        complaintFeedbackType: { type: 'string', description: 'not-spam is not applied' },
        complaintSubType: { type: ['string', 'null'] },
        timestamp: { type: 'string', format: 'date-time' },
        feedbackId: { type: 'string' },
      },
    },
  },
};

const PostmarkBounce: Schema = {
  type: 'object',
  description:
    'A Postmark Bounce or SpamComplaint webhook (https://postmarkapp.com/developer/webhooks/bounce-webhook). Older senders omit RecordType. ' +
    'HardBounce and BadEmailAddress suppress; SoftBounce, Transient, DnsError, Blocked and SpamNotification count as soft bounces; ' +
    'SpamComplaint suppresses as a complaint; other types are reported in `ignored`.',
  required: ['ID', 'Type', 'Email', 'BouncedAt'],
  properties: {
    RecordType: { type: 'string', enum: ['Bounce', 'SpamComplaint'] },
    ID: { type: ['integer', 'string'] },
    Type: { type: 'string', example: 'HardBounce' },
    TypeCode: { type: 'integer' },
    Email: { type: 'string' },
    BouncedAt: { type: 'string', format: 'date-time' },
    Details: { type: 'string' },
    MessageID: { type: 'string' },
    MessageStream: { type: 'string' },
  },
};

const PostmarkSubscriptionChange: Schema = {
  type: 'object',
  description:
    'A Postmark SubscriptionChange webhook (https://postmarkapp.com/developer/webhooks/subscription-change-webhook). Applied when ' +
    'SuppressSending is true for HardBounce, SpamComplaint, or ManualSuppression by the recipient (Origin Recipient); a reactivation never ' +
    'lifts anything here, and is reported in `ignored`.',
  required: ['RecordType', 'Recipient', 'SuppressSending'],
  properties: {
    RecordType: { type: 'string', enum: ['SubscriptionChange'] },
    Recipient: { type: 'string' },
    SuppressSending: { type: 'boolean' },
    SuppressionReason: { type: ['string', 'null'], description: 'HardBounce, SpamComplaint or ManualSuppression; null on a reactivation' },
    Origin: { type: 'string', description: 'Recipient, Customer or Admin' },
    ChangedAt: { type: 'string', format: 'date-time', description: 'Required when SuppressSending is true' },
    MessageID: { type: 'string' },
    MessageStream: { type: 'string' },
  },
};

/** The component schemas of the mail-sender body, by name. */
export const MAIL_SENDER_SCHEMAS: Record<string, Schema> = { SnsMessage, SesNotification, PostmarkBounce, PostmarkSubscriptionChange };

const ref = (name: string) => `#/components/schemas/${name}`;

/**
 * The JSON body: exactly one of the shapes. Where a body could be read as two, `parse.ts` reads
 * an SNS message first, then our own shape, then SES, then Postmark; each branch excludes the
 * shapes read before it (`not`), so the `oneOf` picks the same one.
 */
export const mailSenderBodySchema: Schema = {
  description: 'Our own events, an SNS message, a raw SES notification, or a Postmark webhook (told apart by their required properties)',
  oneOf: [
    { $ref: ref('MailSenderEvents'), not: IS_SNS },
    { $ref: ref('SnsMessage') },
    { $ref: ref('SesNotification'), not: { anyOf: [IS_SNS, IS_GENERIC] } },
    { $ref: ref('PostmarkBounce'), not: { anyOf: [IS_SNS, IS_GENERIC, IS_SES] } },
    { $ref: ref('PostmarkSubscriptionChange'), not: { anyOf: [IS_SNS, IS_GENERIC, IS_SES] } },
  ],
};
