import { createRoute, z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import { apiApp, commonErrors, jsonBody, jsonResponse } from '../api/openapi.js';
import { hasScope } from '../auth/keys.js';
import { scoped } from '../auth/middleware.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { suppressManually } from './actions.js';
import { etagMatches, FEED_TYPES, feedChunks, feedEtag } from './feed.js';
import { readFeed, sequenceSuppressions } from './queries.js';

const FeedQuery = z.object({
  since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).openapi({ description: 'Return records with seq greater than this' }),
  format: z.enum(['ndjson', 'csv', 'json']).default('ndjson'),
  limit: z.coerce.number().int().min(1).max(10_000_000).optional().openapi({ description: 'At most this many records; page on with since=<last seq>' }),
});

const FeedRecordSchema = z
  .object({
    seq: z.number().int(),
    hash: z.string().openapi({ description: 'HMAC-SHA256 (hex) of the normalized address with SUPPRESSION_HASH_KEY' }),
    email: z.string().optional().openapi({ description: 'Only for the suppressions:read scope, and never after erasure' }),
    reason: z.enum(['unsubscribed', 'withdrawn', 'erased', 'bounced', 'complained', 'manual']),
    active: z.boolean().openapi({ description: 'false: a lifted entry (tombstone); the address may be mailed again' }),
    createdAt: z.string(),
  })
  .openapi('SuppressionRecord');

const feedRoute = createRoute({
  method: 'get',
  path: '/v1/suppressions',
  tags: ['Suppressions'],
  summary: 'The suppression list as an incremental, streamed feed',
  description:
    'Records in seq order, one per address at its latest state. Keep the highest seq you applied and ask with since=<it> next time. ' +
    'ETag is the high-water mark: send If-None-Match to get 304 when nothing changed. X-High-Water-Mark says the last seq this response can reach.',
  ...scoped('suppressions:read', 'suppressions:read:hashed'),
  request: { query: FeedQuery },
  responses: {
    200: {
      description: 'The records',
      content: {
        'application/x-ndjson': { schema: FeedRecordSchema },
        'text/csv': { schema: z.string() },
        'application/json': { schema: z.object({ records: z.array(FeedRecordSchema), highWaterMark: z.number().int() }) },
      },
    },
    304: { description: 'Nothing changed since the ETag you sent' },
    ...commonErrors,
  },
});

const ManualBody = z
  .object({
    entries: z
      .array(z.object({ email: z.string().max(320), note: z.string().trim().max(500).optional() }).strict())
      .min(1)
      .max(10_000),
  })
  .strict()
  .openapi('ManualSuppressions');

const manualRoute = createRoute({
  method: 'post',
  path: '/v1/suppressions',
  tags: ['Suppressions'],
  summary: 'Suppress addresses by hand (reason manual)',
  description: 'All or nothing: one invalid address refuses the whole request. An address already suppressed keeps its entry.',
  ...scoped('suppressions:write'),
  request: { body: jsonBody(ManualBody) },
  responses: {
    200: jsonResponse('How many entries were added; the others were already suppressed', z.object({ added: z.number().int(), unchanged: z.number().int() })),
    ...commonErrors,
  },
});

/** `GET /v1/suppressions` (suppressions:read or :hashed) and `POST /v1/suppressions` (suppressions:write). */
export function suppressionRoutes(deps: ResolvedDeps) {
  const app = apiApp();

  app.openapi(feedRoute, async (c) => {
    const { since, format, limit } = c.req.valid('query');
    const withEmail = hasScope(c.var.apiKey, ['suppressions:read']);
    const hwm = await sequenceSuppressions(deps.db);
    const etag = feedEtag(hwm, withEmail);
    c.header('ETag', etag);
    c.header('X-High-Water-Mark', String(hwm));
    c.header('Cache-Control', 'private, no-cache');
    c.header('Vary', 'Authorization');
    if (etagMatches(c.req.header('if-none-match'), etag)) return c.body(null, 304);
    c.header('Content-Type', FEED_TYPES[format]);
    const records = readFeed(deps.db, since, hwm, limit ?? Number.MAX_SAFE_INTEGER);
    return stream(
      c,
      async (s) => {
        s.onAbort(() => {
          void records.return(undefined);
        });
        for await (const chunk of feedChunks(records, format, withEmail, hwm)) await s.write(chunk);
      },
      async (err, s) => {
        // Headers are gone already; cut the stream so the client sees a truncated body, not a
        // silently complete one.
        deps.logger.error('suppression feed failed mid-stream', { error: String(err), requestId: c.get('requestId') });
        s.abort();
      },
      // biome-ignore lint/suspicious/noExplicitAny: a streamed body is a Response the typed OpenAPI handler cannot describe.
    ) as any;
  });

  app.openapi(manualRoute, async (c) => {
    const { entries } = c.req.valid('json');
    const out = await suppressManually(deps.db, entries, { keyId: c.var.apiKey.id, at: deps.clock.now() }, deps.hasher);
    if (out.kind === 'invalid') {
      throw new AppError(
        'validation_failed',
        `${out.entries.length} address(es) are not valid e-mail addresses; nothing was added.`,
        out.entries.slice(0, 100).map((i) => ({ path: `entries.${i}.email`, message: 'not a valid e-mail address' })),
      );
    }
    deps.logger.info('manual suppressions', { added: out.added, unchanged: out.unchanged, key: c.var.apiKey.id });
    return c.json({ added: out.added, unchanged: out.unchanged }, 200);
  });

  return app;
}
