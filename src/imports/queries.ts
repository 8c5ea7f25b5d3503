import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import type { ImportKind } from './presets.js';
import { type ReportRow, reportLine } from './rules.js';

/** What an import has done so far (cumulative over its batches and resumptions). */
export interface ImportCounts {
  /** Data rows read (the header not counted). */
  rows: number;
  /** People created. */
  created: number;
  /** Of them, with advertising consent `granted` (the file gave the time it was given). */
  granted: number;
  /** Of them, with advertising consent `none`: no evidence in the file (each also in the report). */
  consentNone: number;
  /** Suppression entries added or changed (a suppressions file, or a subjects file's unsubscribed/cleaned rows). */
  suppressed: number;
  /** Suppression rows whose address was already suppressed as the file says (or more strongly). */
  alreadySuppressed: number;
  /** Rows left as they are: the address is known, suppressed, withdrawn or erased. */
  leftAsIs: number;
  /** Rows not imported at all: bad address, duplicate, too long. */
  rejected: number;
  /** Report rows by reason. */
  reported: Record<string, number>;
}

export const emptyCounts = (): ImportCounts => ({
  rows: 0,
  created: 0,
  granted: 0,
  consentNone: 0,
  suppressed: 0,
  alreadySuppressed: 0,
  leftAsIs: 0,
  rejected: 0,
  reported: {},
});

/** The options an import was started with; a resumption reads the file with the same ones. */
export interface StoredOptions {
  preset: string | null;
  mapping: Record<string, string>;
  reason: string | null;
  policyVersion: string | null;
  batchSize: number;
}

export interface ImportRecord {
  id: string;
  kind: ImportKind;
  status: 'running' | 'done';
  fileName: string | null;
  fileSha256: string | null;
  source: string;
  options: StoredOptions;
  committedLine: number;
  fingerprint: string;
  counts: ImportCounts;
  keyId: string | null;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

function toRecord(r: {
  id: string;
  kind: ImportKind;
  status: 'running' | 'done';
  file_name: string | null;
  file_sha256: string | null;
  source: string;
  options: unknown;
  committed_line: number;
  fingerprint: string;
  counts: unknown;
  key_id: string | null;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}): ImportRecord {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    fileName: r.file_name,
    fileSha256: r.file_sha256,
    source: r.source,
    options: json<StoredOptions>(r.options),
    committedLine: Number(r.committed_line),
    fingerprint: r.fingerprint,
    counts: json<ImportCounts>(r.counts),
    keyId: r.key_id,
    startedAt: new Date(r.started_at),
    updatedAt: new Date(r.updated_at),
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  };
}

/** An import by id, or null. */
export async function findImport(db: Db, id: string): Promise<ImportRecord | null> {
  const r = await db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toRecord(r as Parameters<typeof toRecord>[0]) : null;
}

/**
 * The unfinished import of this file (by its SHA-256) and kind, the newest first: what the CLI
 * resumes when the same file is imported again.
 */
export async function findUnfinishedImport(db: Db, fileSha256: string, kind: ImportKind): Promise<ImportRecord | null> {
  const r = await db
    .selectFrom('imports')
    .selectAll()
    .where('file_sha256', '=', fileSha256)
    .where('kind', '=', kind)
    .where('status', '=', 'running')
    .orderBy('started_at', 'desc')
    .executeTakeFirst();
  return r ? toRecord(r as Parameters<typeof toRecord>[0]) : null;
}

/** Appends report rows of one batch (a resumed batch's rows are already there: kept once). */
export async function insertReportRows(db: Db, importId: string, rows: readonly ReportRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    insert into import_rejects (import_id, line, reason, detail)
    select ${importId}::uuid, v.line, v.reason, v.detail
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(line int, reason text, detail text)
    on conflict do nothing`.execute(db);
}

/**
 * The report of an import as CSV text, page by page (keyset on line and reason), so memory stays
 * the same however many rows it has. The first page starts with the header.
 *
 * @example
 * for await (const text of reportPages(db, id)) out.write(text);
 */
export async function* reportPages(db: Db, importId: string, pageSize = 5000): AsyncGenerator<string> {
  yield 'line,reason,detail\n';
  let after: { line: number; reason: string } | null = null;
  for (;;) {
    let q = db.selectFrom('import_rejects').select(['line', 'reason', 'detail']).where('import_id', '=', importId);
    if (after) {
      const a = after;
      q = q.where((eb) => eb.or([eb('line', '>', a.line), eb.and([eb('line', '=', a.line), eb('reason', '>', a.reason)])]));
    }
    const rows = await q.orderBy('line').orderBy('reason').limit(pageSize).execute();
    if (rows.length === 0) return;
    yield rows.map((r) => reportLine({ line: r.line, reason: r.reason as ReportRow['reason'], detail: r.detail })).join('');
    const last = rows[rows.length - 1]!;
    after = { line: last.line, reason: last.reason };
    if (rows.length < pageSize) return;
  }
}
