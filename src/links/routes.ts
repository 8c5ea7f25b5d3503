import { createRoute, z } from '@hono/zod-openapi';
import { apiApp, jsonBody, jsonResponse, WritePurposeHeader, writeErrors } from '../api/openapi.js';
import { scoped } from '../auth/middleware.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { findTopic } from '../topics/queries.js';
import { TOPIC_KEY } from '../topics/rules.js';
import { linksFor } from './build.js';

export const MAX_LINK_SUBJECTS = 10_000;

const LinksBody = z
  .object({
    // Ids are stored lower-case; senders (SQL Server, for one) may hand them upper-case.
    subjects: z
      .array(z.uuid().transform((s) => s.toLowerCase()))
      .min(1)
      .max(MAX_LINK_SUBJECTS),
    // Text PostgreSQL cannot store is refused by apiApp()'s one check, before anything is signed.
    campaignId: z.string().trim().min(1).max(200).optional(),
    topic: z
      .string()
      .regex(TOPIC_KEY, 'a topic key')
      .optional()
      .openapi({
        description:
          'The topic of this mail (GET /v1/topics): its unsubscribe link and List-Unsubscribe header leave that topic only, and its page offers ' +
          'all advertising mail as a second choice. Absent: the links leave all advertising mail. An unknown or removed topic is refused (422).',
        example: 'webinars',
      }),
  })
  .strict()
  .openapi('LinksRequest');

const LinkSet = z
  .object({
    subject: z.uuid(),
    unsubscribeUrl: z.url(),
    preferencesUrl: z.url(),
    withdrawUrl: z.url(),
    headers: z.object({ 'List-Unsubscribe': z.string(), 'List-Unsubscribe-Post': z.literal('List-Unsubscribe=One-Click') }),
  })
  .openapi('LinkSet');

const route = createRoute({
  method: 'post',
  path: '/v1/links',
  operationId: 'createLinks',
  tags: ['Links'],
  summary: 'Signed links and List-Unsubscribe headers for up to 10,000 subjects',
  description: 'Duplicates are answered once. Ids that are unknown or erased get no links and are listed in `unknown`: do not mail them.',
  ...scoped('links:write'),
  request: { body: jsonBody(LinksBody), headers: WritePurposeHeader },
  responses: {
    200: jsonResponse('One link set per known subject, in request order', z.object({ links: z.array(LinkSet), unknown: z.array(z.uuid()) })),
    ...writeErrors,
  },
});

/** `POST /v1/links` (links:write). */
export function linkRoutes(deps: ResolvedDeps) {
  const app = apiApp();
  app.openapi(route, async (c) => {
    const { subjects, campaignId, topic } = c.req.valid('json');
    if (topic !== undefined) {
      const t = await findTopic(deps.db, topic);
      if (!t || t.removedAt) {
        throw new AppError('validation_failed', `No topic ${topic} to send mail in (GET /v1/topics lists them); nothing was signed.`, [
          { path: 'topic', message: t ? 'this topic was removed' : 'no topic with this key' },
        ]);
      }
    }
    const { links, unknown } = await linksFor(deps.db, deps, subjects, campaignId, topic);
    return c.json({ links, unknown }, 200);
  });
  return app;
}
