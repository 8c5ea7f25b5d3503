/**
 * The limits' servers: the least an HTTP handler can do for the same work, in its own process
 * like the service, on the same kind of port.
 *
 *   BARE=unsubscribe DATABASE_URL=... PORT=... node --import tsx bench/lib/bare-server.ts
 *     POST /x/:subjectId runs the very function the one-click route calls (the same SQL), with
 *     the subject id instead of a token: no verification, no form parsing, no middleware, no page.
 *   BARE=static BODY_FILE=... CONTENT_TYPE=... PORT=...
 *     GET anything answers the same bytes (the page the service rendered).
 */
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createPostgresDb } from '../../src/db/postgres.js';
import { unsubscribe } from '../../src/unsubscribe/actions.js';

const app = new Hono();
app.get('/healthz', (c) => c.text('ok'));

if (process.env.BARE === 'unsubscribe') {
  const { db } = createPostgresDb(process.env.DATABASE_URL!, { max: Number(process.env.DB_POOL_MAX ?? 32) });
  app.post('/x/:id', async (c) => {
    const outcome = await unsubscribe(db, c.req.param('id'), { actorType: 'subject', at: new Date(), campaignId: 'bench', source: 'one-click' });
    return c.text(outcome.kind);
  });
} else if (process.env.BARE === 'static') {
  const body = readFileSync(process.env.BODY_FILE!);
  const type = process.env.CONTENT_TYPE ?? 'text/html; charset=utf-8';
  app.get('*', (c) => c.body(body, 200, { 'content-type': type }));
} else {
  throw new Error('BARE=unsubscribe or BARE=static');
}

serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
