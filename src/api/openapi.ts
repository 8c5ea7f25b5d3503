import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AuthVariables } from '../auth/middleware.js';
import { unstorableTextPaths } from '../db/text.js';
import { AppError } from '../errors/index.js';

export type ApiEnv = { Variables: AuthVariables & { requestId: string } };

/**
 * A sub-app for API routes whose validation failures become one 422 problem listing every
 * bad field (path and message, never the submitted value: it may be personal data). Text that
 * cannot be stored (see `db/text.ts`) anywhere in the input is such a failure too, unless
 * `textCheckedByRoute` (a batch that reports bad items one by one).
 */
export function apiApp(opts: { textCheckedByRoute?: boolean } = {}) {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      // Text PostgreSQL cannot store, refused where it enters (body, query, path, headers) rather
      // than signed into a link or failing later: one rule for every string of every schema.
      // A batch route that refuses such text item by item (the mail-sender webhook) says so.
      if (result.success) {
        if (opts.textCheckedByRoute) return;
        const bad = unstorableTextPaths(result.data);
        if (bad.length > 0) {
          throw new AppError(
            'validation_failed',
            'Text must not contain NUL characters or unpaired surrogates.',
            bad.slice(0, 100).map((path) => ({ path: path || '(body)', message: 'contains a NUL character or an unpaired surrogate' })),
          );
        }
        return;
      }
      throw new AppError(
        'validation_failed',
        'The request does not match the schema; see errors.',
        result.error.issues.flatMap((i) => {
          const at = (path: PropertyKey[]) => path.map(String).join('.') || '(body)';
          // An unknown field is reported where it is, not at its parent.
          if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ path: at([...i.path, k]), message: 'unknown field' }));
          return [{ path: at(i.path), message: i.message }];
        }),
      );
    },
  });
}

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

/** A problem+json response with this description (RFC 9457). */
export const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: Problem } } });
const problem = problemResponse;

/**
 * 503: the database did not answer within its bound (or, on the mail-sender route, an SNS
 * certificate could not be fetched). Nothing was written; retry after the delay.
 */
const unavailable = {
  ...problem('The service cannot answer now (the database did not answer within its bound); nothing was changed. Retry after Retry-After seconds.'),
  headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } } },
} as const;

const unauthorized = {
  ...problem('Missing, unknown or revoked API key'),
  headers: { 'WWW-Authenticate': { description: 'The scheme to authenticate with (Bearer)', schema: { type: 'string' } } },
} as const;

/**
 * The error responses every authenticated read (GET) can give: no body, so no 413 or 415;
 * 422 for a query or path that does not match the schema.
 */
export const readErrors = {
  401: unauthorized,
  403: problem('The key lacks the scope this operation needs'),
  422: problem('The query or path does not match the schema; `errors` lists each bad field'),
  500: problem('An unexpected error; logged with the request id, nothing inside the answer'),
  503: unavailable,
} as const;

/** The error responses every authenticated write (POST, PUT, PATCH) can give. */
export const writeErrors = {
  400: problem('Malformed request (e.g. invalid JSON)'),
  ...readErrors,
  413: problem('Request body too large'),
  415: problem('Content-Type must be application/json'),
  422: problem('The body does not match the schema; `errors` lists each bad field'),
} as const;

/** The error responses every authenticated write can give (kept for routes not yet split; prefer readErrors/writeErrors). */
export const commonErrors = writeErrors;

/** 404: what the path names does not exist. */
export const notFound = (what = 'No subject with this id') => problem(what);

/** 400 on the reads that require `X-Purpose` without it. */
export const purposeMissing = problem('The X-Purpose header is missing or blank');

/**
 * `X-Purpose`: why staff read a person's data, written to the audit log. Required on reads of
 * personal data (the handler answers 400 without it, see audit/log.ts); the zod schema leaves it
 * optional so that answer stays the handler's 400, and the document says it is required.
 */
export const PurposeHeader = z.object({
  'x-purpose': z
    .string()
    .optional()
    .openapi({
      param: { required: true },
      description: "Why you read this person's data (a ticket number, a category: not personal data); required, written to the audit log",
      example: 'support ticket 1234',
      minLength: 1,
      pattern: '\\S',
    }),
});

/** `X-Purpose` on a staff write: optional, written to the write's audit row when given. */
export const WritePurposeHeader = z.object({
  'x-purpose': z.string().optional().openapi({
    description: "Why you make this change (a ticket number, a category: not personal data); written to the write's audit row",
    example: 'ticket 1234',
  }),
});

/** An ISO 8601 timestamp in an answer (UTC, `…Z`), as every `toISOString()` writes it. */
export const Timestamp = z.string().openapi({ format: 'date-time', example: '2026-03-02T09:00:00.000Z' });

/** An e-mail address in an answer (normalized, lower-case). */
export const EmailOut = z
  .string()
  .openapi({ format: 'email', description: 'Normalized: lower-case, the domain in ASCII (IDNA)', example: 'ivan.petrov@example.ru' });

/** A person's id in the path (`/v1/subjects/{id}/…`), lower-cased: ids are stored lower-case. */
export const SubjectIdParam = z.object({
  id: z
    .uuid()
    .transform((s) => s.toLowerCase())
    .openapi({ param: { name: 'id', in: 'path' } }),
});

/** `limit` of a listing page: 1 to 1000, 100 when not given. */
export const PageLimit = z.coerce.number().int().min(1).max(1000).default(100);

/** A required JSON request body of this schema. */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return { required: true, content: { 'application/json': { schema } } } as const;
}

/** A JSON response of this schema. */
export function jsonResponse<S extends z.ZodType>(description: string, schema: S) {
  return { description, content: { 'application/json': { schema } } } as const;
}

/**
 * The OpenAPI format of e-mail fields. The service also takes internationalized addresses
 * (RFC 6531: a Unicode local part, an IDN domain), which it normalizes (consent/email.ts).
 */
export const EMAIL_FORMAT = { format: 'email' } as const;

/**
 * `GET /.well-known/jwks.json` as the document describes it (served by a plain handler in
 * app.ts): the public keys that verify the service's signed pushes to the mail sender.
 */
export const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'getPushJwks',
  tags: ['Service'],
  summary: 'Public keys that verify our pushes to the mail sender (JWK set)',
  description: 'Public keys only, never a private or symmetric key. No authentication. Cacheable for 5 minutes.',
  security: [],
  responses: {
    200: {
      description: 'The JWK set (RFC 7517); empty when pushes are not configured',
      headers: { 'Cache-Control': { description: 'public, max-age=300', schema: { type: 'string' } } },
      content: {
        'application/json': {
          schema: z
            .object({
              keys: z.array(
                z
                  .object({
                    kty: z.string().openapi({ example: 'OKP' }),
                    kid: z.string().optional(),
                    alg: z.string().optional(),
                    use: z.string().optional(),
                    crv: z.string().optional(),
                    x: z.string().optional(),
                    y: z.string().optional(),
                    n: z.string().optional(),
                    e: z.string().optional(),
                  })
                  .loose()
                  .openapi({ description: 'A public JWK' }),
              ),
            })
            .openapi('JwkSet'),
        },
      },
    },
    500: readErrors[500],
  },
});
