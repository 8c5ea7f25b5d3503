import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../auth/middleware.js';
import { apiApp, bearerSecurity, commonErrors } from '../api/openapi.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { normalizeEmail } from '../consent/email.js';
import { setPreferences } from './frequency.js';
import { localDate, startOfLocalDay } from '../time/local-date.js';
import { decide, PREFERENCE_CAP, PREFERENCE_WINDOW_DAYS, type CadenceLimits } from './policy.js';
import { pausedUntilText } from '../db/dates.js';
import { lookbackStart, markSent, release, reserve } from './reservations.js';

export const MAX_RESERVATION_SUBJECTS = 100_000;

const CampaignParam = z.object({
  campaignId: z.string().min(1).max(200).openapi({ param: { name: 'campaignId', in: 'path' }, example: '2026-12-newsletter' }),
});

const Recipients = z
  .object({
    subjects: z.array(z.uuid().transform((s) => s.toLowerCase())).min(1).max(MAX_RESERVATION_SUBJECTS).optional(),
    emails: z.array(z.string().max(320)).min(1).max(MAX_RESERVATION_SUBJECTS).optional(),
  })
  .strict()
  .refine((b) => (b.subjects ? 1 : 0) + (b.emails ? 1 : 0) === 1, { message: 'send exactly one of subjects or emails' })
  .openapi('Recipients');

const DenialSchema = z.object({
  subject: z.string().openapi({ description: 'Subject id, or the address as given when it matched nobody' }),
  email: z.string().optional(),
  reason: z.enum(['no_consent', 'suppressed', 'restricted', 'paused', 'frequency_cap', 'min_gap', 'unknown_subject']),
  nextAllowedAt: z.string().optional().openapi({ description: 'For paused, frequency_cap and min_gap: the earliest moment this person may be mailed' }),
});

const ReservationOut = z.object({ allowed: z.array(z.uuid()), denied: z.array(DenialSchema) }).openapi('Reservation');

const reserveRoute = createRoute({
  method: 'post',
  path: '/v1/campaigns/{campaignId}/reservations',
  tags: ['Cadence'],
  summary: "Check the cadence policy and reserve a campaign's recipients atomically",
  description:
    'Up to 100,000 recipients (subject ids, or e-mail addresses resolved to subjects). Allowed ones are reserved in the same transaction that decides; reserving the same subject for the same campaign again is idempotent. A failed call reserves nothing.',
  security: bearerSecurity,
  middleware: [requireScope('sends:write')] as const,
  request: { params: CampaignParam, body: { required: true, content: { 'application/json': { schema: Recipients } } } },
  responses: { 200: { description: 'The decision for every recipient', content: { 'application/json': { schema: ReservationOut } } }, ...commonErrors },
});

const markRoute = (what: 'sent' | 'release') =>
  createRoute({
    method: 'post',
    path: `/v1/campaigns/{campaignId}/${what}`,
    tags: ['Cadence'],
    summary: what === 'sent' ? 'Mark reservations sent' : 'Release reservations that were not sent',
    security: bearerSecurity,
    middleware: [requireScope('sends:write')] as const,
    request: { params: CampaignParam, body: { required: true, content: { 'application/json': { schema: Recipients } } } },
    responses: {
      200: {
        description: 'How many changed, and which recipients had no live reservation',
        content: { 'application/json': { schema: z.object({ updated: z.number().int(), notReserved: z.array(z.string()) }) } },
      },
      ...commonErrors,
    },
  });

const SubjectParam = z.object({ id: z.uuid().transform((s) => s.toLowerCase()).openapi({ param: { name: 'id', in: 'path' } }) });

const cadenceRoute = createRoute({
  method: 'get',
  path: '/v1/subjects/{id}/cadence',
  tags: ['Cadence'],
  summary: "A person's sends in the window, their limits and the next allowed moment",
  security: bearerSecurity,
  middleware: [requireScope('subjects:read', 'sends:write')] as const,
  request: { params: SubjectParam },
  responses: {
    200: {
      description: 'Cadence state',
      content: {
        'application/json': {
          schema: z.object({
            subject: z.uuid(),
            frequency: z.enum(['monthly', 'standard']),
            pausedUntil: z.string().nullable(),
            limits: z.object({ preferenceCap: z.number(), maxPerWindow: z.number(), windowDays: z.number(), windowMode: z.string(), minGapHours: z.number() }),
            sends: z.array(z.object({ campaignId: z.string(), status: z.enum(['reserved', 'sent']), at: z.string() })),
            allowedNow: z.boolean(),
            reason: z.string().optional(),
            nextAllowedAt: z.string().nullable(),
          }),
        },
      },
    },
    404: commonErrors[422],
    ...commonErrors,
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
  tags: ['Cadence'],
  summary: "Set a person's frequency and pause (staff)",
  security: bearerSecurity,
  middleware: [requireScope('subjects:write')] as const,
  request: { params: SubjectParam, body: { required: true, content: { 'application/json': { schema: PreferencesBody } } } },
  responses: {
    200: { description: 'The preferences now', content: { 'application/json': { schema: PreferencesBody } } },
    404: commonErrors[422],
    ...commonErrors,
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

  /** Subject ids for the body; addresses that match nobody come back as denials. */
  async function resolve(body: z.infer<typeof Recipients>): Promise<{ ids: string[]; unmatched: { subject: string; email: string; reason: 'unknown_subject' }[]; emailOf: Map<string, string> }> {
    if (body.subjects) return { ids: body.subjects, unmatched: [], emailOf: new Map() };
    const emails = [...new Set(body.emails!)];
    const normalized = emails.map((e) => ({ given: e, email: normalizeEmail(e) }));
    const hashes = await Promise.all(normalized.map(async (n) => (n.email ? deps.hasher.hash(n.email) : null)));
    const wanted = [...new Set(hashes.filter((h): h is string => !!h))];
    const found = new Map<string, string>();
    for (let i = 0; i < wanted.length; i += 10_000) {
      const rows = await deps.db.selectFrom('subjects').select(['id', 'email_hash']).where('email_hash', 'in', wanted.slice(i, i + 10_000)).where('status', '<>', 'erased').execute();
      for (const r of rows) found.set(r.email_hash, r.id);
    }
    const ids: string[] = [];
    const unmatched: { subject: string; email: string; reason: 'unknown_subject' }[] = [];
    const emailOf = new Map<string, string>();
    normalized.forEach((n, i) => {
      const id = hashes[i] ? found.get(hashes[i]!) : undefined;
      if (id) {
        ids.push(id);
        emailOf.set(id, n.given);
      } else unmatched.push({ subject: n.given, email: n.given, reason: 'unknown_subject' });
    });
    return { ids, unmatched, emailOf };
  }

  app.openapi(reserveRoute, async (c) => {
    const { campaignId } = c.req.valid('param');
    const { ids, unmatched, emailOf } = await resolve(c.req.valid('json'));
    const result = ids.length
      ? await reserve(deps.db, { campaignId, subjectIds: ids, limits: cadenceLimits(deps), ttlHours: deps.config.cadence.reservationTtlHours, now: deps.clock.now() })
      : { allowed: [], denied: [] };
    const denied = [...result.denied.map((d) => (emailOf.has(d.subject) ? { ...d, email: emailOf.get(d.subject)! } : d)), ...unmatched];
    deps.logger.info('reservation', { campaign: campaignId, requested: ids.length + unmatched.length, allowed: result.allowed.length, denied: denied.length, key: c.var.apiKey.id });
    return c.json({ allowed: result.allowed, denied }, 200);
  });

  for (const what of ['sent', 'release'] as const) {
    app.openapi(markRoute(what), async (c) => {
      const { campaignId } = c.req.valid('param');
      const { ids, unmatched } = await resolve(c.req.valid('json'));
      const now = deps.clock.now();
      const r = ids.length ? (what === 'sent' ? await markSent(deps.db, campaignId, ids, now) : await release(deps.db, campaignId, ids, now)) : { notReserved: [] };
      const updated = 'updated' in r ? r.updated : 'released' in r ? r.released : 0;
      return c.json({ updated, notReserved: [...r.notReserved, ...unmatched.map((u) => u.email)] }, 200);
    });
  }

  app.openapi(cadenceRoute, async (c) => {
    const { id } = c.req.valid('param');
    const now = deps.clock.now();
    const limits = cadenceLimits(deps);
    const s = await deps.db
      .selectFrom('subjects as s')
      .leftJoin('consents as m', (j) => j.onRef('m.subject_id', '=', 's.id').on('m.purpose', '=', 'marketing'))
      .leftJoin('preferences as p', 'p.subject_id', 's.id')
      .leftJoin('suppressions as sup', (j) => j.onRef('sup.hash', '=', 's.email_hash').on('sup.active', '=', true))
      .select(['s.id', 's.status', 'm.state as marketing', 'p.frequency', 'sup.active as suppressed'])
      .select(pausedUntilText('p.paused_until').as('paused_until'))
      .where('s.id', '=', id)
      .executeTakeFirst();
    if (!s) throw new AppError('not_found', 'No subject with this id.');
    // Read as far back as a decision does (the minimum gap may be longer than the window)...
    const sends = await deps.db
      .selectFrom('sends')
      .select(['campaign_id', 'status', 'sent_at', 'reserved_at', 'expires_at'])
      .where('subject_id', '=', id)
      .where('status', '<>', 'released')
      .where('reserved_at', '>', lookbackStart(limits, deps.config.cadence.reservationTtlHours, now))
      .orderBy('reserved_at')
      .execute();
    const live = sends.filter((x) => x.status === 'sent' || new Date(x.expires_at) > now);
    // ...but list only the sends that count in a window now.
    const windowStart =
      limits.windowMode === 'calendar_month'
        ? startOfLocalDay({ ...localDate(now, limits.timeZone), day: 1 }, limits.timeZone)
        : new Date(now.getTime() - Math.max(limits.windowDays, PREFERENCE_WINDOW_DAYS) * 86_400_000);
    const atOf = (x: (typeof live)[number]) => new Date(x.sent_at ?? x.reserved_at);
    const inWindow = live.filter((x) => (limits.windowMode === 'calendar_month' ? atOf(x) >= windowStart : atOf(x) > windowStart));
    const frequency = s.frequency ?? 'standard';
    const d = decide(
      { status: s.status, marketing: s.marketing ?? 'none', suppressed: !!s.suppressed, frequency, pausedUntil: s.paused_until, sends: live.map((x) => new Date(x.sent_at ?? x.reserved_at)) },
      limits,
      now,
    );
    return c.json(
      {
        subject: s.id,
        frequency,
        pausedUntil: s.paused_until,
        limits: { preferenceCap: PREFERENCE_CAP[frequency], maxPerWindow: limits.maxPerWindow, windowDays: limits.windowDays, windowMode: limits.windowMode, minGapHours: limits.minGapHours },
        sends: inWindow.map((x) => ({ campaignId: x.campaign_id, status: x.status as 'reserved' | 'sent', at: atOf(x).toISOString() })),
        allowedNow: d.allowed,
        ...(d.allowed ? {} : { reason: d.reason }),
        nextAllowedAt: d.allowed ? now.toISOString() : (d.nextAllowedAt?.toISOString() ?? null),
      },
      200,
    );
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
