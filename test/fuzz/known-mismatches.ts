/**
 * Where an answer of the service does not match `/openapi.json` because the SPEC is wrong (or
 * incomplete), not the code: one entry per operation and status, with why. The fuzz suite
 * (`api.test.ts`) tolerates exactly these (and reports which it met); everything else is a
 * failure. Fix the spec, then delete the entry.
 *
 * `kind`: `status` — the status is not declared for the operation; `body` — the body does not
 * validate against the declared schema; `content-type` — the media type is not declared.
 */
export interface KnownMismatch {
  /** `METHOD /path/{template}` as in the document. */
  operation: string;
  status: number;
  kind: 'status' | 'body' | 'content-type';
  why: string;
}

export const KNOWN_MISMATCHES: KnownMismatch[] = [];

/** The entry that excuses this mismatch, if any. */
export function knownMismatch(operation: string, status: number, kind: KnownMismatch['kind']): KnownMismatch | undefined {
  return KNOWN_MISMATCHES.find((m) => m.operation === operation && m.status === status && m.kind === kind);
}
