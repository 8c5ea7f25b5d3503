import type { Context } from 'hono';
import type { Db } from '../db/handle.js';
import { AppError } from '../errors/index.js';

/**
 * The purpose a staff member states for reading a person's data (`X-Purpose`). Required: the
 * policy promises staff see data only as needed, and the audit log must say why.
 */
export function statedPurpose(c: Context): string {
  const p = c.req.header('x-purpose')?.trim();
  if (!p) throw new AppError('bad_request', 'State why you read this person\'s data in the X-Purpose header (e.g. "support ticket 1234").');
  return p.slice(0, 500);
}

/** Writes one audit row: which key read or changed whose data, why, and when. Staff writes get one from `auditStaffWrites` unless the route wrote its own (see `markAudited`). */
export async function recordAudit(
  db: Db,
  a: { keyId: string; subjectId: string | null; action: string; purpose: string | null; requestId: string | null; at: Date },
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ key_id: a.keyId, subject_id: a.subjectId, action: a.action, purpose: a.purpose, request_id: a.requestId, occurred_at: a.at })
    .execute();
}

const audited = new WeakSet<Request>();

/** Says this request's staff write has its own audit row, so `auditStaffWrites` adds none. */
export function markAudited(request: Request): void {
  audited.add(request);
}

/** Whether the route wrote its own audit row for this request. */
export const hasOwnAudit = (request: Request): boolean => audited.has(request);
