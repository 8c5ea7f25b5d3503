import { type Kysely, sql } from 'kysely';

/**
 * Imports of subjects and suppressions (src/imports/). One row per import, updated in the same
 * transaction as each batch it commits: the line up to which the file is in, a fingerprint of
 * the rows read so far (a resumed import must be reading the same file) and the counts. The
 * rejected rows' report is kept beside it (line, reason, a detail that never holds the address)
 * so the staff API can hand it out; no address and no other column of the file is stored there.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table imports (
      id uuid primary key,
      kind text not null check (kind in ('subjects', 'suppressions')),
      status text not null check (status in ('running', 'done')),
      file_name text,
      file_sha256 text,
      source text not null,
      options jsonb not null,
      committed_line integer not null default 0,
      fingerprint text not null default '',
      counts jsonb not null,
      key_id text,
      started_at timestamptz not null,
      updated_at timestamptz not null,
      finished_at timestamptz
    )`.execute(db);
  // Every import batch asks who holds its addresses (erasure/owners.ts findHashOwners), erased
  // people included: without this index (the live one excludes erased rows) that branch reads
  // the whole subjects table once per batch, which grows with the import.
  await sql`create index subjects_erased_hash on subjects (email_hash) where status = 'erased'`.execute(db);
  await sql`create index imports_unfinished on imports (file_sha256, kind) where status = 'running'`.execute(db);
  await sql`
    create table import_rejects (
      import_id uuid not null references imports (id),
      line integer not null,
      reason text not null,
      detail text not null,
      primary key (import_id, line, reason)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists import_rejects`.execute(db);
  await sql`drop table if exists imports`.execute(db);
  await sql`drop index if exists subjects_erased_hash`.execute(db);
}
