import { createRoute, z } from '@hono/zod-openapi';
import { apiApp, EMAIL_FORMAT, Problem, writeErrors } from '../api/openapi.js';
import { scoped } from '../auth/middleware.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { applyReport, type HashedEvent, summarize } from './apply.js';
import { type IgnoredEvent, MAIL_SENDER_EVENT_TYPES, MAX_EVENTS_PER_REQUEST } from './events.js';
import { MAIL_SENDER_SCHEMAS, mailSenderBodySchema } from './openapi.js';
import { parseMailSenderPayload } from './parse.js';
import { createSnsVerifier } from './sns.js';
import { type SoftBouncePolicy, softBouncePolicy } from './soft-bounce.js';
import { answerSubscription } from './subscription.js';
import { verifiedWebhookBody } from './webhook-body.js';

const GenericEvents = z
  .object({
    events: z
      .array(
        z.object({
          type: z.enum(MAIL_SENDER_EVENT_TYPES).openapi({
            description:
              'hard_bounce: suppress (reason bounced). complaint: suppress (reason complained). unsubscribe: the person left (as a one-click unsubscribe). ' +
              'soft_bounce: counted; the 3rd within 30 days suppresses (reason bounced).',
          }),
          email: z.string().max(320).openapi(EMAIL_FORMAT),
          at: z.string().openapi({ format: 'date-time', description: 'ISO 8601 date-time of the event at the sender', example: '2026-03-01T10:00:00Z' }),
          id: z.string().min(1).max(200).openapi({ description: "The sender's event id; an event replayed with the same id and address changes nothing" }),
          detail: z
            .string()
            .max(1000)
            .optional()
            .openapi({ description: 'Free text (e.g. the SMTP diagnostic); addresses in it are masked before it is kept' }),
        }),
      )
      .min(1)
      .max(MAX_EVENTS_PER_REQUEST),
  })
  .openapi('MailSenderEvents', {
    description: 'Our own shape. Each event is read on its own: one that does not fit is not applied and is reported in `ignored`, with its index.',
  });

const Result = z
  .object({
    processed: z.number().int().openapi({ description: 'Events applied by this request (including those that found the address already suppressed)' }),
    duplicates: z.number().int().openapi({ description: 'Events already applied by an earlier request (replays); nothing was written for them' }),
    suppressed: z.number().int().openapi({ description: 'How many of the processed events changed the suppression list or withdrew consent' }),
    ignored: z.array(z.object({ index: z.number().int(), reason: z.string() })).openapi({
      description:
        'Events not applied and why (invalid_email, invalid_type, invalid_at, invalid_id, unsupported_..., not_spam_feedback). The address is never echoed.',
    }),
  })
  .openapi('MailSenderResult');

const eventsRoute = createRoute({
  method: 'post',
  path: '/v1/events/mail-sender',
  operationId: 'reportMailSenderEvents',
  tags: ['Mail sender'],
  summary: 'Bounces, complaints and unsubscribes reported by the mail sender',
  description: [
    'Accepts, told apart by the body (and the `x-amz-sns-message-type` header):',
    '',
    '* our own shape `{"events":[{"type","email","at","id","detail"?}]}`, 1 to 1,000 events;',
    '* Amazon SES bounce and complaint notifications, inside an SNS envelope or delivered raw. A `SubscriptionConfirmation` is answered 202 and logged: ' +
      'this service never fetches the SubscribeURL, so confirm the subscription by hand (open the SubscribeURL from the SNS delivery log, or call ConfirmSubscription with its Token);',
    '* Postmark Bounce, SpamComplaint and SubscriptionChange webhooks.',
    '',
    'Authentication: `Authorization: Bearer <key>`, or HTTP Basic with the API key as the password (any user name), ' +
      'for senders that can only put credentials in the URL: subscribe SNS to `https://mail-sender:<key>@<host>/v1/events/mail-sender` ' +
      '(SNS sends the credentials after a 401 challenge, which this endpoint gives), or set the same URL as the Postmark webhook.',
    '',
    'SNS messages (every Type) must also carry a valid Amazon SNS signature, SignatureVersion 1 (SHA1withRSA) or 2 (SHA256withRSA). ' +
      'The signing certificate is fetched, once per URL, and only from `https://sns.<region>.amazonaws.com/….pem`. ' +
      'A missing or bad signature, or a certificate URL elsewhere, is answered 401; a topic outside `SNS_TOPIC_ARNS` 403; ' +
      'a certificate that cannot be fetched 503 (SNS retries). Nothing is written then. ' +
      'A raw delivery has no signature to check: like our own shape and Postmark, the API key alone authenticates it.',
    '',
    'All events of one request are applied in one transaction. A bad event (an invalid address, type, time or id, text with a NUL) fails only its own: ' +
      'the others are applied and the answer is 200 with each refused event in `ignored` (its index in the batch and the reason); a diagnostic `detail` with a NUL is kept with U+FFFD in its place. ' +
      'An unknown shape is refused with 422, malformed JSON with 400.',
  ].join('\n'),
  // The key as a bearer token, or as the Basic password (providers that only do Basic auth).
  security: [...scoped('mail-sender:events').security, { basic: ['mail-sender:events'] }],
  middleware: scoped('mail-sender:events').middleware,
  request: {
    headers: z.object({
      'x-amz-sns-message-type': z
        .string()
        .optional()
        .openapi({
          enum: ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'],
          description:
            "Set by Amazon SNS to the message's Type; with it, the body must be that SNS message, or (Notification) a raw SES notification (422 otherwise)",
        }),
    }),
    body: {
      required: true,
      content: {
        // Read by parse.ts, not by zod: the schema here is the document's, in ./openapi.ts.
        'application/json': { schema: z.any().openapi(mailSenderBodySchema) },
        'text/plain': {
          schema: z
            .string()
            .openapi({ description: 'Amazon SNS posts its JSON as text/plain; charset=UTF-8 (with x-amz-sns-message-type): an SnsMessage as JSON text' }),
        },
      },
    },
  },
  responses: {
    200: { description: 'The events were read and applied', content: { 'application/json': { schema: Result } } },
    202: {
      description: 'An SNS SubscriptionConfirmation or UnsubscribeConfirmation: logged, nothing fetched; confirm the subscription by hand',
      content: { 'application/json': { schema: z.object({ status: z.string(), detail: z.string() }) } },
    },
    ...writeErrors,
    401: {
      ...writeErrors[401],
      description:
        'Missing, unknown or revoked API key; or an SNS message whose signature does not verify. An SNS delivery without credentials gets a Basic challenge (WWW-Authenticate: Basic)',
    },
    403: {
      description: 'The key lacks mail-sender:events; or an SNS message from a topic outside SNS_TOPIC_ARNS',
      content: { 'application/problem+json': { schema: Problem } },
    },
    422: { description: 'Unknown payload shape, or more than 1,000 events', content: { 'application/problem+json': { schema: Problem } } },
    503: {
      ...writeErrors[503],
      description: 'The database did not answer within its bound, or the SNS signing certificate could not be fetched; nothing was applied (SNS retries)',
    },
  },
});

export interface MailSenderOptions {
  /** Soft bounces within the window that suppress an address (default 3 within 30 days). */
  softBounces?: Partial<SoftBouncePolicy>;
}

/**
 * `POST /v1/events/mail-sender` (scope `mail-sender:events`).
 *
 * @example
 * app.route('/', mailSenderRoutes(deps));
 * app.route('/', mailSenderRoutes(deps, { softBounces: { threshold: 5, windowDays: 14 } }));
 */
export function mailSenderRoutes(deps: ResolvedDeps, opts: MailSenderOptions = {}) {
  const softBounces = softBouncePolicy(opts.softBounces);

  // One per app, so its certificate cache serves every request.
  const sns = createSnsVerifier({
    fetchCertificate: deps.fetchCertificate,
    verifySignatures: deps.config.sns.verifySignatures,
    topicArns: deps.config.sns.topicArns,
  });

  // A bad event (text PostgreSQL cannot store included) fails only itself: events.ts refuses it
  // by index, and the rest of the batch is applied.
  const app = apiApp({ textCheckedByRoute: true });
  app.openAPIRegistry.register('MailSenderEvents', GenericEvents);
  for (const [name, schema] of Object.entries(MAIL_SENDER_SCHEMAS)) app.openAPIRegistry.registerComponent('schemas', name, schema);
  app.openAPIRegistry.registerComponent('securitySchemes', 'basic', {
    type: 'http',
    scheme: 'basic',
    description: 'The API key as the password, any user name (for SNS and Postmark webhook URLs)',
  });

  app.openapi(eventsRoute, async (c) => {
    // Read the raw text whatever the content type (SNS says text/plain); the JSON validator has
    // already answered 400 to malformed JSON sent as application/json.
    const requestId = c.get('requestId');
    const body = await verifiedWebhookBody(await c.req.text(), sns, deps.clock.now(), (fields) =>
      deps.logger.warn('SNS message refused', { ...fields, key: c.var.apiKey.id, requestId }),
    );
    const parsed = parseMailSenderPayload(body, { snsMessageType: c.req.header('x-amz-sns-message-type') ?? null });

    if (parsed.kind === 'unknown') throw new AppError('validation_failed', parsed.detail);

    if (parsed.kind === 'sns_subscription') {
      const answer = answerSubscription(parsed);
      deps.logger[answer.log.level](answer.log.message, { ...answer.log.fields, key: c.var.apiKey.id, requestId });
      return c.json(answer.body, 202);
    }

    const now = deps.clock.now();
    const hashed: HashedEvent[] = await Promise.all(parsed.events.map(async (e) => ({ ...e, hash: await deps.hasher.hash(e.email) })));
    const outcomes = await applyReport(deps.db, { provider: parsed.provider, keyId: c.var.apiKey.id, now, softBounces }, hashed);
    const { processed, duplicates, suppressed } = summarize(outcomes.values());
    const ignored: IgnoredEvent[] = [...parsed.ignored].sort((a, b) => a.index - b.index);
    deps.logger.info('mail sender events', {
      provider: parsed.provider,
      processed,
      duplicates,
      suppressed,
      ignored: ignored.length,
      key: c.var.apiKey.id,
      requestId,
    });
    return c.json({ processed, duplicates, suppressed, ignored }, 200);
  });

  return app;
}
