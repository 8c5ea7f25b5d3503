import { Hono } from 'hono';
import { pingDatabase } from '../db/handle.js';
import type { ResolvedDeps } from '../deps.js';

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
