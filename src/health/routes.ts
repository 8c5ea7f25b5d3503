import { createRoute, z } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { pingDatabase } from '../db/handle.js';
import type { ResolvedDeps } from '../deps.js';

/** `GET /healthz` as the OpenAPI document describes it (registered in app.ts; served below). */
export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['Service'],
  summary: 'Whether the service and its database answer',
  description: 'No authentication and no data: for load balancers and orchestrators.',
  security: [],
  responses: {
    200: { description: 'The database answers', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } },
    503: {
      description: 'The database does not answer; take this instance out of rotation',
      content: { 'application/json': { schema: z.object({ status: z.literal('unavailable') }) } },
    },
  },
});

/** `GET /healthz`: 200 when the database answers, 503 otherwise. No data, no auth. */
export function healthRoutes(deps: ResolvedDeps) {
  const app = new Hono();
  app.get('/healthz', async (c) => {
    try {
      await pingDatabase(deps.db);
      return c.json({ status: 'ok' });
    } catch (e) {
      deps.logger.error('health check failed', { error: String(e) });
      return c.json({ status: 'unavailable' }, 503);
    }
  });
  return app;
}
