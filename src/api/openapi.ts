import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AuthVariables } from '../auth/middleware.js';
import { isStorableText, unstorableTextPaths } from '../db/text.js';
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

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: Problem } } });

/** The error responses every authenticated route can give. */
export const commonErrors = {
  400: problem('Malformed request (e.g. invalid JSON)'),
  401: problem('Missing, unknown or revoked API key'),
  403: problem('The key lacks the scope this operation needs'),
  413: problem('Request body too large'),
  415: problem('Content-Type must be application/json'),
  422: problem('The body does not match the schema'),
} as const;

/**
 * A string PostgreSQL can store: no NUL character, no unpaired surrogate (refused with 422 at
 * entry). Every API input gets the same check from `apiApp()`; this says it in the field's own
 * schema too, for a field that is signed into links (a campaign id) or kept as it came.
 *
 * @example
 * z.object({ campaignId: text().trim().min(1).max(200) })
 */
export function text() {
  return z.string().refine(isStorableText, 'must not contain NUL characters or unpaired surrogates');
}

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
