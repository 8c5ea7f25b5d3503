import { createRoute, z } from '@hono/zod-openapi';
import { apiApp, jsonBody, jsonResponse, notFound, readErrors, SubjectIdParam, Timestamp, WritePurposeHeader, writeErrors } from '../api/openapi.js';
import { scoped } from '../auth/middleware.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { TOPIC_KEY } from '../topics/rules.js';
import { reserveRecipients, settleRecipients } from './actions.js';
import { setPreferences } from './frequency.js';
import type { CadenceLimits } from './policy.js';
import { cadenceView } from './view.js';

export const MAX_RESERVATION_SUBJECTS = 100_000;

const CampaignParam = z.object({
  campaignId: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'campaignId', in: 'path' }, example: '2026-12-newsletter' }),
});

/** Who a campaign call names: ids, or addresses as you hold them. */
const recipientFields = {
  subjects: z
    .array(z.uuid().transform((s) => s.toLowerCase()))
    .min(1)
    .max(MAX_RESERVATION_SUBJECTS)
    .optional(),
  // No `format: email`: the service does not refuse a batch for one entry that is not an
  // address; it denies that entry as unknown_subject (it matches nobody), as the answer says.
  emails: z
    .array(z.string().max(320).openapi({ description: 'An address as you hold it; one that is not an address matches nobody (unknown_subject)' }))
    .min(1)
    .max(MAX_RESERVATION_SUBJECTS)
    .optional(),
};
const exactlyOneRecipientList = (b: { subjects?: unknown; emails?: unknown }) => (b.subjects ? 1 : 0) + (b.emails ? 1 : 0) === 1;
const EXACTLY_ONE = 'send exactly one of subjects or emails';
const RECIPIENTS_DESCRIPTION =
  'Exactly one of `subjects` (ids) or `emails` (addresses, resolved to people by keyed hash); both or neither is refused with 422.';
// The properties are repeated so each branch names what it requires (Redocly's no-required-schema-properties-undefined).
const onlyList = (list: string, other: string) => ({
  required: [list],
  properties: { [list]: { type: 'array' as const } },
  not: { required: [other], properties: { [other]: { type: 'array' as const } } },
});
const ONE_RECIPIENT_LIST = [onlyList('subjects', 'emails'), onlyList('emails', 'subjects')];

const Recipients = z
  .object(recipientFields)
  .strict()
  .refine(exactlyOneRecipientList, { message: EXACTLY_ONE })
  .openapi('Recipients', { description: RECIPIENTS_DESCRIPTION, oneOf: ONE_RECIPIENT_LIST });

/** A reservation's body: the recipients, and the campaign's topic. */
const ReservationBody = z
  .object({
    ...recipientFields,
    topic: z
      .string()
      .regex(TOPIC_KEY, 'a topic key')
      .optional()
      .openapi({
        description:
          "The campaign's topic (GET /v1/topics): people who left it are denied (topic_unsubscribed); a topic outside the shared cap " +
          'counts only its own sends, the others share the cap with mail of no topic. Unknown or removed: 422, nothing reserved.',
        example: 'webinars',
      }),
  })
  .strict()
  .refine(exactlyOneRecipientList, { message: EXACTLY_ONE })
  .openapi('ReservationRequest', {
    description: `${RECIPIENTS_DESCRIPTION} Optionally the campaign's \`topic\`.`,
    oneOf: ONE_RECIPIENT_LIST,
  });

const DenialSchema = z.object({
  subject: z.string().openapi({ description: 'Subject id, or the address as given when it matched nobody' }),
  email: z.string().optional().openapi({ description: 'The entry of `emails` exactly as sent, when the recipient was given as an address' }),
  reason: z.enum(['no_consent', 'suppressed', 'restricted', 'topic_unsubscribed', 'paused', 'frequency_cap', 'min_gap', 'unknown_subject']),
  nextAllowedAt: Timestamp.optional().openapi({ description: 'For paused, frequency_cap and min_gap: the earliest moment this person may be mailed' }),
});

const ReservationOut = z.object({ allowed: z.array(z.uuid()), denied: z.array(DenialSchema) }).openapi('Reservation');

const reserveRoute = createRoute({
  method: 'post',
  path: '/v1/campaigns/{campaignId}/reservations',
  operationId: 'reserveRecipients',
  tags: ['Cadence'],
  summary: "Check the cadence policy and reserve a campaign's recipients atomically",
  description:
    'Up to 100,000 recipients (subject ids, or e-mail addresses resolved to subjects). Allowed ones are reserved in the same transaction that decides; reserving the same subject for the same campaign again is idempotent. A failed call reserves nothing.',
  ...scoped('sends:write'),
  request: { params: CampaignParam, body: jsonBody(ReservationBody), headers: WritePurposeHeader },
  responses: { 200: jsonResponse('The decision for every recipient', ReservationOut), ...writeErrors },
});

const markRoute = (what: 'sent' | 'release') =>
  createRoute({
    method: 'post',
    path: `/v1/campaigns/{campaignId}/${what}`,
    operationId: what === 'sent' ? 'markReservationsSent' : 'releaseReservations',
    tags: ['Cadence'],
    summary: what === 'sent' ? 'Mark reservations sent' : 'Release reservations that were not sent',
    ...scoped('sends:write'),
    request: { params: CampaignParam, body: jsonBody(Recipients), headers: WritePurposeHeader },
    responses: {
      200: jsonResponse(
        'How many changed, and which recipients had no live reservation',
        z.object({ updated: z.number().int(), notReserved: z.array(z.string()) }),
      ),
      ...writeErrors,
    },
  });

const cadenceRoute = createRoute({
  method: 'get',
  path: '/v1/subjects/{id}/cadence',
  operationId: 'getCadence',
  tags: ['Cadence'],
  summary: "A person's sends in the window, their limits and the next allowed moment",
  ...scoped('subjects:read', 'sends:write'),
  request: { params: SubjectIdParam },
  responses: {
    200: jsonResponse(
      'Cadence state',
      z.object({
        subject: z.uuid(),
        frequency: z.enum(['monthly', 'standard']),
        pausedUntil: z.string().nullable().openapi({ format: 'date', description: 'No mail until the end of this day (TIME_ZONE)' }),
        limits: z.object({ preferenceCap: z.number(), maxPerWindow: z.number(), windowDays: z.number(), windowMode: z.string(), minGapHours: z.number() }),
        sends: z.array(
          z.object({
            campaignId: z.string(),
            topic: z.string().nullable().openapi({ description: "The campaign's topic; null: none" }),
            status: z.enum(['reserved', 'sent']),
            at: Timestamp,
          }),
        ),
        sendsByTopic: z.array(z.object({ topic: z.string().nullable(), count: z.number().int() })).openapi({
          description: 'The sends in the window per topic (null: mail of no topic); sends of topics outside the shared cap do not count toward it',
        }),
        allowedNow: z.boolean(),
        reason: z.string().optional(),
        nextAllowedAt: Timestamp.nullable(),
      }),
    ),
    404: notFound(),
    ...readErrors,
  },
});

const PreferencesBody = z
  .object({
    frequency: z.enum(['monthly', 'standard']),
    pausedUntil: z.iso
      .date()
      .refine((d) => d >= '2000-01-01' && d <= '9999-12-31', 'a date from 2000-01-01 on')
      .nullable()
      .default(null),
  })
  .strict()
  .openapi('Preferences');

const preferencesRoute = createRoute({
  method: 'put',
  path: '/v1/subjects/{id}/preferences',
  operationId: 'setPreferences',
  tags: ['Cadence'],
  summary: "Set a person's frequency and pause (staff)",
  ...scoped('subjects:write'),
  request: { params: SubjectIdParam, body: jsonBody(PreferencesBody), headers: WritePurposeHeader },
  responses: {
    200: jsonResponse('The preferences now', PreferencesBody),
    404: notFound(),
    ...writeErrors,
  },
});

/** The limits in force, from configuration. */
export function cadenceLimits(deps: ResolvedDeps): CadenceLimits {
  const c = deps.config.cadence;
  return { maxPerWindow: c.maxPerWindow, windowDays: c.windowDays, minGapHours: c.minGapHours, windowMode: c.windowMode, timeZone: deps.config.timeZone };
}

/** Campaign reservations (sends:write), the cadence view and staff preferences. */
export function cadenceRoutes(deps: ResolvedDeps) {
  const app = apiApp();

  app.openapi(reserveRoute, async (c) => {
    const { campaignId } = c.req.valid('param');
    const opts = {
      hasher: deps.hasher,
      limits: cadenceLimits(deps),
      ttlHours: deps.config.cadence.reservationTtlHours,
      now: deps.clock.now(),
      metrics: deps.metrics,
    };
    const r = await reserveRecipients(deps.db, campaignId, c.req.valid('json'), opts);
    if (r.kind === 'unknown_topic') {
      throw new AppError('validation_failed', 'No topic by this key to send mail in (GET /v1/topics lists them); nothing was reserved.', [
        { path: 'topic', message: r.removed ? 'this topic was removed' : 'no topic with this key' },
      ]);
    }
    const { allowed, denied, requested } = r;
    deps.logger.info('reservation', { campaign: campaignId, requested, allowed: allowed.length, denied: denied.length, key: c.var.apiKey.id });
    return c.json({ allowed, denied }, 200);
  });

  for (const what of ['sent', 'release'] as const) {
    app.openapi(markRoute(what), async (c) => {
      const { campaignId } = c.req.valid('param');
      return c.json(await settleRecipients(deps.db, campaignId, what, c.req.valid('json'), { hasher: deps.hasher, now: deps.clock.now() }), 200);
    });
  }

  app.openapi(cadenceRoute, async (c) => {
    const { id } = c.req.valid('param');
    const view = await cadenceView(deps.db, id, { limits: cadenceLimits(deps), ttlHours: deps.config.cadence.reservationTtlHours, now: deps.clock.now() });
    if (!view) throw new AppError('not_found', 'No subject with this id.');
    return c.json(view, 200);
  });

  app.openapi(preferencesRoute, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const r = await setPreferences(deps.db, id, body, { actorType: 'staff', actorId: c.var.apiKey.id, at: deps.clock.now() });
    if (r.kind === 'unknown_subject') throw new AppError('not_found', 'No subject with this id.');
    return c.json({ frequency: body.frequency, pausedUntil: body.pausedUntil }, 200);
  });

  return app;
}
