/**
 * Leaves a migrated PostgreSQL schema `hotpaths_ledger` holding bench/reservations' data (100,000
 * subjects, 1,000,000 past sends) for EXPLAIN (ANALYZE, BUFFERS) by hand:
 *
 *   npx tsx bench/hotpaths/seed-ledger.ts
 *   psql "$URL" -c 'set search_path = hotpaths_ledger' -c 'explain (analyze, buffers) ...'
 *
 * Drop it with `drop schema hotpaths_ledger cascade`.
 */
import { sql } from 'kysely';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import { seedSubjects } from '../lib/seed.js';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = process.env.BENCH_SCHEMA ?? 'hotpaths_ledger';
const recipients = Number(process.env.BENCH_RECIPIENTS ?? 100_000);
const perSubject = 10;
// Days back over which past sends spread (400: mostly outside the window; 30: all inside).
const spreadDays = Number(process.env.BENCH_SPREAD_DAYS ?? 400);

const admin = createPostgresDb(url, { max: 1 });
await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db);
await sql`create schema ${sql.id(schema)}`.execute(admin.db);
const handle = createPostgresDb(url, { max: 1, searchPath: schema });
const db = handle.db;
await migrateToLatest(db);
const now = new Date('2026-11-25T12:00:00Z');
await seedSubjects(db, recipients, now);
await sql`insert into preferences (subject_id, frequency, updated_at) select id, case when random() < 0.2 then 'monthly' else 'standard' end, ${now} from subjects`.execute(
  db,
);
await sql`
  insert into sends (campaign_id, subject_id, status, reserved_at, expires_at, sent_at)
  select 'past-' || k, s.id, 'sent', t, t + interval '1 day', t
  from subjects s, generate_series(1, ${perSubject}) as k,
       lateral (select ${now}::timestamptz - (random() * ${spreadDays} + 0 * k + 0 * ascii(s.id::text)) * interval '1 day' as t) r`.execute(db);
await sql`analyze`.execute(db);
await handle.close();
await admin.close();
console.log(`schema ${schema} seeded`);
