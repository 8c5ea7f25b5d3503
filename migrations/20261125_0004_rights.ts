import { type Kysely, sql } from 'kysely';

/** Disclosures to third parties (court orders, subpoenas) and request extensions. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table disclosures (
      id uuid primary key,
      subject_id uuid not null references subjects (id),
      recipient text not null,
      legal_basis text not null,
      data_disclosed text not null,
      disclosed_at timestamptz not null,
      recorded_at timestamptz not null,
      recorded_by text not null
    )`.execute(db);
  await sql`create index disclosures_subject on disclosures (subject_id)`.execute(db);
  await sql`alter table requests add column extensions jsonb not null default '[]'::jsonb`.execute(db);
  await sql`create index audit_log_time on audit_log (occurred_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists audit_log_time`.execute(db);
  await sql`alter table requests drop column if exists extensions`.execute(db);
  await sql`drop table if exists disclosures`.execute(db);
}
