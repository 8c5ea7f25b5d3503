import { createRoute, z } from '@hono/zod-openapi';
import type { SchemaObject } from 'openapi3-ts/oas31';
import { apiApp, Problem, writeErrors } from '../api/openapi.js';
import { scoped } from '../auth/middleware.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { createSnsVerifier } from '../mailsender/sns.js';
import { answerSubscription } from '../mailsender/subscription.js';
import { verifiedWebhookBody } from '../mailsender/webhook-body.js';
import { mailOutcomeLog, unsubscribeByMail } from './by-mail.js';
import { parseInboundPayload } from './inbound.js';

export const INBOUND_PATH = '/v1/events/inbound';

const recipients = { type: 'array', items: { type: 'string' } } as const;

/** The documented shapes (documentation only: ./inbound.ts reads the body, and accepts at least this). */
const SesReceiptNotification: SchemaObject = {
  type: 'object',
  description:
    'An Amazon SES receipt notification of an SNS action (https://docs.aws.amazon.com/ses/latest/dg/receiving-email-notifications-contents.html), ' +
    'inside an SNS Notification (its `Message`, as JSON text) or delivered raw. The envelope recipients, the envelope sender and the headers are read; `content` is not.',
  required: ['notificationType', 'mail', 'receipt'],
  properties: {
    notificationType: { type: 'string', enum: ['Received'] },
    receipt: {
      type: 'object',
      properties: { recipients: { ...recipients, description: 'Envelope recipients (RCPT TO) that matched the receipt rule' }, action: { type: 'object' } },
    },
    mail: {
      type: 'object',
      properties: {
        source: { type: 'string', description: 'The envelope sender (MAIL FROM); empty for a bounce' },
        messageId: { type: 'string' },
        destination: recipients,
        headers: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, value: { type: 'string' } } } },
        commonHeaders: { type: 'object', properties: { subject: { type: 'string' } } },
      },
    },
    content: { type: 'string', description: 'The raw message (not read)' },
  },
};

const PostmarkInbound: SchemaObject = {
  type: 'object',
  description:
    'A Postmark inbound webhook (https://postmarkapp.com/developer/webhooks/inbound-webhook). OriginalRecipient, ToFull, CcFull, BccFull, Subject and Headers are read; the bodies are not.',
  required: ['MessageID', 'Subject'],
  properties: {
    MessageID: { type: 'string' },
    Subject: { type: 'string' },
    OriginalRecipient: { type: 'string' },
    MailboxHash: { type: 'string' },
    ToFull: { type: 'array', items: { type: 'object', properties: { Email: { type: 'string' }, MailboxHash: { type: 'string' } } } },
    CcFull: { type: 'array', items: { type: 'object', properties: { Email: { type: 'string' } } } },
    BccFull: { type: 'array', items: { type: 'object', properties: { Email: { type: 'string' } } } },
    Headers: { type: 'array', items: { type: 'object', properties: { Name: { type: 'string' }, Value: { type: 'string' } } } },
  },
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const InboundResult = z
  .object({
    outcome: z.enum(['unsubscribed', 'already', 'unknown_subject', 'ignored', 'not_for_us', 'no_token', 'invalid_token']).openapi({
      description:
        'unsubscribed / already: the token was valid (the act, or a repeat that changed nothing). unknown_subject: a valid token of nobody known. ' +
        'ignored: a bounce or an auto-reply. not_for_us: no unsubscribe address among the recipients. no_token / invalid_token: nothing was changed.',
    }),
  })
  .openapi('InboundResult');

const route = createRoute({
  method: 'post',
  path: INBOUND_PATH,
  operationId: 'receiveInboundMail',
  tags: ['Mail sender'],
  summary: 'Messages to the mailto: unsubscribe address, parsed by the mail sender (Amazon SES receiving via SNS, Postmark inbound)',
  description: [
    'For senders that receive mail for you: point the receipt rule (SES: an SNS action, subscribed to this URL) or the inbound webhook (Postmark) for the ' +
      '`UNSUBSCRIBE_MAILTO` address here. A message with a valid unsubscribe link token (in the subject, or the address) unsubscribes exactly as the one-click ' +
      'POST does; bounces and auto-replies are ignored; anything else changes nothing. The answer is 200 with the outcome for every message that could be read, ' +
      'so the sender does not retry what cannot change; 503 when the database is out of reach (the sender retries).',
    '',
    'Authentication as for `POST /v1/events/mail-sender`: `Authorization: Bearer <key>` or HTTP Basic with the key as the password, scope `mail-sender:events`; ' +
      'SNS messages must also carry a valid Amazon SNS signature (401 otherwise, 403 for a topic outside `SNS_TOPIC_ARNS`). A SubscriptionConfirmation is answered 202 and logged, never fetched.',
  ].join('\n'),
  security: [...scoped('mail-sender:events').security, { basic: ['mail-sender:events'] }],
  middleware: scoped('mail-sender:events').middleware,
  request: {
    headers: z.object({
      'x-amz-sns-message-type': z
        .string()
        .optional()
        .openapi({ enum: ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'], description: "Set by Amazon SNS to the message's Type" }),
    }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.any().openapi({
            description: 'An SNS message carrying an SES receipt notification, a raw SES receipt notification, or a Postmark inbound webhook',
            oneOf: [ref('SnsMessage'), ref('SesReceiptNotification'), ref('PostmarkInbound')],
          }),
        },
        'text/plain': { schema: z.string().openapi({ description: 'Amazon SNS posts its JSON as text/plain (with x-amz-sns-message-type)' }) },
      },
    },
  },
  responses: {
    200: { description: 'The message was read; what it did', content: { 'application/json': { schema: InboundResult } } },
    202: {
      description: 'An SNS SubscriptionConfirmation or UnsubscribeConfirmation: logged, nothing fetched; confirm the subscription by hand',
      content: { 'application/json': { schema: z.object({ status: z.string(), detail: z.string() }) } },
    },
    ...writeErrors,
    401: { ...writeErrors[401], description: 'Missing, unknown or revoked API key; or an SNS message whose signature does not verify' },
    403: {
      description: 'The key lacks mail-sender:events; or an SNS message from a topic outside SNS_TOPIC_ARNS',
      content: { 'application/problem+json': { schema: Problem } },
    },
    422: { description: 'Not an SES receipt notification or a Postmark inbound webhook', content: { 'application/problem+json': { schema: Problem } } },
    503: {
      ...writeErrors[503],
      description: 'The database did not answer, or the SNS signing certificate could not be fetched; nothing was written (the sender retries)',
    },
  },
});

/**
 * `POST /v1/events/inbound` (scope `mail-sender:events`): verify (key, SNS signature), read the
 * message (./inbound.ts), act (`unsubscribeByMail`, the listener's act), answer the outcome.
 */
export function inboundRoutes(deps: ResolvedDeps) {
  const sns = createSnsVerifier({
    fetchCertificate: deps.fetchCertificate,
    verifySignatures: deps.config.sns.verifySignatures,
    topicArns: deps.config.sns.topicArns,
  });
  const app = apiApp({ textCheckedByRoute: true });
  app.openAPIRegistry.registerComponent('schemas', 'SesReceiptNotification', SesReceiptNotification);
  app.openAPIRegistry.registerComponent('schemas', 'PostmarkInbound', PostmarkInbound);

  app.openapi(route, async (c) => {
    const requestId = c.get('requestId');
    const body = await verifiedWebhookBody(await c.req.text(), sns, deps.clock.now(), (fields) =>
      deps.logger.warn('SNS message refused', { ...fields, key: c.var.apiKey.id, requestId, route: INBOUND_PATH }),
    );
    const parsed = parseInboundPayload(body, { snsMessageType: c.req.header('x-amz-sns-message-type') ?? null });
    if (parsed.kind === 'unknown') throw new AppError('validation_failed', parsed.detail);
    if (parsed.kind === 'sns_subscription') {
      const answer = answerSubscription(parsed);
      deps.logger[answer.log.level](answer.log.message, { ...answer.log.fields, key: c.var.apiKey.id, requestId });
      return c.json(answer.body, 202);
    }
    const outcome = await unsubscribeByMail(deps, parsed.mail, parsed.provider);
    // The provider's message id is opaque (SES's, Postmark's uuid); no address, no subject.
    deps.logger.info('mailto message', { way: parsed.provider, messageId: parsed.messageId, key: c.var.apiKey.id, requestId, ...mailOutcomeLog(outcome) });
    return c.json({ outcome: outcome.kind }, 200);
  });
  return app;
}
