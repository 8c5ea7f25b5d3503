import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../auth/middleware.js';
import { apiApp, bearerSecurity, commonErrors } from '../api/openapi.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { withdrawProcessing } from '../withdrawal/actions.js';
import { completedAtOnce, decideExtension, dueFor } from './deadlines.js';
import { createRequest, deadlineCounts, getRequest, listRequests, recordExtension, toRequestOut } from './queries.js';
import { setRestrictedIn } from '../subjects/actions.js';

const TYPES = ['access', 'rectification', 'restriction', 'erasure', 'appeal', 'automated_decision_appeal', 'withdrawal', 'objection'] as const;
const STATUSES = ['received', 'in_progress', 'completed', 'rejected'] as const;

export const RequestSchema = z
  .object({
    id: z.uuid(),
    subject: z.uuid(),
    type: z.enum(TYPES),
    status: z.enum(STATUSES),
    channel: z.enum(['link', 'staff']),
    receivedAt: z.string(),
    dueAt: z.string(),
    completedAt: z.string().nullable(),
    statusReason: z.string().nullable(),
    overdue: z.boolean(),
    extensions: z.unknown(),
  })
  .openapi('DataSubjectRequest');

const listRoute = createRoute({
  method: 'get',
  path: '/v1/requests',
  tags: ['Requests'],
  summary: 'Data-subject requests and their due dates, oldest due first',
  security: bearerSecurity,
  middleware: [requireScope('requests:manage')] as const,
  request: {
    query: z.object({
      status: z.enum(STATUSES).optional(),
      type: z.enum(TYPES).optional(),
      subject: z.uuid().optional(),
      overdue: z.enum(['true', 'false']).optional().openapi({ description: 'true: only open requests past their due time' }),
      dueWithin: z.coerce.number().int().min(0).max(24 * 365).optional().openapi({ description: 'Only open requests due within this many hours' }),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: { 200: { description: 'Requests', content: { 'application/json': { schema: z.object({ requests: z.array(RequestSchema) }) } } }, ...commonErrors },
});

const IdParam = z.object({ id: z.uuid().transform((s) => s.toLowerCase()).openapi({ param: { name: 'id', in: 'path' } }) });

const actionRoute = createRoute({
  method: 'post',
  path: '/v1/requests/{id}/{action}',
  tags: ['Requests'],
  summary: 'Start, complete, reject (with a reason) or extend (with a reason) a request',
  description:
    'extend moves the due date by `businessDays` (default: the most the type allows) and needs a reason, which is mailed to the person (`request-extended`). Access requests and demands to stop processing may be extended once, by up to 5 business days (152-FZ art. 14 §3, art. 21 §5.1); rectification, restriction, erasure and withdrawal not at all (409). An erasure request is completed by the erasure job, not by hand.',
  security: bearerSecurity,
  middleware: [requireScope('requests:manage')] as const,
  request: {
    params: z.object({ id: z.uuid(), action: z.enum(['start', 'complete', 'reject', 'extend']) }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ reason: z.string().trim().min(1).max(2000).optional(), businessDays: z.number().int().min(1).max(5).optional() }).strict(),
        },
      },
    },
  },
  responses: { 200: { description: 'The request now', content: { 'application/json': { schema: RequestSchema } } }, 404: commonErrors[422], 409: commonErrors[422], ...commonErrors },
});

const intakeRoute = createRoute({
  method: 'post',
  path: '/v1/subjects/{id}/requests',
  tags: ['Requests'],
  summary: 'File a request that arrived by e-mail, phone or letter',
  description:
    'erasure and withdrawal also withdraw consent to processing and suppress the address at once, exactly as the person\'s own withdrawal link does. restriction blocks the person at once and is recorded completed, due when received (152-FZ art. 21 §1). objection is a demand to stop processing (10 business days). Each type\'s deadline is in the README\'s table.',
  security: bearerSecurity,
  middleware: [requireScope('requests:manage')] as const,
  request: {
    params: IdParam,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              type: z.enum(TYPES),
              body: z.string().max(20_000).optional().openapi({ description: "The person's words, if any" }),
              receivedAt: z.iso.datetime({ offset: true }).optional().openapi({ description: 'When it reached us (defaults to now); the due date counts from it' }),
            })
            .strict(),
        },
      },
    },
  },
  responses: { 201: { description: 'Filed', content: { 'application/json': { schema: RequestSchema } } }, 404: commonErrors[422], ...commonErrors },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/v1/metrics',
  tags: ['Requests'],
  summary: 'Deadline gauges in Prometheus text format',
  security: bearerSecurity,
  middleware: [requireScope('requests:manage')] as const,
  responses: { 200: { description: 'Prometheus exposition', content: { 'text/plain': { schema: z.string() } } }, ...commonErrors },
});

/** How close to its due time an open request counts as at risk. */
export const AT_RISK_MS = 4 * 3_600_000;

/** `GET /v1/requests`, request actions, staff intake and deadline metrics. */
export function requestRoutes(deps: ResolvedDeps) {
  const app = apiApp();

  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const now = deps.clock.now();
    const requests = await listRequests(deps.db, {
      status: q.status,
      type: q.type,
      subjectId: q.subject,
      overdue: q.overdue === 'true',
      dueBefore: q.dueWithin !== undefined ? new Date(now.getTime() + q.dueWithin * 3_600_000) : undefined,
      limit: q.limit,
      now,
    });
    return c.json({ requests: requests as z.infer<typeof RequestSchema>[] }, 200);
  });

  app.openapi(actionRoute, async (c) => {
    const { id, action } = c.req.valid('param');
    const { reason, businessDays } = c.req.valid('json');
    const now = deps.clock.now();
    const out = await deps.db.transaction().execute(async (trx) => {
      const r = await getRequest(trx, id, { lock: true });
      if (!r) throw new AppError('not_found', 'No request with this id.');
      const open = r.status === 'received' || r.status === 'in_progress';
      if (!open) throw new AppError('conflict', `The request is already ${r.status}.`);
      if ((action === 'reject' || action === 'extend') && !reason) throw new AppError('validation_failed', `${action} needs a reason.`, [{ path: 'reason', message: 'required' }]);
      if (action === 'complete' && r.type === 'erasure') throw new AppError('conflict', 'Erasure requests are completed by the erasure job (npm run cli -- jobs run, or the server\'s job loop).');
      if (action === 'start') {
        await trx.updateTable('requests').set({ status: 'in_progress' }).where('id', '=', id).execute();
      } else if (action === 'complete' || action === 'reject') {
        await trx
          .updateTable('requests')
          .set({ status: action === 'complete' ? 'completed' : 'rejected', completed_at: now, status_reason: reason ?? null })
          .where('id', '=', id)
          .execute();
      } else {
        const decision = decideExtension(
          { type: r.type, receivedAt: new Date(r.received_at), dueAt: new Date(r.due_at), extensions: ((r.extensions as unknown[]) ?? []).length },
          businessDays,
          deps,
        );
        if (decision.kind === 'refused') throw new AppError('conflict', decision.reason);
        await recordExtension(trx, r, { at: now, by: c.var.apiKey.id, businessDays: decision.businessDays, reason: reason!, dueAt: decision.dueAt });
      }
      return (await getRequest(trx, id))!;
    });
    deps.logger.info('request action', { request: id, action, key: c.var.apiKey.id });
    return c.json(toRequestOut(out, now) as z.infer<typeof RequestSchema>, 200);
  });

  app.openapi(intakeRoute, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const now = deps.clock.now();
    const receivedAt = body.receivedAt ? new Date(body.receivedAt) : now;
    if (receivedAt > now) throw new AppError('validation_failed', 'receivedAt is in the future.', [{ path: 'receivedAt', message: 'must not be in the future' }]);
    let requestId: string;
    if (body.type === 'erasure' || body.type === 'withdrawal') {
      const r = await withdrawProcessing(
        deps.db,
        id,
        { actorType: 'staff', actorId: c.var.apiKey.id, at: receivedAt, source: 'staff-intake' },
        { newId: deps.newId, dueAt: (received) => dueFor('erasure', received, deps) },
      );
      if (r.kind === 'unknown_subject' || !r.requestId) throw new AppError('not_found', 'No subject with this id.');
      requestId = r.requestId;
    } else {
      requestId = deps.newId();
      await deps.db.transaction().execute(async (trx) => {
        // Lock before checking: an erasure committing meanwhile must not be followed by a
        // request whose text outlives the person.
        const subject = await trx.selectFrom('subjects').select(['id', 'status']).where('id', '=', id).forUpdate().executeTakeFirst();
        if (!subject || subject.status === 'erased') throw new AppError('not_found', 'No subject with this id.');
        // A restriction takes effect the moment it is asked for (152-FZ art. 21 §1): the person
        // is blocked now and the request recorded as done now, due when received (a letter
        // filed late shows as late).
        const atOnce = completedAtOnce(body.type);
        if (body.type === 'restriction') {
          await setRestrictedIn(trx, id, true, { actorType: 'staff', actorId: c.var.apiKey.id, at: now, source: 'staff-intake' }, 'restriction request');
        }
        await createRequest(trx, {
          id: requestId,
          subjectId: id,
          type: body.type,
          channel: 'staff',
          body: body.body ?? null,
          createdBy: c.var.apiKey.id,
          receivedAt,
          dueAt: dueFor(body.type, receivedAt, deps),
          status: atOnce ? 'completed' : undefined,
          completedAt: atOnce ? now : undefined,
        });
      });
    }
    deps.logger.info('request filed', { request: requestId, subject: id, type: body.type, key: c.var.apiKey.id });
    return c.json(toRequestOut((await getRequest(deps.db, requestId))!, now) as z.infer<typeof RequestSchema>, 201);
  });

  app.openapi(metricsRoute, async (c) => {
    const counts = await deadlineCounts(deps.db, deps.clock.now(), AT_RISK_MS);
    const text =
      '# HELP mailprefs_requests_open Data-subject requests not yet completed or rejected.\n# TYPE mailprefs_requests_open gauge\n' +
      `mailprefs_requests_open ${counts.open}\n` +
      '# HELP mailprefs_requests_overdue Open requests past their due time.\n# TYPE mailprefs_requests_overdue gauge\n' +
      `mailprefs_requests_overdue ${counts.overdue}\n` +
      '# HELP mailprefs_requests_due_soon Open requests due within 4 hours.\n# TYPE mailprefs_requests_due_soon gauge\n' +
      `mailprefs_requests_due_soon ${counts.dueSoon}\n`;
    return c.text(text, 200, { 'Content-Type': 'text/plain; version=0.0.4' });
  });

  return app;
}

