import { createRoute, z } from '@hono/zod-openapi';
import { apiApp, EMAIL_FORMAT, jsonBody, jsonResponse, problemResponse, writeErrors } from '../api/openapi.js';
import { scoped } from '../auth/middleware.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { normalizeIp } from '../privacy/client-ip.js';
import { PROFILE_FIELDS } from '../subjects/profile.js';
import { captureLead } from './capture.js';
import { normalizeEmail } from './email.js';

const text = (max: number) => z.string().trim().min(1).max(max);

export const LeadBody = z
  .object({
    email: z
      .string()
      .max(320)
      .openapi({ ...EMAIL_FORMAT, example: 'ivan.petrov@example.ru' }),
    lastName: text(200).optional(),
    firstName: text(200).optional(),
    patronymic: text(200).optional(),
    phone: z
      .string()
      .trim()
      .regex(/^[0-9+()\-.\s]{3,40}$/, 'a phone number: digits, spaces, + ( ) - .')
      .optional(),
    website: text(2000).optional(),
    organization: text(500).optional(),
    industry: text(500).optional(),
    city: text(200).optional(),
    locale: z.enum(['ru', 'en']).optional(),
    consents: z
      .object({
        processing: z.boolean().openapi({
          enum: [true],
          description:
            'Consent to processing of personal data (152-FZ art. 9): must be true, a lead is registered only under it. ' +
            'false is refused with 422, code consent_required, and nothing is stored.',
        }),
        marketing: z
          .boolean()
          .default(false)
          .openapi({ description: 'Consent to advertising mail (38-FZ art. 18): separate and optional; pending until confirmed with double opt-in' }),
      })
      .strict()
      .openapi({ description: 'Processing consent is required (true); marketing is separate and optional.' }),
    policyVersion: text(100).openapi({ example: '2025-06-01' }),
    source: text(200).optional().openapi({ example: 'site:contact-form' }),
    ip: z
      .union([z.ipv4().openapi({ format: 'ipv4' }), z.ipv6().openapi({ format: 'ipv6' })])
      .optional()
      .openapi({ description: "The visitor's IP as the site saw it" }),
    userAgent: z.string().max(1000).optional(),
  })
  .strict()
  .openapi('Lead');

const ConsentStates = z.object({
  processing: z.enum(['granted']),
  marketing: z.enum(['none', 'pending', 'granted', 'withdrawn']),
});

export const LeadResult = z.object({ id: z.uuid(), consents: ConsentStates }).openapi('LeadResult');

const captureRoute = createRoute({
  method: 'post',
  path: '/v1/subjects',
  operationId: 'captureLead',
  tags: ['Consent'],
  summary: "Register a lead from the site's form, with consent evidence",
  description:
    'Consent to processing is required: `consents.processing` must be true, otherwise 422 with code `consent_required` and nothing is stored. ' +
    'The address must be one the service can mail (422 with code `validation_failed` otherwise).',
  ...scoped('leads:write'),
  request: { body: jsonBody(LeadBody) },
  responses: {
    201: {
      description:
        "This key's first submission of this address (whether or not anyone else knew it): consents as a first submission leaves them. " +
        'For an address already known, the submitted profile waits for a confirmation mailed to that address.',
      content: { 'application/json': { schema: LeadResult } },
    },
    200: jsonResponse('This key had submitted this address before: the actual consents; the submission is appended to the evidence', LeadResult),
    ...writeErrors,
    422: problemResponse(
      'The body does not match the schema or the address cannot be mailed (code validation_failed), or consents.processing is not true (code consent_required)',
    ),
  },
});

/** `POST /v1/subjects` (leads:write). */
export function consentRoutes(deps: ResolvedDeps) {
  const app = apiApp();
  app.openapi(captureRoute, async (c) => {
    const body = c.req.valid('json');
    const email = normalizeEmail(body.email);
    if (!email) throw new AppError('validation_failed', 'The e-mail address is not valid.', [{ path: 'email', message: 'not a valid e-mail address' }]);
    if (!body.consents.processing) {
      throw new AppError('consent_required', 'Consent to processing of personal data is required to register a lead.', [
        { path: 'consents.processing', message: 'must be true' },
      ]);
    }
    const profile: Record<string, string> = {};
    for (const f of PROFILE_FIELDS) if (body[f] !== undefined) profile[f] = body[f];
    const result = await captureLead(
      deps.db,
      {
        hasher: deps.hasher,
        doubleOptIn: deps.config.doubleOptIn,
        defaultLocale: deps.config.defaultLocale,
        newId: deps.newId,
        confirmationTtlDays: deps.config.linkTtlDays.confirmation,
      },
      {
        email,
        profile,
        locale: body.locale,
        marketing: body.consents.marketing,
        policyVersion: body.policyVersion,
        source: body.source ?? null,
        // Canonical, like the address the runtime reports (IPv4-mapped IPv6 as IPv4).
        ip: normalizeIp(body.ip) ?? null,
        userAgent: body.userAgent ?? null,
      },
      // The person consents; the site's key only relays the form, so it is named as the channel.
      { actorType: 'subject', actorId: `via-key:${c.var.apiKey.id}`, at: deps.clock.now() },
    );
    deps.logger.info('lead captured', {
      subject: result.id,
      created: result.created,
      profilePending: result.profilePending,
      marketing: result.consents.marketing,
      key: c.var.apiKey.id,
    });
    // Neither the status nor the consents tell a key whether anyone else knew the address: a
    // key's first submission of an address answers 201 with what this submission gives a person
    // new at this address (marketing pending with double opt-in or when the address was left by
    // its own unsubscribe, withdrawal or erasure; granted without double opt-in; none when not
    // ticked), whatever the known person's actual state. Only a repeat by the same key answers
    // 200 with the actual state. The actual state is for subjects:read (audited) and decides
    // reservations either way.
    if (!result.seenByChannel)
      return c.json({ id: result.id, consents: { processing: 'granted' as const, marketing: result.asFirstSubmission.marketing } }, 201);
    return c.json({ id: result.id, consents: { processing: 'granted' as const, marketing: result.consents.marketing } }, 200);
  });
  return app;
}
