import { createRoute, z } from '@hono/zod-openapi';
import { apiApp, commonErrors, jsonBody, jsonResponse, PageLimit, SubjectIdParam } from '../api/openapi.js';
import { listAudit } from '../audit/list.js';
import { markAudited, recordAudit, statedPurpose } from '../audit/log.js';
import { scoped } from '../auth/middleware.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { rectify, setRestricted } from './actions.js';
import { recordDisclosure } from './disclosures.js';
import { findSubjectByEmail } from './search.js';
import { subjectExport, subjectProfile } from './view.js';

const purposeHeader = z.object({
  'x-purpose': z.string().optional().openapi({ description: "Why you read this person's data; required, written to the audit log" }),
});

const Profile = z
  .object({
    id: z.uuid(),
    email: z.string().nullable(),
    lastName: z.string().nullable(),
    firstName: z.string().nullable(),
    patronymic: z.string().nullable(),
    phone: z.string().nullable(),
    website: z.string().nullable(),
    organization: z.string().nullable(),
    industry: z.string().nullable(),
    city: z.string().nullable(),
    locale: z.string(),
    status: z.enum(['active', 'restricted', 'erased']),
    createdAt: z.string(),
    updatedAt: z.string(),
    consents: z.object({ processing: z.string(), marketing: z.string() }),
    preferences: z.object({ frequency: z.enum(['monthly', 'standard']), pausedUntil: z.string().nullable() }),
  })
  .openapi('Subject');

const text = (max: number) => z.string().trim().max(max).nullable().optional();
const PatchBody = z
  .object({
    email: z.string().max(320).optional(),
    lastName: text(200),
    firstName: text(200),
    patronymic: text(200),
    phone: z
      .string()
      .trim()
      .regex(/^[0-9+()\-.\s]{0,40}$/, 'a phone number: digits, spaces, + ( ) - .')
      .nullable()
      .optional(),
    website: text(2000),
    organization: text(500),
    industry: text(500),
    city: text(200),
    locale: z.enum(['ru', 'en']).optional(),
  })
  .strict()
  .openapi('Rectification');

const RectifyResult = z
  .object({
    subject: Profile,
    changed: z.array(z.string()),
    pendingEmail: z
      .object({ email: z.string(), expiresAt: z.string() })
      .optional()
      .openapi({ description: 'The address asked for, awaiting confirmation from it' }),
  })
  .openapi('RectifyResult');

const getRoute = createRoute({
  method: 'get',
  path: '/v1/subjects/{id}',
  tags: ['Subjects'],
  summary: 'A person, their consents and preferences (audited; X-Purpose required)',
  ...scoped('subjects:read'),
  request: { params: SubjectIdParam, headers: purposeHeader },
  responses: { 200: jsonResponse('The person', Profile), 404: commonErrors[422], ...commonErrors },
});

const findRoute = createRoute({
  method: 'get',
  path: '/v1/subjects',
  tags: ['Subjects'],
  summary: 'Find a person by e-mail (audited; X-Purpose required)',
  ...scoped('subjects:read'),
  request: { query: z.object({ email: z.string().max(320) }), headers: purposeHeader },
  responses: { 200: jsonResponse('Matches (at most one live person per address)', z.object({ subjects: z.array(Profile) })), ...commonErrors },
});

const patchRoute = createRoute({
  method: 'patch',
  path: '/v1/subjects/{id}',
  tags: ['Subjects'],
  summary: "Rectify a person's data (recorded); a new e-mail address waits for confirmation from that address",
  description:
    'Profile fields apply at once (200). A new `email` does not: it is held as pending and a confirmation link is mailed to it; ' +
    'the old address stays in force until the link is confirmed (202, with `pendingEmail`). The answer is the same whether or ' +
    'not the address belongs to another person (whose address it then never becomes, and who is not mailed).',
  ...scoped('subjects:write'),
  request: { params: SubjectIdParam, body: jsonBody(PatchBody) },
  responses: {
    200: jsonResponse('The person now', RectifyResult),
    202: jsonResponse('The person now; the new address waits for its confirmation', RectifyResult),
    404: commonErrors[422],
    ...commonErrors,
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/v1/subjects/{id}/export',
  tags: ['Subjects'],
  summary: 'Everything held about a person (right of access; audited; X-Purpose required)',
  ...scoped('subjects:read'),
  request: { params: SubjectIdParam, headers: purposeHeader },
  responses: { 200: jsonResponse('The export', z.record(z.string(), z.unknown())), 404: commonErrors[422], ...commonErrors },
});

const restrictionRoute = createRoute({
  method: 'put',
  path: '/v1/subjects/{id}/restriction',
  tags: ['Subjects'],
  summary: 'Block (restrict) or unblock processing for marketing',
  ...scoped('subjects:write'),
  request: {
    params: SubjectIdParam,
    body: jsonBody(z.object({ restricted: z.boolean(), reason: z.string().trim().min(1).max(2000) }).strict()),
  },
  responses: { 200: jsonResponse('Status now', z.object({ status: z.string(), changed: z.boolean() })), 404: commonErrors[422], ...commonErrors },
});

const disclosureRoute = createRoute({
  method: 'post',
  path: '/v1/subjects/{id}/disclosures',
  tags: ['Subjects'],
  summary: 'Record a disclosure to a third party (court order, subpoena)',
  ...scoped('requests:manage'),
  request: {
    params: SubjectIdParam,
    body: jsonBody(
      z
        .object({
          recipient: z.string().trim().min(1).max(500),
          legalBasis: z.string().trim().min(1).max(2000).openapi({ example: 'Court order No. 2-1234/2026 of 01.12.2026' }),
          data: z.string().trim().min(1).max(2000).openapi({ description: 'What was disclosed (categories, not the data itself)' }),
          disclosedAt: z.iso.datetime({ offset: true }).optional(),
        })
        .strict(),
    ),
  },
  responses: { 201: jsonResponse('Recorded', z.object({ id: z.uuid() })), 404: commonErrors[422], ...commonErrors },
});

const auditRoute = createRoute({
  method: 'get',
  path: '/v1/audit',
  tags: ['Subjects'],
  summary: 'Who read or changed whose data, why and when (admin)',
  ...scoped('admin'),
  request: {
    query: z.object({
      subject: z.uuid().optional(),
      key: z.string().max(64).optional(),
      before: z.coerce.number().int().positive().optional().openapi({ description: 'Page backwards: entries with id below this' }),
      limit: PageLimit,
    }),
  },
  responses: {
    200: jsonResponse(
      'Newest first',
      z.object({
        entries: z.array(
          z.object({
            id: z.number(),
            key: z.string().nullable(),
            subject: z.string().nullable(),
            action: z.string(),
            purpose: z.string().nullable(),
            requestId: z.string().nullable(),
            at: z.string(),
          }),
        ),
      }),
    ),
    ...commonErrors,
  },
});

/** The staff API over a person: read (audited), rectify, export, restrict, disclosures, and the audit log. */
export function subjectRoutes(deps: ResolvedDeps) {
  const app = apiApp();
  // The route's own, more specific row; auditStaffWrites then adds none for a write.
  const audit = (
    c: { req: { raw: Request }; var: { apiKey: { id: string } }; get(k: 'requestId'): string },
    subjectId: string | null,
    action: string,
    purpose: string,
  ) => {
    markAudited(c.req.raw);
    return recordAudit(deps.db, { keyId: c.var.apiKey.id, subjectId, action, purpose, requestId: c.get('requestId') ?? null, at: deps.clock.now() });
  };

  app.openapi(getRoute, async (c) => {
    const purpose = statedPurpose(c);
    const { id } = c.req.valid('param');
    const p = await subjectProfile(deps.db, id);
    if (!p) throw new AppError('not_found', 'No subject with this id.');
    await audit(c, id, 'subject.read', purpose);
    return c.json(p, 200);
  });

  app.openapi(findRoute, async (c) => {
    const purpose = statedPurpose(c);
    const found = await findSubjectByEmail(deps.db, deps.hasher, c.req.valid('query').email);
    if (found.kind === 'invalid_email')
      throw new AppError('validation_failed', 'Not a valid e-mail address.', [{ path: 'email', message: 'not a valid e-mail address' }]);
    const p = found.kind === 'found' ? found.profile : null;
    // A search is a read of personal data even when it finds nobody: log it either way.
    await audit(c, p?.id ?? null, p ? 'subject.search' : 'subject.search.miss', purpose);
    return c.json({ subjects: p ? [p] : [] }, 200);
  });

  app.openapi(patchRoute, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    // No 409 for an address that is someone else's: a subjects:write key need not hold
    // subjects:read, and a conflict would make this an unaudited lookup of who owns an address
    // (the audited one is GET /v1/subjects?email=). The confirmation decides instead.
    const evidence = {
      actorType: 'staff' as const,
      actorId: c.var.apiKey.id,
      at: deps.clock.now(),
      ip: deps.clientIp(c) ?? null,
      userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null,
      source: 'staff-api',
    };
    const r = await rectify(deps.db, deps.hasher, id, body, evidence, { newId: deps.newId, confirmationTtlDays: deps.config.linkTtlDays.confirmation });
    await audit(c, id, 'subject.rectify', c.req.header('x-purpose')?.slice(0, 500) ?? 'rectification');
    const subject = (await subjectProfile(deps.db, id))!;
    if (r.addressRequested) {
      return c.json(
        { subject, changed: r.changed, pendingEmail: { email: r.addressRequested.email, expiresAt: r.addressRequested.expiresAt.toISOString() } },
        202,
      );
    }
    return c.json({ subject, changed: r.changed }, 200);
  });

  app.openapi(exportRoute, async (c) => {
    const purpose = statedPurpose(c);
    const { id } = c.req.valid('param');
    const data = await subjectExport(deps.db, id, deps.clock.now());
    if (!data) throw new AppError('not_found', 'No subject with this id.');
    await audit(c, id, 'subject.export', purpose);
    return c.json(data as Record<string, unknown>, 200, { 'Content-Disposition': `attachment; filename="subject-${id}.json"` });
  });

  app.openapi(restrictionRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { restricted, reason } = c.req.valid('json');
    const changed = await setRestricted(
      deps.db,
      id,
      restricted,
      { actorType: 'staff', actorId: c.var.apiKey.id, at: deps.clock.now(), source: 'staff-api' },
      reason,
    );
    await audit(c, id, restricted ? 'subject.restrict' : 'subject.unrestrict', reason);
    return c.json({ status: restricted ? 'restricted' : 'active', changed }, 200);
  });

  app.openapi(disclosureRoute, async (c) => {
    const { id } = c.req.valid('param');
    const b = c.req.valid('json');
    const r = await recordDisclosure(
      deps.db,
      id,
      { ...b, disclosedAt: b.disclosedAt ? new Date(b.disclosedAt) : undefined },
      { keyId: c.var.apiKey.id, now: deps.clock.now(), newId: deps.newId },
    );
    if (r.kind === 'unknown_subject') throw new AppError('not_found', 'No subject with this id.');
    await audit(c, id, 'subject.disclosure', b.legalBasis);
    return c.json({ id: r.id }, 201);
  });

  app.openapi(auditRoute, async (c) => {
    const q = c.req.valid('query');
    const entries = await listAudit(deps.db, { subjectId: q.subject, keyId: q.key, before: q.before, limit: q.limit });
    return c.json({ entries }, 200);
  });

  return app;
}
