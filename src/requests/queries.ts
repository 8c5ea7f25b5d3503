import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import type { RequestStatus, RequestType } from '../db/schema.js';
import { enqueue } from '../outbox/queries.js';
import { isOpen, OPEN_STATUSES } from './rules.js';

export interface RequestOut {
  id: string;
  subject: string;
  type: RequestType;
  status: RequestStatus;
  channel: 'link' | 'staff';
  receivedAt: string;
  dueAt: string;
  completedAt: string | null;
  statusReason: string | null;
  overdue: boolean;
  extensions: unknown;
}

/**
 * Files a data-subject request, and for one left open queues the acknowledgment mail (number,
 * topic, due date) in the same transaction. `body` is the person's own text (appeals), erased
 * with them.
 */
export async function createRequest(
  db: Db,
  r: {
    id: string;
    subjectId: string;
    type: RequestType;
    channel: 'link' | 'staff';
    body: string | null;
    createdBy: string | null;
    receivedAt: Date;
    dueAt: Date;
    status?: RequestStatus;
    /** For one filed already completed: when it was done (default: when received). */
    completedAt?: Date;
  },
): Promise<void> {
  await db
    .insertInto('requests')
    .values({
      id: r.id,
      subject_id: r.subjectId,
      type: r.type,
      status: r.status ?? 'received',
      channel: r.channel,
      received_at: r.receivedAt,
      due_at: r.dueAt,
      completed_at: r.status === 'completed' ? (r.completedAt ?? r.receivedAt) : null,
      status_reason: null,
      body: r.body,
      created_by: r.createdBy,
    })
    .execute();
  if ((r.status ?? 'received') === 'received') {
    await enqueue(db, {
      kind: 'request-received',
      subjectId: r.subjectId,
      payload: { subjectId: r.subjectId, requestId: r.id },
      idempotencyKey: `request-received:${r.id}`,
      at: r.receivedAt,
    });
  }
}

/** One extension as kept in `requests.extensions` (the reason is the staff's words, erased with the person). */
export interface RequestExtension {
  at: string;
  by: string;
  businessDays: number;
  reason: string;
  from: string;
  /** The due date it set (absent on extensions recorded before it was kept). */
  to?: string;
}

/**
 * Moves a request's due date and appends the extension, and queues the reasoned notice the law
 * wants the person to get (`request-extended`, one per extension), in the caller's transaction.
 */
export async function recordExtension(
  db: Db,
  r: { id: string; subject_id: string; due_at: Date; extensions: unknown },
  e: { at: Date; by: string; businessDays: number; reason: string; dueAt: Date },
): Promise<void> {
  const previous = (r.extensions as RequestExtension[] | null) ?? [];
  const ext: RequestExtension[] = [
    ...previous,
    { at: e.at.toISOString(), by: e.by, businessDays: e.businessDays, reason: e.reason, from: new Date(r.due_at).toISOString(), to: e.dueAt.toISOString() },
  ];
  await db
    .updateTable('requests')
    .set({ due_at: e.dueAt, extensions: JSON.stringify(ext) })
    .where('id', '=', r.id)
    .execute();
  const n = ext.length - 1;
  await enqueue(db, {
    kind: 'request-extended',
    subjectId: r.subject_id,
    payload: { subjectId: r.subject_id, requestId: r.id, extension: n },
    idempotencyKey: `request-extended:${r.id}:${n}`,
    at: e.at,
  });
}

export function toRequestOut(
  r: {
    id: string;
    subject_id: string;
    type: RequestType;
    status: RequestStatus;
    channel: 'link' | 'staff';
    received_at: Date;
    due_at: Date;
    completed_at: Date | null;
    status_reason: string | null;
    extensions: unknown;
  },
  now: Date,
): RequestOut {
  return {
    id: r.id,
    subject: r.subject_id,
    type: r.type,
    status: r.status,
    channel: r.channel,
    receivedAt: new Date(r.received_at).toISOString(),
    dueAt: new Date(r.due_at).toISOString(),
    completedAt: r.completed_at ? new Date(r.completed_at).toISOString() : null,
    statusReason: r.status_reason,
    overdue: isOpen(r.status) && new Date(r.due_at) < now,
    extensions: r.extensions ?? [],
  };
}

const COLUMNS = ['id', 'subject_id', 'type', 'status', 'channel', 'received_at', 'due_at', 'completed_at', 'status_reason', 'extensions'] as const;

/** Requests by status, overdue, due within a time, subject; oldest due first. */
export async function listRequests(
  db: Db,
  f: { status?: RequestStatus; overdue?: boolean; dueBefore?: Date; subjectId?: string; type?: RequestType; limit: number; now: Date },
): Promise<RequestOut[]> {
  let q = db.selectFrom('requests').select(COLUMNS).orderBy('due_at').orderBy('id').limit(f.limit);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.type) q = q.where('type', '=', f.type);
  if (f.subjectId) q = q.where('subject_id', '=', f.subjectId);
  if (f.overdue) q = q.where('status', 'in', [...OPEN_STATUSES]).where('due_at', '<', f.now);
  if (f.dueBefore) q = q.where('status', 'in', [...OPEN_STATUSES]).where('due_at', '<=', f.dueBefore);
  const rows = await q.execute();
  return rows.map((r) => toRequestOut(r, f.now));
}

/** Sets a request's status; one that closes it also records when and why (the reason, or null). */
export async function setRequestStatus(db: Db, id: string, status: RequestStatus, close?: { at: Date; reason: string | null }): Promise<void> {
  await db
    .updateTable('requests')
    .set(close ? { status, completed_at: close.at, status_reason: close.reason } : { status })
    .where('id', '=', id)
    .execute();
}

export async function getRequest(db: Db, id: string, opts: { lock?: boolean } = {}) {
  let q = db.selectFrom('requests').select(COLUMNS).where('id', '=', id);
  if (opts.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** Counts for monitoring: open requests past due, and those due within `soonMs`. */
export async function deadlineCounts(db: Db, now: Date, soonMs: number): Promise<{ overdue: number; dueSoon: number; open: number }> {
  const r = await sql<{ overdue: string; due_soon: string; open: string }>`
    select count(*) filter (where due_at < ${now})::text as overdue,
           count(*) filter (where due_at >= ${now} and due_at <= ${new Date(now.getTime() + soonMs)})::text as due_soon,
           count(*)::text as open
    from requests where status in ('received', 'in_progress')`.execute(db);
  const row = r.rows[0]!;
  return { overdue: Number(row.overdue), dueSoon: Number(row.due_soon), open: Number(row.open) };
}

/**
 * A request's own text (an appeal's words) and whose it is: personal data, so only the
 * audited read in admin/actions.ts calls this. Null for no such request.
 */
export async function requestText(db: Db, id: string): Promise<{ subjectId: string; body: string | null } | null> {
  const r = await db.selectFrom('requests').select(['subject_id', 'body']).where('id', '=', id).executeTakeFirst();
  return r ? { subjectId: r.subject_id, body: r.body } : null;
}
