import { createRoute, z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import { apiApp, jsonResponse, problemResponse, readErrors, Timestamp, writeErrors } from '../api/openapi.js';
import { scoped } from '../auth/middleware.js';
import type { ResolvedDeps } from '../deps.js';
import { AppError } from '../errors/index.js';
import { redactAddresses } from '../privacy/redact.js';
import { runImport } from './actions.js';
import { decodeUtf8, ImportInputError } from './csv.js';
import { PRESET_NAMES, TARGETS } from './presets.js';
import { findImport, type ImportCounts, type ImportRecord, reportPages } from './queries.js';
import { isPresetName, parseMapping } from './rules.js';

/** Where an import's report is. */
export const reportPath = (id: string) => `/v1/imports/${id}/rejected.csv`;

const Counts = z
  .object({
    rows: z.number().int().openapi({ description: 'Data rows read (the header not counted)' }),
    created: z.number().int().openapi({ description: 'People created' }),
    granted: z.number().int().openapi({ description: 'Of them, with advertising consent granted (the file gave the time it was given)' }),
    consentNone: z.number().int().openapi({ description: 'Of them, with advertising consent none: no evidence in the file (each in the report)' }),
    suppressed: z.number().int().openapi({ description: 'Suppression entries added or changed' }),
    alreadySuppressed: z.number().int().openapi({ description: 'Suppression rows whose address was already suppressed' }),
    leftAsIs: z.number().int().openapi({ description: 'Rows whose address is known, suppressed, withdrawn or erased: left exactly as they are' }),
    rejected: z.number().int().openapi({ description: 'Rows not imported: bad address, duplicate, too long' }),
    reported: z.record(z.string(), z.number().int()).openapi({ description: 'Report rows by reason' }),
  })
  .openapi('ImportCounts');

const Summary = z
  .object({
    id: z.uuid().nullable().openapi({ description: 'The import (null for a dry run, which records nothing)' }),
    kind: z.enum(['subjects', 'suppressions']),
    dryRun: z.boolean(),
    resumedFrom: z.number().int().openapi({ description: 'Rows an earlier run of this import had committed, skipped this time' }),
    counts: Counts,
    report: z.string().nullable().openapi({ description: 'Where the report of rejected and noted rows is (text/csv)' }),
  })
  .openapi('ImportSummary');

const ImportOut = z
  .object({
    id: z.uuid(),
    kind: z.enum(['subjects', 'suppressions']),
    status: z.enum(['running', 'done']).openapi({ description: 'running: in progress, or interrupted (resume it with resume=<id>)' }),
    fileName: z.string().nullable(),
    source: z.string(),
    committedLine: z.number().int().openapi({ description: 'The physical line of the file up to which it is in' }),
    counts: Counts,
    startedAt: Timestamp,
    updatedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    report: z.string(),
  })
  .openapi('Import');

const IdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const ImportQuery = z.object({
  preset: z
    .string()
    .refine(isPresetName, `one of ${PRESET_NAMES.join(', ')}`)
    .optional()
    .openapi({ description: `The export the file is: ${PRESET_NAMES.join(', ')} (README "Imports" lists their columns)` }),
  map: z
    .string()
    .max(2000)
    .optional()
    .openapi({
      description: `Columns by header name, over the preset's: target=Column,... Targets: ${TARGETS.join(', ')}`,
      example: 'email=E-mail,consentAt=Opt-in date',
    }),
  reason: z
    .enum(['unsubscribed', 'withdrawn', 'bounced', 'complained', 'manual'])
    .optional()
    .openapi({ description: 'Suppressions: the reason of rows that say none (else the preset’s, else manual)' }),
  source: z.string().trim().min(1).max(100).default('api').openapi({ description: 'A label for where the data came from, kept as the consent’s source' }),
  fileName: z.string().trim().min(1).max(255).optional().openapi({ description: 'The file’s name, kept with the source' }),
  policyVersion: z.string().trim().min(1).max(100).optional().openapi({ description: 'The policy version the imported consents were given under' }),
  dryRun: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .openapi({ description: 'Read, decide and count everything; write nothing' }),
  resume: z.uuid().optional().openapi({ description: 'An interrupted import to continue: send the same file again; its options are used' }),
});

/** `POST /v1/imports/subjects` and `POST /v1/imports/suppressions`: one literal path each (a `{kind}` beside `{id}` would be ambiguous). */
const importRoute = (kind: 'subjects' | 'suppressions') =>
  createRoute({
    method: 'post',
    path: `/v1/imports/${kind}`,
    operationId: kind === 'subjects' ? 'importSubjects' : 'importSuppressions',
    tags: ['Imports'],
    summary: kind === 'subjects' ? 'Import people from a CSV file' : 'Import a suppression list from a CSV file',
    description:
      'The body is the file (UTF-8, with or without BOM; `,` `;` or tab delimited, detected from the header), streamed: any size up to IMPORT_BODY_LIMIT_BYTES, ' +
      'committed in batches of 5,000 rows. An import never brings back an address that is suppressed, withdrawn or erased, never changes a person already here, ' +
      'and grants advertising consent only with the time it was given (else none, and the report says so). Importing the same file again changes nothing. ' +
      'An interrupted import (a dropped connection, a restart) continues with resume=<id> and the same file.',
    ...scoped('imports:write'),
    request: {
      query: ImportQuery,
      body: { required: true, content: { 'text/csv': { schema: z.string().openapi({ format: 'binary' }) } } },
    },
    responses: {
      200: jsonResponse('Done (or, with dryRun, what would be done): the counts and where the report is', Summary),
      409: problemResponse('The import to resume is unknown, finished, of the other kind, or the file is not the one it read; or another process moved it on'),
      ...writeErrors,
      415: problemResponse('Content-Type must be text/csv (UTF-8)'),
      422: problemResponse('A bad option, a header without an address column, or a body that is not UTF-8 text'),
    },
  });

const getRoute = createRoute({
  method: 'get',
  path: '/v1/imports/{id}',
  operationId: 'getImport',
  tags: ['Imports'],
  summary: 'An import: where it is and its counts',
  ...scoped('imports:write'),
  request: { params: IdParam },
  responses: {
    200: jsonResponse('The import', ImportOut),
    404: problemResponse('No import with this id'),
    ...readErrors,
  },
});

const reportRoute = createRoute({
  method: 'get',
  path: '/v1/imports/{id}/rejected.csv',
  operationId: 'getImportReport',
  tags: ['Imports'],
  summary: 'An import’s report: the rows not imported, or imported with a note',
  description:
    'CSV `line,reason,detail`, one row per note, in line order: `line` is the physical line of the file the row starts on. ' +
    'Reasons: bad_address, duplicate, too_long, bad_value and no_consent_evidence (imported, with a note), exists, unsubscribed, withdrawn, erased, bounced, complained, suppressed (left as they are). ' +
    "The detail never holds the address; a cell a spreadsheet would run as a formula starts with `'`.",
  ...scoped('imports:write'),
  request: { params: IdParam },
  responses: {
    200: { description: 'The report', content: { 'text/csv': { schema: z.string() } } },
    404: problemResponse('No import with this id'),
    ...readErrors,
  },
});

function importOut(r: ImportRecord) {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    fileName: r.fileName,
    source: r.source,
    committedLine: r.committedLine,
    counts: r.counts as ImportCounts,
    startedAt: r.startedAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    report: reportPath(r.id),
  };
}

/** `POST /v1/imports/subjects`, `POST /v1/imports/suppressions`, `GET /v1/imports/{id}`, `GET /v1/imports/{id}/rejected.csv` (imports:write). */
export function importRoutes(deps: ResolvedDeps) {
  const app = apiApp();
  const limit = deps.config.importBodyLimitBytes;

  /** One import, from the query and the body: verify, act, and the answer's body. */
  const importFrom = async (kind: 'subjects' | 'suppressions', q: z.output<typeof ImportQuery>, body: ReadableStream<Uint8Array> | null, keyId: string) => {
    const mapping = parseMapping(q.map);
    if (typeof mapping === 'string') throw new AppError('validation_failed', `map: ${mapping}.`, [{ path: 'map', message: mapping }]);
    if (!body) throw new AppError('validation_failed', 'The body is empty: send the CSV file.');
    let last: { id: string | null; line: number } = { id: null, line: 0 };
    let out: Awaited<ReturnType<typeof runImport>>;
    try {
      out = await runImport(
        deps.db,
        { hasher: deps.hasher, newId: deps.newId, now: () => deps.clock.now(), defaultLocale: deps.config.defaultLocale },
        {
          kind,
          text: decodeUtf8(body, { maxBytes: limit }),
          preset: q.preset ?? null,
          mapping,
          reason: q.reason ?? null,
          source: q.source,
          fileName: q.fileName ?? null,
          policyVersion: q.policyVersion ?? null,
          dryRun: q.dryRun,
          resume: q.resume ?? null,
          keyId,
          onProgress: (p) => {
            last = { id: p.id, line: p.line };
          },
        },
      );
    } catch (e) {
      if (!(e instanceof ImportInputError)) throw e;
      const kept =
        last.id && last.line > 0 ? ` Lines up to ${last.line} are in; fix the file and send it again with resume=${last.id}.` : ' Nothing was written.';
      throw new AppError(e.code === 'too_large' ? 'payload_too_large' : 'validation_failed', `${e.message}${kept}`);
    }
    if (out.kind === 'bad_header') throw new AppError('validation_failed', out.detail, [{ path: '(body)', message: out.detail }]);
    if (out.kind === 'not_resumable' || out.kind === 'conflict') throw new AppError('conflict', out.detail);
    deps.logger.info('import', { importId: out.id, kind, dryRun: out.dryRun, rows: out.counts.rows, created: out.counts.created, key: keyId });
    return { id: out.id, kind, dryRun: out.dryRun, resumedFrom: out.resumedFrom, counts: out.counts, report: out.id ? reportPath(out.id) : null };
  };
  for (const kind of ['subjects', 'suppressions'] as const) {
    app.openapi(importRoute(kind), async (c) => c.json(await importFrom(kind, c.req.valid('query'), c.req.raw.body, c.var.apiKey.id), 200));
  }

  app.openapi(getRoute, async (c) => {
    const found = await findImport(deps.db, c.req.valid('param').id);
    if (!found) throw new AppError('not_found', 'No import with this id.');
    return c.json(importOut(found), 200);
  });

  app.openapi(reportRoute, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await findImport(deps.db, id))) throw new AppError('not_found', 'No import with this id.');
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="import-${id}-rejected.csv"`);
    const pages = reportPages(deps.db, id);
    return stream(
      c,
      async (s) => {
        s.onAbort(() => {
          void pages.return(undefined);
        });
        for await (const page of pages) await s.write(page);
      },
      async (err, s) => {
        deps.logger.error('import report failed mid-stream', { error: redactAddresses(String(err)).slice(0, 200), requestId: c.get('requestId') });
        s.abort();
      },
      // biome-ignore lint/suspicious/noExplicitAny: a streamed body is a Response the typed OpenAPI handler cannot describe.
    ) as any;
  });

  return app;
}
