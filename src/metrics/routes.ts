import { createRoute, z } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { apiApp, readErrors } from '../api/openapi.js';
import { bearerAuth, requireScope } from '../auth/middleware.js';
import type { ResolvedDeps } from '../deps.js';
import { redactAddresses } from '../privacy/redact.js';
import { renderDatabaseGauges } from './exposition.js';
import type { Metrics } from './metrics.js';
import { readDatabaseGaugesWithin } from './queries.js';

export type MetricsDeps = Pick<ResolvedDeps, 'db' | 'config' | 'clock' | 'logger'> & { metrics: Metrics };

/** `GET /metrics` on the public port, as the document describes it (only when METRICS_PORT is unset). */
export const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getPrometheusMetrics',
  tags: ['Service'],
  summary: 'Prometheus metrics (text exposition format 0.0.4)',
  description:
    'Requests and latency per route template, unsubscribes, reservation decisions, the outbox, push lag per endpoint and open/overdue requests (README "Metrics" lists each family). ' +
    'Served here only when METRICS_PORT is unset; with it, on that port (METRICS_HOST) without authentication and not here.',
  security: [{ bearer: ['metrics:read'] }, { bearer: ['admin'] }],
  responses: {
    200: { description: 'The exposition', content: { 'text/plain': { schema: z.string() } } },
    401: readErrors[401],
    403: readErrors[403],
    500: readErrors[500],
  },
});

/** The exposition: the process's own metrics, then the database's gauges read within their bound. */
async function exposition(deps: MetricsDeps): Promise<string> {
  const [own, gauges] = await Promise.all([
    deps.metrics.processText(),
    readDatabaseGaugesWithin(deps.db, deps.config.pushEndpoints, deps.clock.now(), deps.config.metrics.dbTimeoutMs, (e) =>
      deps.logger.warn('metrics: the database gauges were not read', {
        code: (e as { code?: string }).code,
        error: redactAddresses(e instanceof Error ? e.message : String(e)).slice(0, 200),
      }),
    ),
  ]);
  return `${own}${own && !own.endsWith('\n') ? '\n' : ''}${renderDatabaseGauges(gauges)}`;
}

/**
 * `GET /metrics` on the public port, for a key with `metrics:read` (or `admin`): mounted by the
 * app when `METRICS_PORT` is unset.
 *
 * @example
 * app.route('/', publicMetricsRoutes(deps));
 */
export function publicMetricsRoutes(deps: MetricsDeps) {
  const app = apiApp();
  app.use('/metrics', bearerAuth(deps.db), requireScope('metrics:read'));
  app.openapi(metricsRoute, async (c) => c.text(await exposition(deps), 200, { 'Content-Type': deps.metrics.contentType, 'Cache-Control': 'no-store' }));
  return app;
}

/**
 * The app of the internal metrics port (`METRICS_PORT`): `GET /metrics` without auth, nothing
 * else. Whoever reaches that port (`METRICS_HOST`, loopback by default) may read counts.
 *
 * @example
 * serveWithLimits(internalMetricsApp(deps).fetch, { port: 9464, hostname: '127.0.0.1' }, config.http);
 */
export function internalMetricsApp(deps: MetricsDeps) {
  const app = new Hono();
  app.get('/metrics', async (c) => c.body(await exposition(deps), 200, { 'Content-Type': deps.metrics.contentType, 'Cache-Control': 'no-store' }));
  app.notFound((c) => c.text('Not found: this port serves GET /metrics only.\n', 404));
  app.onError((e, c) => {
    deps.logger.error('metrics scrape failed', { error: e instanceof Error ? e.message.slice(0, 200) : String(e) });
    return c.text('The metrics could not be gathered; the log says why.\n', 500);
  });
  return app;
}
