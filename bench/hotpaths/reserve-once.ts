/**
 * One reservation of every subject in the schema left by seed-ledger.ts, straight through
 * `reserve` (no HTTP), rolled back so it can be repeated; prints the milliseconds.
 *
 *   npx tsx bench/hotpaths/reserve-once.ts [runs]
 */
import { sql } from 'kysely';
import { reserve } from '../../src/cadence/reservations.js';
import { createPostgresDb } from '../../src/db/postgres.js';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const handle = createPostgresDb(url, { max: 2, searchPath: process.env.BENCH_SCHEMA ?? 'hotpaths_ledger' });
const db = handle.db;
const now = new Date('2026-11-25T12:00:00Z');
const ids = (await sql<{ id: string }>`select id from subjects`.execute(db)).rows.map((r) => r.id);
const limits = { maxPerWindow: 3, windowDays: 30, minGapHours: 72, windowMode: (process.env.MODE ?? 'rolling') as 'rolling', timeZone: 'Europe/Moscow' };
const times: number[] = [];
for (let i = 0; i < Number(process.argv[2] ?? 3); i++) {
  const t0 = performance.now();
  const r = await reserve(db, { campaignId: `once-${Date.now()}`, subjectIds: ids, limits, ttlHours: 24, now });
  times.push(Math.round(performance.now() - t0));
  // Undo: the next run must see the same ledger.
  await sql`delete from sends where campaign_id like 'once-%'`.execute(db);
  console.error(`allowed ${r.allowed.length} denied ${r.denied.length}`);
}
console.log(JSON.stringify({ ms: times }));
await handle.close();
