import { createRoute, z } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { pingDatabase } from '../db/handle.js';
import type { ResolvedDeps } from '../deps.js';
import { RETRY_AFTER_SECONDS } from '../errors/index.js';

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
      description: 'The database does not answer within the bound; take this instance out of rotation',
      headers: { 'Retry-After': { description: 'Seconds to wait before asking again', schema: { type: 'integer' } } },
      content: { 'application/json': { schema: z.object({ status: z.literal('unavailable') }) } },
    },
  },
});

/**
 * `GET /healthz`: 200 when the database answers, 503 (with `Retry-After`) otherwise. No data, no
 * auth. It answers within the pool's wait bound plus a second whatever the database does: a
 * probe that hangs with the pool would tell the load balancer nothing.
 */
export function healthRoutes(deps: ResolvedDeps) {
  const app = new Hono();
  const boundMs = deps.config.db.acquireTimeoutMs + 1_000;
  app.get('/healthz', async (c) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        pingDatabase(deps.db),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${boundMs} ms`)), boundMs);
        }),
      ]);
      return c.json({ status: 'ok' });
    } catch (e) {
      deps.logger.warn('health check failed', { code: (e as { code?: string }).code, error: e instanceof Error ? e.message.slice(0, 200) : String(e) });
      return c.json({ status: 'unavailable' }, 503, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
    } finally {
      clearTimeout(timer);
    }
  });
  return app;
}
