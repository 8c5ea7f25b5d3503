import { createRoute, z } from '@hono/zod-openapi';
import { Hono } from 'hono';
import type { ResolvedDeps } from '../deps.js';
import { RETRY_AFTER_SECONDS } from '../errors/index.js';
import { readiness } from './readiness.js';

/** `GET /healthz` as the OpenAPI document describes it (registered in app.ts; served below). */
export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['Service'],
  summary: 'Whether the process is up (liveness)',
  description:
    'No authentication, no data, and no database: it answers 200 whenever the process serves HTTP, so an orchestrator restarts only a process that is stuck, never one whose database is away. Whether to send traffic here is `/readyz`.',
  security: [],
  responses: {
    200: { description: 'The process is up', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } },
  },
});

const READY_REASONS = ['database', 'migrations_pending', 'migrations_unknown', 'draining'] as const;

/** `GET /readyz` as the OpenAPI document describes it. */
export const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  tags: ['Service'],
  summary: 'Whether this instance should take traffic (readiness)',
  description:
    'No authentication and no data: for load balancers. 200 when the database answers within its bound and the migrations applied are exactly the ones this code knows; 503 otherwise, and while the process shuts down.',
  security: [],
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } },
    503: {
      description:
        'Not ready; `reason`: `database` (no answer within the bound), `migrations_pending` (the database lacks migrations this code needs), `migrations_unknown` (the database has migrations this code does not know: a newer release migrated it), `draining` (shutting down)',
      headers: { 'Retry-After': { description: 'Seconds to wait before asking again', schema: { type: 'integer' } } },
      content: { 'application/json': { schema: z.object({ status: z.literal('unavailable'), reason: z.enum(READY_REASONS) }) } },
    },
  },
});

/**
 * `GET /healthz` (the process answers: liveness, no database) and `GET /readyz` (the database
 * answers within the pool's wait bound plus a second, its migrations are this code's, and the
 * process is not draining). No data, no auth.
 */
export function healthRoutes(deps: ResolvedDeps) {
  const app = new Hono();
  const boundMs = deps.config.db.acquireTimeoutMs + 1_000;
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const r = deps.draining() ? ({ ready: false, reason: 'draining' } as const) : await readiness(deps.db, boundMs);
    if (r.ready) return c.json({ status: 'ok' });
    if (r.reason !== 'draining') {
      deps.logger.warn('not ready', { reason: r.reason, ...(r.detail ? { detail: r.detail } : {}) });
    }
    return c.json({ status: 'unavailable', reason: r.reason }, 503, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
  });
  return app;
}
