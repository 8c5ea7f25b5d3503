import { createRoute, z } from '@hono/zod-openapi';
import { apiApp, jsonBody, jsonResponse, notFound, readErrors, Timestamp, WritePurposeHeader, writeErrors } from '../api/openapi.js';
import { scoped } from '../auth/middleware.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { putTopic, removeTopic } from './actions.js';
import { listTopics } from './queries.js';
import { TOPIC_KEY, type Topic } from './rules.js';

const KeyParam = z.object({
  key: z
    .string()
    .regex(TOPIC_KEY, 'a topic key: a-z, 0-9, "-" and "_", 1 to 63 characters, starting with a letter or digit')
    .openapi({ param: { name: 'key', in: 'path' }, example: 'webinars' }),
});

const PerLocale = (max: number) => z.object({ ru: z.string().trim().max(max), en: z.string().trim().max(max) }).strict();

const TopicBody = z
  .object({
    name: z.object({ ru: z.string().trim().min(1).max(200), en: z.string().trim().min(1).max(200) }).strict(),
    description: PerLocale(2000).partial().optional(),
    defaultSubscribed: z.boolean().optional().openapi({ description: 'Whether a person who never chose receives it (default true)' }),
    countsTowardCap: z.boolean().optional().openapi({ description: 'Whether its sends share the cadence cap (default true)' }),
  })
  .strict()
  .openapi('TopicDefinition');

const TopicOut = z
  .object({
    key: z.string(),
    name: z.object({ ru: z.string(), en: z.string() }),
    description: z.object({ ru: z.string(), en: z.string() }),
    defaultSubscribed: z.boolean(),
    countsTowardCap: z.boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    removedAt: Timestamp.nullable(),
  })
  .openapi('Topic');

/** The one mapping of a topic to the API. */
export function topicOut(t: Topic) {
  return {
    key: t.key,
    name: t.name,
    description: t.description,
    defaultSubscribed: t.defaultSubscribed,
    countsTowardCap: t.countsTowardCap,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    removedAt: t.removedAt ? t.removedAt.toISOString() : null,
  };
}

const putRoute = createRoute({
  method: 'put',
  path: '/v1/topics/{key}',
  operationId: 'putTopic',
  tags: ['Topics'],
  summary: 'Define a topic (a kind of advertising mail), or replace its definition',
  description:
    'A topic refines the advertising purpose: advertising consent stays the legal basis, and service mail is never a topic. ' +
    "Putting a removed topic brings it back. People's choices are kept.",
  ...scoped('admin'),
  request: { params: KeyParam, body: jsonBody(TopicBody), headers: WritePurposeHeader },
  responses: {
    200: jsonResponse('Updated', TopicOut),
    201: jsonResponse('Created', TopicOut),
    ...writeErrors,
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/topics',
  operationId: 'listTopics',
  tags: ['Topics'],
  summary: 'The topics, in key order',
  ...scoped('links:write', 'sends:write'),
  request: {
    query: z.object({ includeRemoved: z.enum(['true', 'false']).default('false').openapi({ description: 'Also list removed topics' }) }),
  },
  responses: { 200: jsonResponse('The topics', z.object({ topics: z.array(TopicOut) })), ...readErrors },
});

const removeRoute = createRoute({
  method: 'delete',
  path: '/v1/topics/{key}',
  operationId: 'removeTopic',
  tags: ['Topics'],
  summary: 'Remove a topic',
  description:
    'No new link or reservation may name it, and the preference center stops listing it. Links already mailed still ' +
    'unsubscribe from it, and the feed keeps its records. Removing it again answers 200 with the same topic.',
  ...scoped('admin'),
  request: { params: KeyParam, headers: WritePurposeHeader },
  responses: { 200: jsonResponse('Removed', TopicOut), 404: notFound('No topic with this key'), ...readErrors },
});

/** `PUT /v1/topics/{key}`, `DELETE /v1/topics/{key}` (admin) and `GET /v1/topics` (links:write or sends:write). */
export function topicRoutes(deps: ResolvedDeps) {
  const app = apiApp();

  app.openapi(putRoute, async (c) => {
    const { key } = c.req.valid('param');
    const r = await putTopic(deps.db, key, c.req.valid('json'), deps.clock.now());
    deps.logger.info('topic put', { topic: key, outcome: r.kind, key: c.var.apiKey.id });
    return c.json(topicOut(r.topic), r.kind === 'created' ? 201 : 200);
  });

  app.openapi(listRoute, async (c) => {
    const { includeRemoved } = c.req.valid('query');
    const topics = await listTopics(deps.db, { includeRemoved: includeRemoved === 'true' });
    return c.json({ topics: topics.map(topicOut) }, 200);
  });

  app.openapi(removeRoute, async (c) => {
    const { key } = c.req.valid('param');
    const r = await removeTopic(deps.db, key, deps.clock.now());
    if (r.kind === 'unknown_topic') throw new AppError('not_found', 'No topic with this key');
    deps.logger.info('topic removed', { topic: key, outcome: r.kind, key: c.var.apiKey.id });
    return c.json(topicOut(r.topic), 200);
  });

  return app;
}
