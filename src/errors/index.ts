/**
 * The closed set of error codes the service answers with. Each maps to one HTTP status;
 * the API renders them as RFC 9457 problem+json, the public pages as a page.
 */
export const errorCodes = {
  bad_request: 400,
  invalid_token: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  token_expired: 410,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  consent_required: 422,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;

/**
 * `Retry-After` (seconds) of a 503: the database was out of reach or over its bounds. A few
 * seconds covers a pool draining or a PostgreSQL restart; longer outages answer 503 again.
 */
export const RETRY_AFTER_SECONDS = 5;

const titles: Record<ErrorCode, string> = {
  bad_request: 'Bad request',
  invalid_token: 'Invalid link token',
  unauthorized: 'Authentication required',
  forbidden: 'Insufficient scope',
  not_found: 'Not found',
  token_expired: 'Link expired',
  conflict: 'Conflict',
  payload_too_large: 'Request body too large',
  unsupported_media_type: 'Unsupported media type',
  validation_failed: 'Validation failed',
  consent_required: 'Consent to processing is required',
  too_many_requests: 'Too many requests',
  internal: 'Internal server error',
  unavailable: 'Service unavailable',
};

export interface FieldProblem {
  /** JSON pointer-ish path of the offending field, e.g. `consents.processing`. */
  path: string;
  message: string;
}

/**
 * The one error type routes throw. `detail` must never contain personal data.
 *
 * @example
 * throw new AppError('not_found', 'No subject with this id');
 */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly errors?: FieldProblem[],
  ) {
    super(detail ?? titles[code]);
    this.name = 'AppError';
    this.status = errorCodes[code];
  }

  get title(): string {
    return titles[this.code];
  }

  /** The RFC 9457 problem document. */
  toProblem(instance?: string): Record<string, unknown> {
    return {
      type: `https://mailprefs.dev/problems/${this.code.replace(/_/g, '-')}`,
      title: this.title,
      status: this.status,
      code: this.code,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...(this.errors?.length ? { errors: this.errors } : {}),
    };
  }
}
