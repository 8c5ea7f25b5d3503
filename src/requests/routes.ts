import { createRoute, z } from '@hono/zod-openapi';
import {
  apiApp,
  jsonBody,
  jsonResponse,
  notFound,
  PageLimit,
  problemResponse,
  readErrors,
  SubjectIdParam,
  Timestamp,
  WritePurposeHeader,
  writeErrors,
} from '../api/openapi.js';
import { scoped } from '../auth/middleware.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { actOnRequest, deadlineGauges, fileStaffRequest, findRequests } from './actions.js';

const TYPES = ['access', 'rectification', 'restriction', 'erasure', 'appeal', 'automated_decision_appeal', 'withdrawal', 'objection'] as const;
const STATUSES = ['received', 'in_progress', 'completed', 'rejected'] as const;

export const RequestSchema = z
  .object({
    id: z.uuid(),
    subject: z.uuid(),
    type: z.enum(TYPES),
    status: z.enum(STATUSES),
    channel: z.enum(['link', 'staff']),
    receivedAt: Timestamp,
    dueAt: Timestamp,
    completedAt: Timestamp.nullable(),
    statusReason: z.string().nullable(),
    overdue: z.boolean(),
    extensions: z
      .array(
        z.object({
          at: Timestamp,
          by: z.string().openapi({ description: 'The API key id that extended it' }),
          businessDays: z.number().int(),
          reason: z.string().optional().openapi({ description: 'Mailed to the person (request-extended); removed by erasure' }),
          from: Timestamp.openapi({ description: 'The due date before' }),
          to: Timestamp.optional().openapi({ description: 'The due date it set (absent on extensions recorded before it was kept)' }),
        }),
      )
      .openapi({ description: 'Each extension of the due date, oldest first' }),
  })
  .openapi('DataSubjectRequest');

const listRoute = createRoute({
  method: 'get',
  path: '/v1/requests',
  operationId: 'listRequests',
  tags: ['Requests'],
  summary: 'Data-subject requests and their due dates, oldest due first',
  ...scoped('requests:manage'),
  request: {
    query: z.object({
      status: z.enum(STATUSES).optional(),
      type: z.enum(TYPES).optional(),
      subject: z.uuid().optional(),
      overdue: z.enum(['true', 'false']).optional().openapi({ description: 'true: only open requests past their due time' }),
      dueWithin: z.coerce
        .number()
        .int()
        .min(0)
        .max(24 * 365)
        .optional()
        .openapi({ description: 'Only open requests due within this many hours' }),
      limit: PageLimit,
    }),
  },
  responses: { 200: jsonResponse('Requests', z.object({ requests: z.array(RequestSchema) })), ...readErrors },
});

const actionRoute = createRoute({
  method: 'post',
  path: '/v1/requests/{id}/{action}',
  operationId: 'actOnRequest',
  tags: ['Requests'],
  summary: 'Start, complete, reject (with a reason) or extend (with a reason) a request',
  description:
    'extend moves the due date by `businessDays` (default: the most the type allows) and needs a reason, which is mailed to the person (`request-extended`). Access requests and demands to stop processing may be extended once, by up to 5 business days (152-FZ art. 14 §3, art. 21 §5.1); rectification, restriction, erasure and withdrawal not at all (409). An erasure request is completed by the erasure job, not by hand.',
  ...scoped('requests:manage'),
  request: {
    params: z.object({ id: z.uuid(), action: z.enum(['start', 'complete', 'reject', 'extend']) }),
    body: jsonBody(z.object({ reason: z.string().trim().min(1).max(2000).optional(), businessDays: z.number().int().min(1).max(5).optional() }).strict()),
    headers: WritePurposeHeader,
  },
  responses: {
    200: jsonResponse('The request now', RequestSchema),
    404: notFound('No request with this id'),
    409: problemResponse('The request is closed already, or the deadline table does not allow this (the rule is in `detail`)'),
    ...writeErrors,
  },
});

const intakeRoute = createRoute({
  method: 'post',
  path: '/v1/subjects/{id}/requests',
  operationId: 'fileRequest',
  tags: ['Requests'],
  summary: 'File a request that arrived by e-mail, phone or letter',
  description:
    "erasure and withdrawal also withdraw consent to processing and suppress the address at once, exactly as the person's own withdrawal link does. restriction blocks the person at once and is recorded completed, due when received (152-FZ art. 21 §1). objection is a demand to stop processing (10 business days). Each type's deadline is in the README's table.",
  ...scoped('requests:manage'),
  request: {
    params: SubjectIdParam,
    body: jsonBody(
      z
        .object({
          type: z.enum(TYPES),
          body: z.string().max(20_000).optional().openapi({ description: "The person's words, if any" }),
          receivedAt: z.iso.datetime({ offset: true }).optional().openapi({ description: 'When it reached us (defaults to now); the due date counts from it' }),
        })
        .strict(),
    ),
    headers: WritePurposeHeader,
  },
  responses: { 201: jsonResponse('Filed', RequestSchema), 404: notFound(), ...writeErrors },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/v1/metrics',
  operationId: 'getMetrics',
  tags: ['Requests'],
  summary: 'Deadline gauges in Prometheus text format',
  ...scoped('requests:manage'),
  responses: {
    200: {
      description: 'Prometheus text exposition format 0.0.4: mailprefs_requests_open, mailprefs_requests_overdue, mailprefs_requests_due_soon (gauges)',
      content: { 'text/plain': { schema: z.string() } },
    },
    401: readErrors[401],
    403: readErrors[403],
    500: readErrors[500],
    503: readErrors[503],
  },
});

/** `GET /v1/requests`, request actions, staff intake and deadline metrics. */
export function requestRoutes(deps: ResolvedDeps) {
  const app = apiApp();

  app.openapi(listRoute, async (c) => {
    const { subject, overdue, dueWithin, ...q } = c.req.valid('query');
    const requests = await findRequests(deps.db, { ...q, subjectId: subject, overdue: overdue === 'true', dueWithinHours: dueWithin }, deps.clock.now());
    return c.json({ requests: requests as z.infer<typeof RequestSchema>[] }, 200);
  });

  app.openapi(actionRoute, async (c) => {
    const { id, action } = c.req.valid('param');
    const out = await actOnRequest(deps.db, id, action, { ...c.req.valid('json'), by: c.var.apiKey.id, now: deps.clock.now() }, deps);
    if (out.kind === 'not_found') throw new AppError('not_found', 'No request with this id.');
    if (out.kind === 'closed') throw new AppError('conflict', `The request is already ${out.status}.`);
    if (out.kind === 'reason_required') throw new AppError('validation_failed', `${out.action} needs a reason.`, [{ path: 'reason', message: 'required' }]);
    if (out.kind === 'refused') throw new AppError('conflict', out.reason);
    deps.logger.info('request action', { request: id, action, key: c.var.apiKey.id });
    return c.json(out.request as z.infer<typeof RequestSchema>, 200);
  });

  app.openapi(intakeRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { receivedAt, ...body } = c.req.valid('json');
    const out = await fileStaffRequest(
      deps.db,
      id,
      { ...body, receivedAt: receivedAt ? new Date(receivedAt) : undefined, by: c.var.apiKey.id, now: deps.clock.now() },
      deps,
    );
    if (out.kind === 'received_in_future')
      throw new AppError('validation_failed', 'receivedAt is in the future.', [{ path: 'receivedAt', message: 'must not be in the future' }]);
    if (out.kind === 'unknown_subject') throw new AppError('not_found', 'No subject with this id.');
    deps.logger.info('request filed', { request: out.request.id, subject: id, type: body.type, key: c.var.apiKey.id });
    return c.json(out.request as z.infer<typeof RequestSchema>, 201);
  });

  app.openapi(metricsRoute, async (c) => {
    const counts = await deadlineGauges(deps.db, deps.clock.now());
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
