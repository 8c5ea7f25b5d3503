import { sql } from 'kysely';
import type { Db } from '../../src/db/handle.js';
import { type ImportDeps, type ImportRequest, runImport } from '../../src/imports/actions.js';

/** Text chunks of about `size` characters, as a file or a request body arrives. */
export async function* textChunks(text: string, size = 64 * 1024): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

/** Every table's row count: what a dry run and a second import must leave the same. */
export async function tableCounts(db: Db): Promise<Record<string, number>> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely_%' order by table_name`.execute(db);
  const out: Record<string, number> = {};
  for (const { table_name } of tables.rows) {
    const r = await sql<{ n: string }>`select count(*)::text as n from ${sql.id(table_name)}`.execute(db);
    out[table_name] = Number(r.rows[0]!.n);
  }
  return out;
}

/** The suppression feed's state: every entry, ordered, for before/after comparisons. */
export async function suppressionState(db: Db) {
  return (await sql`select hash, email, subject_id, reason, active, seq, changed_at from suppressions order by hash`.execute(db)).rows;
}

export function importer(db: Db, deps: ImportDeps) {
  return (text: string, req: Omit<ImportRequest, 'text' | 'source'> & { source?: string }) =>
    runImport(db, deps, { source: 'test', ...req, text: textChunks(text) });
}
