import { createRoute, z } from '@hono/zod-openapi';
import {
  apiApp,
  EMAIL_FORMAT,
  EmailOut,
  jsonBody,
  jsonResponse,
  notFound,
  PageLimit,
  PurposeHeader,
  purposeMissing,
  readErrors,
  SubjectIdParam,
  Timestamp,
  WritePurposeHeader,
  writeErrors,
} from '../api/openapi.js';
import { listAudit } from '../audit/list.js';
import { markAudited, recordAudit, statedPurpose } from '../audit/log.js';
import { scoped } from '../auth/middleware.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { rectify, setRestricted } from './actions.js';
import { recordDisclosure } from './disclosures.js';
import { findSubjectByEmail } from './search.js';
import { subjectExport, subjectProfile } from './view.js';

/** The errors of a read of personal data: those of every read, and 400 without X-Purpose. */
const personalReadErrors = { 400: purposeMissing, ...readErrors } as const;

// An enum in the document; a string to the type checker (subjects/view.ts reads the column as text).
const ConsentState = z.string().openapi({ enum: ['none', 'pending', 'granted', 'withdrawn'] });

const Profile = z
  .object({
    id: z.uuid(),
    email: EmailOut.nullable().openapi({ description: 'Normalized (lower-case, the domain in ASCII); null after erasure' }),
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
    createdAt: Timestamp,
    updatedAt: Timestamp,
    consents: z.object({ processing: ConsentState, marketing: ConsentState }),
    preferences: z.object({
      frequency: z.enum(['monthly', 'standard']),
      pausedUntil: z.string().nullable().openapi({ format: 'date', description: 'No mail until the end of this day (TIME_ZONE)' }),
    }),
    topics: z
      .array(
        z.object({
          topic: z.string(),
          subscribed: z.boolean().openapi({
            description: 'Whether they receive this topic, as far as the topic goes (advertising consent, suppression and cadence decide the rest)',
          }),
          chosen: z.boolean().openapi({ description: "false: they never chose, and the topic's default decides" }),
          since: Timestamp.nullable().openapi({ description: 'When they chose; null when they never did' }),
        }),
      )
      .openapi({ description: 'Every live topic (GET /v1/topics), in key order' }),
  })
  .openapi('Subject');

const nullableTimestamp = Timestamp.nullable();

/** The right-of-access export (subjects/view.ts `subjectExport`), field by field. */
const SubjectExport = z
  .object({
    exportedAt: Timestamp,
    subject: Profile,
    consentEvents: z
      .array(
        z.object({
          purpose: z
            .enum(['processing', 'marketing'])
            .nullable()
            .openapi({ description: 'null for an event about the person rather than one purpose (e.g. erased)' }),
          action: z
            .string()
            .openapi({ description: 'What happened: granted, confirmed, unsubscribed, withdrawn, suppressed, restricted…', example: 'granted' }),
          actor: z.enum(['subject', 'staff', 'mail_sender', 'system']),
          at: nullableTimestamp,
          ip: z.string().nullable(),
          userAgent: z.string().nullable(),
          policyVersion: z.string().nullable(),
          source: z.string().nullable(),
          campaignId: z.string().nullable(),
          topic: z.string().optional().openapi({ description: 'For topic_unsubscribed and topic_subscribed: the topic' }),
        }),
      )
      .openapi({ description: 'The consent ledger, the evidence of every grant and withdrawal, oldest first' }),
    sends: z.array(z.object({ campaignId: z.string(), status: z.string(), reservedAt: nullableTimestamp, sentAt: nullableTimestamp })),
    suppression: z
      .object({ reason: z.enum(['unsubscribed', 'withdrawn', 'erased', 'bounced', 'complained', 'manual']), active: z.boolean(), since: nullableTimestamp })
      .nullable()
      .openapi({ description: "The suppression entry of the person's current address, if any" }),
    requests: z.array(
      z.object({
        id: z.uuid(),
        type: z.string(),
        status: z.enum(['received', 'in_progress', 'completed', 'rejected']),
        receivedAt: nullableTimestamp,
        dueAt: nullableTimestamp,
        completedAt: nullableTimestamp,
        statusReason: z.string().nullable(),
        text: z.string().nullable().openapi({ description: "The person's own words, if any" }),
      }),
    ),
    disclosures: z.array(z.object({ recipient: z.string(), legalBasis: z.string(), data: z.string(), at: nullableTimestamp })),
    topics: z
      .array(z.object({ topic: z.string(), subscribed: z.boolean(), since: nullableTimestamp }))
      .openapi({ description: "The person's own choices per topic (the topics they never chose on follow each topic's default)" }),
  })
  .openapi('SubjectExport');

const text = (max: number) => z.string().trim().max(max).nullable().optional();
const PatchBody = z
  .object({
    email: z
      .string()
      .max(320)
      .optional()
      .openapi({ ...EMAIL_FORMAT, description: 'A new address: it waits for the confirmation link mailed to it (202)' }),
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
      .object({ email: EmailOut, expiresAt: Timestamp })
      .optional()
      .openapi({ description: 'The address asked for, awaiting confirmation from it' }),
  })
  .openapi('RectifyResult');

const getRoute = createRoute({
  method: 'get',
  path: '/v1/subjects/{id}',
  operationId: 'getSubject',
  tags: ['Subjects'],
  summary: 'A person, their consents and preferences (audited; X-Purpose required)',
  ...scoped('subjects:read'),
  request: { params: SubjectIdParam, headers: PurposeHeader },
  responses: { 200: jsonResponse('The person', Profile), 404: notFound(), ...personalReadErrors },
});

const findRoute = createRoute({
  method: 'get',
  path: '/v1/subjects',
  operationId: 'findSubjects',
  tags: ['Subjects'],
  summary: 'Find a person by e-mail (audited; X-Purpose required)',
  ...scoped('subjects:read'),
  request: { query: z.object({ email: z.string().max(320).openapi(EMAIL_FORMAT) }), headers: PurposeHeader },
  responses: { 200: jsonResponse('Matches (at most one live person per address)', z.object({ subjects: z.array(Profile) })), ...personalReadErrors },
});

const patchRoute = createRoute({
  method: 'patch',
  path: '/v1/subjects/{id}',
  operationId: 'rectifySubject',
  tags: ['Subjects'],
  summary: "Rectify a person's data (recorded); a new e-mail address waits for confirmation from that address",
  description:
    'Profile fields apply at once (200). A new `email` does not: it is held as pending and a confirmation link is mailed to it; ' +
    'the old address stays in force until the link is confirmed (202, with `pendingEmail`). The answer is the same whether or ' +
    'not the address belongs to another person (whose address it then never becomes, and who is not mailed).',
  ...scoped('subjects:write'),
  request: { params: SubjectIdParam, body: jsonBody(PatchBody), headers: WritePurposeHeader },
  responses: {
    200: jsonResponse('The person now', RectifyResult),
    202: jsonResponse('The person now; the new address waits for its confirmation', RectifyResult),
    404: notFound(),
    ...writeErrors,
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/v1/subjects/{id}/export',
  operationId: 'exportSubject',
  tags: ['Subjects'],
  summary: 'Everything held about a person (right of access; audited; X-Purpose required)',
  description: 'The same export the person downloads from the preference center (152-FZ art. 14). Sent as an attachment (`Content-Disposition`).',
  ...scoped('subjects:read'),
  request: { params: SubjectIdParam, headers: PurposeHeader },
  responses: {
    200: {
      ...jsonResponse('The export', SubjectExport),
      headers: { 'Content-Disposition': { description: 'attachment; filename="subject-<id>.json"', schema: { type: 'string' } } },
    },
    404: notFound(),
    ...personalReadErrors,
  },
});

const restrictionRoute = createRoute({
  method: 'put',
  path: '/v1/subjects/{id}/restriction',
  operationId: 'setRestriction',
  tags: ['Subjects'],
  summary: 'Block (restrict) or unblock processing for marketing',
  ...scoped('subjects:write'),
  request: {
    params: SubjectIdParam,
    body: jsonBody(z.object({ restricted: z.boolean(), reason: z.string().trim().min(1).max(2000) }).strict()),
  },
  responses: {
    200: jsonResponse('Status now', z.object({ status: z.enum(['active', 'restricted']), changed: z.boolean() })),
    404: notFound(),
    ...writeErrors,
  },
});

const disclosureRoute = createRoute({
  method: 'post',
  path: '/v1/subjects/{id}/disclosures',
  operationId: 'recordDisclosure',
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
  responses: { 201: jsonResponse('Recorded', z.object({ id: z.uuid() })), 404: notFound(), ...writeErrors },
});

const auditRoute = createRoute({
  method: 'get',
  path: '/v1/audit',
  operationId: 'listAudit',
  tags: ['Audit'],
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
            at: Timestamp,
          }),
        ),
      }),
    ),
    ...readErrors,
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
    return c.json(data, 200, { 'Content-Disposition': `attachment; filename="subject-${id}.json"` });
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
    return c.json({ status: restricted ? ('restricted' as const) : ('active' as const), changed }, 200);
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
