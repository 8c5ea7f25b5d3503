import type { Db } from '../db/handle.js';

/** One audit entry as the admin API shows it. */
export interface AuditEntry {
  id: number;
  key: string | null;
  subject: string | null;
  action: string;
  purpose: string | null;
  requestId: string | null;
  at: string;
}

/**
 * The audit log newest first, by person and by key; `before` pages backwards (entries with an
 * id below it: the last id of the previous page).
 */
export async function listAudit(db: Db, f: { subjectId?: string; keyId?: string; before?: number; limit: number }): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(f.limit);
  if (f.subjectId) query = query.where('subject_id', '=', f.subjectId);
  if (f.keyId) query = query.where('key_id', '=', f.keyId);
  if (f.before) query = query.where('id', '<', String(f.before));
  const rows = await query.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    key: r.key_id,
    subject: r.subject_id,
    action: r.action,
    purpose: r.purpose,
    requestId: r.request_id,
    at: new Date(r.occurred_at).toISOString(),
  }));
}
