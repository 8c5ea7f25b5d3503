import { sql } from 'kysely';
import type { EmailHasher } from '../consent/hash.js';
import { appendLedger, type LedgerRow } from '../consent/ledger.js';
import type { Db } from '../db/handle.js';
import { timeOrderedId } from '../db/ids.js';
import type { SuppressionReason } from '../db/schema.js';
import { findHashOwners, splitOwners } from '../erasure/owners.js';
import { COLUMN, PROFILE_FIELDS } from '../subjects/profile.js';
import type { SuppressInput } from '../suppressions/queries.js';
import { suppressEach } from '../suppressions/queries.js';
import { type CsvRecord, readCsv, type TextSource } from './csv.js';
import type { ImportKind, Target } from './presets.js';
import { emptyCounts, findImport, type ImportCounts, insertReportRows, type StoredOptions } from './queries.js';
import {
  presetNamed,
  REPORT_DETAIL,
  type ReportRow,
  readSubjectRow,
  readSuppressionRow,
  reasonForExisting,
  resolveColumns,
  SeenAddresses,
  type SubjectRow,
  type SuppressionRow,
} from './rules.js';

/** Rows per batch: one transaction, a handful of set-based statements. */
export const DEFAULT_BATCH_SIZE = 5000;

export interface ImportRequest {
  kind: ImportKind;
  /** The file's text, in chunks (a web ReadableStream or any async iterable of strings). */
  text: TextSource;
  preset?: string | null;
  mapping?: Partial<Record<Target, string>>;
  /** A suppressions file's reason where its rows say none (else the preset's, else `manual`). */
  reason?: SuppressionReason | null;
  /** Who the consent came from, as the ledger's source says: `import:<source>:<file name>`. */
  source: string;
  fileName?: string | null;
  fileSha256?: string | null;
  policyVersion?: string | null;
  /** Read, decide and count everything, in transactions that are rolled back: nothing is written. */
  dryRun?: boolean;
  /** An unfinished import to continue: its options are used, and the file must be the same up to where it stopped. */
  resume?: string | null;
  /** The staff key behind the import (null: the operator's CLI). */
  keyId?: string | null;
  batchSize?: number;
  /** Called after each batch commits (and once at the header). */
  onProgress?: (p: ImportProgress) => void;
  /** The rows of the report as each batch commits (the CLI's dry run writes its report from these). */
  onReport?: (rows: readonly ReportRow[]) => void;
  signal?: AbortSignal;
}

export interface ImportProgress {
  id: string | null;
  /** The physical line up to which the file is in. */
  line: number;
  counts: ImportCounts;
  /** Rows skipped because an earlier run committed them. */
  resumedFrom: number;
}

export type ImportOutcome =
  | { kind: 'done'; id: string | null; counts: ImportCounts; resumedFrom: number; dryRun: boolean }
  /** The header names no address column, or a mapped column is not in it; nothing was written. */
  | { kind: 'bad_header'; detail: string }
  /** The import to resume is unknown, finished, of the other kind, or the file is not the one it read; nothing was written. */
  | { kind: 'not_resumable'; detail: string }
  /** Another process moved the same import on meanwhile; this one stopped. */
  | { kind: 'conflict'; detail: string };

export interface ImportDeps {
  hasher: EmailHasher;
  newId: () => string;
  now: () => Date;
  /** The locale of a person the file gives none for. */
  defaultLocale: string;
}

class Rollback extends Error {}
class Conflict extends Error {}

const enc = new TextEncoder();
async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(text)));
  let hex = '';
  for (const b of d) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** The next link of the file's fingerprint: the previous one and this batch's rows (their lines and fields). */
async function chain(prev: string, batch: readonly CsvRecord[]): Promise<string> {
  let text = prev;
  for (const r of batch) text += `\n${r.line}\u0000${r.fields.join('\u0001')}`;
  return sha256Hex(text);
}

type Read = { line: number; row: SubjectRow | SuppressionRow };

/**
 * Imports a CSV file of subjects or suppressions, streamed: one batch of rows in memory at a
 * time, each batch one transaction of set-based statements, the import's progress committed with
 * it (so an interrupted import resumes after its last batch, without duplicates).
 *
 * What it never does: bring back an address that is suppressed (any reason), whose person
 * withdrew advertising consent, or that was erased; change a person already here; grant
 * advertising consent without the time it was given (see rules.ts `readSubjectRow`). Those rows
 * are in the report with their line, and left as they are. Importing the same file again
 * changes nothing.
 *
 * @example
 * const r = await runImport(db, deps, { kind: 'subjects', text: file, preset: 'mailchimp', source: 'mailchimp' });
 */
export async function runImport(db: Db, deps: ImportDeps, req: ImportRequest): Promise<ImportOutcome> {
  const dryRun = !!req.dryRun;
  let id: string | null = null;
  let counts = emptyCounts();
  let fingerprint = '';
  let committedLine = 0;
  let options: StoredOptions = {
    preset: req.preset ?? null,
    mapping: (req.mapping ?? {}) as Record<string, string>,
    reason: req.reason ?? null,
    policyVersion: req.policyVersion ?? null,
    batchSize: req.batchSize ?? DEFAULT_BATCH_SIZE,
  };
  let source = req.source;
  let fileName = req.fileName ?? null;
  if (req.resume) {
    const found = await findImport(db, req.resume);
    if (!found) return { kind: 'not_resumable', detail: 'No import with this id.' };
    if (found.status === 'done')
      return { kind: 'not_resumable', detail: 'This import is finished; import the file again instead (nothing already in changes).' };
    if (found.kind !== req.kind) return { kind: 'not_resumable', detail: `This import is of ${found.kind}, not ${req.kind}.` };
    id = found.id;
    counts = found.counts;
    committedLine = found.committedLine;
    fingerprint = found.fingerprint;
    options = found.options;
    source = found.source;
    fileName = found.fileName;
  }
  const preset = presetNamed(options.preset);
  if (preset === undefined) return { kind: 'bad_header', detail: `Unknown preset ${options.preset}.` };
  if (preset && preset.kind !== req.kind) return { kind: 'bad_header', detail: `The preset ${options.preset} is for ${preset.kind}, not ${req.kind}.` };

  const records = readCsv(req.text)[Symbol.asyncIterator]();
  const head = await records.next();
  if (head.done) return { kind: 'bad_header', detail: 'The file is empty: the first line must name the columns.' };
  const index = resolveColumns(head.value.fields, req.kind, preset, options.mapping as Partial<Record<Target, string>>);
  if (typeof index === 'string') return { kind: 'bad_header', detail: `${index.charAt(0).toUpperCase()}${index.slice(1)}.` };

  const seen = new SeenAddresses();
  const now = deps.now();
  const read = (r: CsvRecord): Read => {
    const row =
      req.kind === 'subjects'
        ? readSubjectRow(r.fields, r.line, index, now, r.tooLong)
        : readSuppressionRow(r.fields, r.line, index, options.reason ? (options.reason as SuppressionReason) : preset?.reason, r.tooLong);
    // Only the first row of an address counts; the later ones are in the report.
    if (row.kind !== 'reject' && !seen.add(row.email)) {
      return { line: r.line, row: { kind: 'reject', reports: [{ line: r.line, reason: 'duplicate', detail: REPORT_DETAIL.duplicate }] } };
    }
    return { line: r.line, row };
  };

  // A resumed import first reads again what is already in, rebuilding the duplicate check and
  // the fingerprint, and goes on only if the file is the same up to there.
  let resumedFrom = 0;
  let pending: CsvRecord | null = null;
  if (req.resume && committedLine > 0) {
    let fp = '';
    let batch: CsvRecord[] = [];
    for (;;) {
      const next = await records.next();
      if (next.done) break;
      if (next.value.line > committedLine) {
        pending = next.value;
        break;
      }
      read(next.value);
      batch.push(next.value);
      resumedFrom++;
      if (batch.length === options.batchSize) {
        fp = await chain(fp, batch);
        batch = [];
      }
    }
    if (batch.length) fp = await chain(fp, batch);
    if (fp !== fingerprint) {
      return { kind: 'not_resumable', detail: `The file differs from the one this import read up to line ${committedLine}; nothing was written.` };
    }
    fingerprint = fp;
  }

  if (!id && !dryRun) {
    id = deps.newId();
    const at = deps.now();
    await db
      .insertInto('imports')
      .values({
        id,
        kind: req.kind,
        status: 'running',
        file_name: fileName,
        file_sha256: req.fileSha256 ?? null,
        source,
        options: JSON.stringify(options),
        committed_line: 0,
        fingerprint: '',
        counts: JSON.stringify(counts),
        key_id: req.keyId ?? null,
        started_at: at,
        updated_at: at,
        finished_at: null,
      })
      .execute();
  }
  req.onProgress?.({ id, line: committedLine, counts, resumedFrom });

  const ctx: BatchContext = {
    importId: id,
    source: `import:${source}${fileName ? `:${fileName}` : ''}`,
    keyId: req.keyId ?? null,
    policyVersion: options.policyVersion,
    now,
  };
  let batch: CsvRecord[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    if (req.signal?.aborted) throw req.signal.reason ?? new Error('aborted');
    const rows = batch.map(read);
    const nextFp = await chain(fingerprint, batch);
    const lastLine = batch[batch.length - 1]!.line;
    const delta = emptyCounts();
    const reports: ReportRow[] = [];
    try {
      await db.transaction().execute(async (trx) => {
        if (req.kind === 'subjects') await subjectsBatch(trx, deps, ctx, rows as { line: number; row: SubjectRow }[], delta, reports);
        else await suppressionsBatch(trx, deps, ctx, rows as { line: number; row: SuppressionRow }[], delta, reports);
        if (dryRun) throw new Rollback();
        await insertReportRows(trx, id!, reports);
        const merged = mergeCounts(counts, delta);
        const r = await trx
          .updateTable('imports')
          .set({ committed_line: lastLine, fingerprint: nextFp, counts: JSON.stringify(merged), updated_at: deps.now() })
          .where('id', '=', id!)
          .where('committed_line', '=', committedLine)
          .where('status', '=', 'running')
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw new Conflict();
      });
    } catch (e) {
      if (!(e instanceof Rollback)) throw e;
    }
    counts = mergeCounts(counts, delta);
    fingerprint = nextFp;
    committedLine = lastLine;
    batch = [];
    req.onReport?.(reports);
    req.onProgress?.({ id, line: committedLine, counts, resumedFrom });
  };

  try {
    if (pending) batch.push(pending);
    for (;;) {
      if (batch.length >= options.batchSize) await flush();
      const next = await records.next();
      if (next.done) break;
      batch.push(next.value);
    }
    await flush();
  } catch (e) {
    if (e instanceof Conflict)
      return { kind: 'conflict', detail: 'Another process moved this import on meanwhile; this one stopped. Look at the import before going on.' };
    throw e;
  }
  if (id && !dryRun) {
    await db.updateTable('imports').set({ status: 'done', finished_at: deps.now(), updated_at: deps.now() }).where('id', '=', id).execute();
  }
  return { kind: 'done', id, counts, resumedFrom, dryRun };
}

function mergeCounts(a: ImportCounts, b: ImportCounts): ImportCounts {
  const reported = { ...a.reported };
  for (const [k, v] of Object.entries(b.reported)) reported[k] = (reported[k] ?? 0) + v;
  return {
    rows: a.rows + b.rows,
    created: a.created + b.created,
    granted: a.granted + b.granted,
    consentNone: a.consentNone + b.consentNone,
    suppressed: a.suppressed + b.suppressed,
    alreadySuppressed: a.alreadySuppressed + b.alreadySuppressed,
    leftAsIs: a.leftAsIs + b.leftAsIs,
    rejected: a.rejected + b.rejected,
    reported,
  };
}

interface BatchContext {
  importId: string | null;
  source: string;
  keyId: string | null;
  policyVersion: string | null;
  now: Date;
}

function report(delta: ImportCounts, reports: ReportRow[], rows: readonly ReportRow[]) {
  for (const r of rows) {
    reports.push(r);
    delta.reported[r.reason] = (delta.reported[r.reason] ?? 0) + 1;
  }
}

/** Hashes of the addresses of the rows that have one, in order. */
async function hashAll(hasher: EmailHasher, emails: readonly string[]): Promise<string[]> {
  return Promise.all(emails.map((e) => hasher.hash(e)));
}

/**
 * The suppressions these rows ask for, as the one suppression upsert (suppressions/queries.ts
 * `suppressEach`) writes them, with a `suppressed` ledger row for each live person whose entry
 * changed. An address that was an erased person's is written as its hash only (erasure/owners.ts).
 */
async function applySuppressions(
  trx: Db,
  ctx: BatchContext,
  wanted: readonly { line: number; email: string; hash: string; reason: SuppressionReason }[],
  owners: ReturnType<typeof splitOwners>,
  delta: ImportCounts,
) {
  if (wanted.length === 0) return;
  const inputs: SuppressInput[] = wanted.map((w) => {
    const live = owners.live.get(w.hash);
    const gone = live ? undefined : owners.erased.get(w.hash);
    return {
      hash: w.hash,
      email: gone ? null : w.email,
      subjectId: live?.id ?? gone ?? null,
      reason: w.reason,
      actorType: 'staff',
      actorId: ctx.keyId,
      note: ctx.importId ? `import ${ctx.importId}` : 'import',
      at: ctx.now,
    };
  });
  const changed = await suppressEach(trx, inputs);
  const ledger: LedgerRow[] = [];
  wanted.forEach((w, i) => {
    if (!changed[i]) {
      delta.alreadySuppressed++;
      return;
    }
    delta.suppressed++;
    const live = owners.live.get(w.hash);
    if (live)
      ledger.push({
        subjectId: live.id,
        action: 'suppressed',
        details: { reason: w.reason, import: ctx.importId },
        evidence: { actorType: 'staff', actorId: ctx.keyId, at: ctx.now, source: ctx.source },
      });
  });
  await appendLedger(trx, ledger);
}

async function suppressionsBatch(
  trx: Db,
  deps: ImportDeps,
  ctx: BatchContext,
  rows: readonly { line: number; row: SuppressionRow }[],
  delta: ImportCounts,
  reports: ReportRow[],
) {
  delta.rows += rows.length;
  const wanted: { line: number; email: string; reason: SuppressionReason }[] = [];
  for (const { line, row } of rows) {
    report(delta, reports, row.reports);
    if (row.kind === 'reject') delta.rejected++;
    else wanted.push({ line, email: row.email, reason: row.reason });
  }
  const hashes = await hashAll(
    deps.hasher,
    wanted.map((w) => w.email),
  );
  const owners = splitOwners(await findHashOwners(trx, hashes));
  await applySuppressions(
    trx,
    ctx,
    wanted.map((w, i) => ({ ...w, hash: hashes[i]! })),
    owners,
    delta,
  );
}

const PROFILE_COLUMNS = PROFILE_FIELDS.map((f) => COLUMN[f]);

async function subjectsBatch(
  trx: Db,
  deps: ImportDeps,
  ctx: BatchContext,
  rows: readonly { line: number; row: SubjectRow }[],
  delta: ImportCounts,
  reports: ReportRow[],
) {
  delta.rows += rows.length;
  const live = rows.filter((r) => r.row.kind !== 'reject') as { line: number; row: Exclude<SubjectRow, { kind: 'reject' }> }[];
  for (const { row } of rows) {
    if (row.kind !== 'reject') continue;
    delta.rejected++;
    report(delta, reports, row.reports);
  }
  const hashes = await hashAll(
    deps.hasher,
    live.map((r) => r.row.email),
  );
  const owners = splitOwners(await findHashOwners(trx, hashes));
  const suppressedRows =
    hashes.length === 0
      ? []
      : (
          await sql<{ hash: string; reason: SuppressionReason }>`
            select hash, reason from suppressions where hash = any(${hashes}::text[]) and active`.execute(trx)
        ).rows;
  const suppressed = new Map(suppressedRows.map((r) => [r.hash, r.reason]));
  const liveIds = [...owners.live.values()].map((p) => p.id);
  const withdrawn = new Set(
    liveIds.length === 0
      ? []
      : (
          await sql<{ subject_id: string }>`
            select subject_id from consents where subject_id = any(${liveIds}::uuid[]) and purpose = 'marketing' and state = 'withdrawn'`.execute(trx)
        ).rows.map((r) => r.subject_id),
  );
  type New = { id: string; line: number; hash: string; row: Extract<SubjectRow, { kind: 'subject' }> };
  const fresh: New[] = [];
  const toSuppress: { line: number; email: string; hash: string; reason: SuppressionReason }[] = [];
  live.forEach(({ line, row }, i) => {
    const hash = hashes[i]!;
    if (row.kind === 'suppress') {
      report(delta, reports, row.reports);
      toSuppress.push({ line, email: row.email, hash, reason: row.reason });
      return;
    }
    const person = owners.live.get(hash);
    const erased = !person && owners.erased.has(hash);
    const state = { suppression: suppressed.get(hash) ?? null, withdrawn: !!person && withdrawn.has(person.id), erased };
    if (person || erased || state.suppression) {
      // Left exactly as it is; only the reason is reported (the other notes of the row do not matter now).
      const reason = reasonForExisting(state);
      report(delta, reports, [{ line, reason, detail: REPORT_DETAIL[reason as keyof typeof REPORT_DETAIL] }]);
      delta.leftAsIs++;
      return;
    }
    // Time-ordered: a million new people land at the edge of every index keyed by them.
    fresh.push({ id: timeOrderedId(), line, hash, row });
  });

  if (fresh.length > 0) {
    const at = ctx.now.toISOString();
    const values = fresh.map((f, n) => ({
      n,
      id: f.id,
      email: f.row.email,
      email_hash: f.hash,
      ...Object.fromEntries(PROFILE_FIELDS.map((p) => [COLUMN[p], f.row.profile[p] ?? null])),
      locale: f.row.locale,
      marketing: f.row.evidence ? 'granted' : 'none',
    }));
    const cols = PROFILE_COLUMNS.map((c) => sql.id(c));
    const recordDef = sql.join([
      sql`n int`,
      sql`id uuid`,
      sql`email text`,
      sql`email_hash text`,
      ...PROFILE_COLUMNS.map((c) => sql`${sql.id(c)} text`),
      sql`locale text`,
      sql`marketing text`,
    ]);
    // One statement: the people, their address history, preferences and consents; a person a
    // concurrent lead created meanwhile is skipped by the unique index (and reported below).
    const created = await sql<{ id: string }>`
      with v as (select * from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v(${recordDef})),
      s as (
        insert into subjects (id, email, email_hash, ${sql.join(cols)}, locale, status, created_at, updated_at, erased_at)
        select id, email, email_hash, ${sql.join(cols)}, coalesce(locale, ${deps.defaultLocale}), 'active', ${at}::timestamptz, ${at}::timestamptz, null
        from v order by n
        on conflict (email_hash) where status <> 'erased' do nothing
        returning id, email_hash),
      a as (insert into subject_addresses (subject_id, email_hash, added_at, replaced_at) select id, email_hash, ${at}::timestamptz, null from s),
      p as (insert into preferences (subject_id, frequency, paused_until, updated_at) select id, 'standard', null, ${at}::timestamptz from s),
      c as (
        insert into consents (subject_id, purpose, state, policy_version, updated_at)
        select s.id, x.purpose, x.state, case when x.purpose = 'processing' or x.state = 'granted' then ${ctx.policyVersion} end, ${at}::timestamptz
        from s join v on v.id = s.id cross join lateral (values ('processing', 'granted'), ('marketing', v.marketing)) as x(purpose, state)),
      u as (update suppressions x set subject_id = s.id from s where x.hash = s.email_hash and x.subject_id is null)
      select id from s`.execute(trx);
    const made = new Set(created.rows.map((r) => r.id));
    const ledger: LedgerRow[] = [];
    for (const f of fresh) {
      if (!made.has(f.id)) {
        report(delta, reports, [{ line: f.line, reason: 'exists', detail: REPORT_DETAIL.exists }]);
        delta.leftAsIs++;
        continue;
      }
      report(delta, reports, f.row.reports);
      delta.created++;
      // Consent to processing: the operator's import of a base it already held is the basis
      // (DESIGN: processing comes with the lead; here the import is the lead).
      ledger.push({
        subjectId: f.id,
        action: 'granted',
        purpose: 'processing',
        details: { basis: 'import', import: ctx.importId },
        evidence: { actorType: 'staff', actorId: ctx.keyId, at: ctx.now, source: ctx.source, policyVersion: ctx.policyVersion },
      });
      const ev = f.row.evidence;
      if (ev) {
        delta.granted++;
        // The person's own act, at the time the file says, from the IP it says; the import only carried it.
        ledger.push({
          subjectId: f.id,
          action: 'granted',
          purpose: 'marketing',
          details: { import: ctx.importId, importedBy: ctx.keyId, importedAt: at, confirmedAt: ev.confirmedAt?.toISOString() ?? null },
          evidence: { actorType: 'subject', at: ev.at, ip: ev.ip, source: ctx.source, policyVersion: ctx.policyVersion },
        });
      } else delta.consentNone++;
    }
    await appendLedger(trx, ledger);
  }
  await applySuppressions(trx, ctx, toSuppress, owners, delta);
}
