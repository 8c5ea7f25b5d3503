import { createRoute, z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import { apiApp, EMAIL_FORMAT, EmailOut, jsonBody, jsonResponse, readErrors, Timestamp, WritePurposeHeader, writeErrors } from '../api/openapi.js';
import { hasScope } from '../auth/keys.js';
import { scoped } from '../auth/middleware.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { redactAddresses } from '../privacy/redact.js';
import { liftSuppressions, suppressManually } from './actions.js';
import { etagMatches, FEED_TYPES, feedChunks, feedEtag } from './feed.js';
import { readFeedPages, sequenceSuppressions } from './queries.js';

const FeedQuery = z.object({
  since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).openapi({ description: 'Return records with seq greater than this' }),
  format: z.enum(['ndjson', 'csv', 'json']).default('ndjson'),
  limit: z.coerce.number().int().min(1).max(10_000_000).optional().openapi({ description: 'At most this many records; page on with since=<last seq>' }),
});

const FeedRecordSchema = z
  .object({
    seq: z.number().int(),
    hash: z.string().openapi({ description: 'HMAC-SHA256 (hex) of the normalized address with SUPPRESSION_HASH_KEY' }),
    email: EmailOut.optional().openapi({ description: 'Only for the suppressions:read scope, and never after erasure' }),
    reason: z.enum(['unsubscribed', 'withdrawn', 'erased', 'bounced', 'complained', 'manual']),
    active: z.boolean().openapi({ description: 'false: a lifted entry (tombstone); the address may be mailed again (in its scope)' }),
    createdAt: Timestamp,
    topic: z
      .string()
      .nullable()
      .openapi({
        description:
          'The scope: null for all advertising mail (the global list), or the key of one topic (GET /v1/topics) the person left. ' +
          'Keep one state per (hash, topic). A consumer that ignores this field and keeps the last record per hash stays on the safe side: ' +
          'it may suppress more than needed, never less (a person who left everything has an active global record after any topic record).',
        example: null,
      }),
  })
  .openapi('SuppressionRecord', { description: 'One record of the feed: one line of the NDJSON format, one row of the CSV, one element of `records` in JSON' });

const feedHeaders = {
  ETag: {
    description: 'The high-water mark and the scope (`"hwm-<seq>-e"` with addresses, `-h` hashed only): send it as If-None-Match',
    schema: { type: 'string' },
  },
  'X-High-Water-Mark': {
    description: 'The last seq this response can reach; ask with since=<the highest seq you applied> next time',
    schema: { type: 'integer', minimum: 0 },
  },
} as const;

const FeedRequestHeaders = z.object({
  'if-none-match': z
    .string()
    .optional()
    .openapi({ description: 'The ETag of an earlier answer: 304 without a body when the feed has not moved since', example: '"hwm-42-e"' }),
});

const feedRoute = createRoute({
  method: 'get',
  path: '/v1/suppressions',
  operationId: 'getSuppressionFeed',
  tags: ['Suppressions'],
  summary: 'The suppression list as an incremental, streamed feed',
  description:
    'Records in seq order, one per address at its latest state. Keep the highest seq you applied and ask with since=<it> next time. ' +
    'ETag is the high-water mark: send If-None-Match to get 304 when nothing changed. X-High-Water-Mark says the last seq this response can reach.',
  ...scoped('suppressions:read', 'suppressions:read:hashed'),
  request: { query: FeedQuery, headers: FeedRequestHeaders },
  responses: {
    200: {
      description:
        'The records, in the format asked for (`format`; the Content-Type says which). ' +
        '`application/x-ndjson` (the default): one SuppressionRecord as JSON per line, each line ending with `\\n`; read it line by line. ' +
        '`text/csv`: a header line `seq,hash,email,reason,active,createdAt,topic`, then one record per line (email empty for the hashed scope, topic empty for all advertising mail). ' +
        '`application/json`: one object with the records and the high-water mark. ' +
        'The body is streamed: a body cut short (no final newline, invalid JSON) is a failed read; ask again from the last seq you applied.',
      headers: feedHeaders,
      content: {
        'application/x-ndjson': {
          schema: FeedRecordSchema,
          // One line (one record); the body is such lines, each ending with a newline.
          example: {
            seq: 1,
            hash: '5d41402abc4b2a76b9719d911017c592ae8f7e2b1fd8b8e0a4ccb0a6cbb5e2f1',
            email: 'ivan.petrov@example.ru',
            reason: 'unsubscribed',
            active: true,
            createdAt: '2026-03-02T09:00:00.000Z',
            topic: null,
          },
        },
        'text/csv': {
          schema: z.string().openapi({ description: 'CSV (RFC 4180) with a header line: seq,hash,email,reason,active,createdAt,topic' }),
        },
        'application/json': {
          schema: z.object({ records: z.array(FeedRecordSchema), highWaterMark: z.number().int().openapi({ description: 'Same as X-High-Water-Mark' }) }),
        },
      },
    },
    304: { description: 'Nothing changed since the ETag you sent (If-None-Match); no body', headers: feedHeaders },
    ...readErrors,
  },
});

const ManualBody = z
  .object({
    entries: z
      .array(z.object({ email: z.string().max(320).openapi(EMAIL_FORMAT), note: z.string().trim().max(500).optional() }).strict())
      .min(1)
      .max(10_000),
  })
  .strict()
  .openapi('ManualSuppressions');

const manualRoute = createRoute({
  method: 'post',
  path: '/v1/suppressions',
  operationId: 'addSuppressions',
  tags: ['Suppressions'],
  summary: 'Suppress addresses by hand (reason manual)',
  description: 'All or nothing: one invalid address refuses the whole request. An address already suppressed keeps its entry.',
  ...scoped('suppressions:write'),
  request: { body: jsonBody(ManualBody), headers: WritePurposeHeader },
  responses: {
    200: jsonResponse('How many entries were added; the others were already suppressed', z.object({ added: z.number().int(), unchanged: z.number().int() })),
    ...writeErrors,
  },
});

const LiftBody = z
  .object({
    entries: z
      .array(
        z
          .object({
            email: z.string().max(320).openapi(EMAIL_FORMAT),
            reason: z.string().trim().min(1).max(500).openapi({
              description: 'Why staff lift it (kept as the entry’s note): a ticket, what the person wrote. Not optional.',
              example: 'ticket 88: the mailbox was full',
            }),
          })
          .strict(),
      )
      .min(1)
      .max(10_000),
  })
  .strict()
  .openapi('SuppressionLifts');

const LiftResultSchema = z
  .object({
    index: z.number().int().openapi({ description: 'The entry’s position in the request' }),
    outcome: z.enum(['lifted', 'own_act', 'own_act_remains', 'not_suppressed']).openapi({
      description:
        '`lifted`: a tombstone record (`active: false`) in the feed; `own_act`: refused, the person unsubscribed, withdrew or was erased and only their own confirmed opt-in lifts that; ' +
        '`own_act_remains`: the staff reason is gone but the person’s own act still stands, so the entry stays active with that reason (`now`); `not_suppressed`: nothing to lift (also a repeated address)',
    }),
    was: z.enum(['unsubscribed', 'withdrawn', 'erased', 'bounced', 'complained', 'manual']).optional(),
    now: z.enum(['unsubscribed', 'withdrawn', 'erased']).optional(),
  })
  .openapi('SuppressionLiftResult');

const liftRoute = createRoute({
  method: 'post',
  path: '/v1/suppressions/lifts',
  operationId: 'liftSuppressions',
  tags: ['Suppressions'],
  summary: 'Lift bounces, complaints and manual entries, with a stated reason',
  description:
    'Staff lift what only staff may lift: `bounced`, `complained` and `manual` entries. The person’s own acts (`unsubscribed`, `withdrawn`, `erased`) are never lifted here, and a staff reason over ' +
    'an act of the person’s that still stands goes back to that act. All or nothing on bad input: one invalid address or an empty reason refuses the whole request.',
  ...scoped('suppressions:write'),
  request: { body: jsonBody(LiftBody), headers: WritePurposeHeader },
  responses: {
    200: jsonResponse('What happened to each entry', z.object({ lifted: z.number().int(), results: z.array(LiftResultSchema) })),
    ...writeErrors,
  },
});

/**
 * `GET /v1/suppressions` (suppressions:read or :hashed), `POST /v1/suppressions` and
 * `POST /v1/suppressions/lifts` (suppressions:write).
 */
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
    const pages = readFeedPages(deps.db, { since, upTo: hwm, limit: limit ?? Number.MAX_SAFE_INTEGER, format, withEmail });
    return stream(
      c,
      async (s) => {
        s.onAbort(() => {
          void pages.return(undefined);
        });
        for await (const chunk of feedChunks(pages, format, hwm)) await s.write(chunk);
      },
      async (err, s) => {
        // Headers are gone already; cut the stream so the client sees a truncated body, not a
        // silently complete one.
        deps.logger.error('suppression feed failed mid-stream', { error: redactAddresses(String(err)).slice(0, 200), requestId: c.get('requestId') });
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

  app.openapi(liftRoute, async (c) => {
    const { entries } = c.req.valid('json');
    const out = await liftSuppressions(deps.db, entries, { keyId: c.var.apiKey.id, at: deps.clock.now() }, deps.hasher);
    if (out.kind === 'invalid') {
      throw new AppError(
        'validation_failed',
        `${out.entries.length} address(es) are not valid e-mail addresses; nothing was lifted.`,
        out.entries.slice(0, 100).map((i) => ({ path: `entries.${i}.email`, message: 'not a valid e-mail address' })),
      );
    }
    deps.logger.info('suppressions lifted by staff', { lifted: out.lifted, asked: entries.length, key: c.var.apiKey.id });
    return c.json({ lifted: out.lifted, results: out.results }, 200);
  });

  return app;
}
