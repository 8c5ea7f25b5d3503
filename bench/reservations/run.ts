/**
 * One campaign reservation of 100,000 recipients against a ledger already holding 1,000,000
 * past sends, through the real route (validation, decision, reservation, JSON out), in-process.
 *
 *   npm run bench:reservations                      # PostgreSQL at BENCH_DATABASE_URL (default local `test` db)
 *   BENCH_DB=pglite npm run bench:reservations      # embedded PGlite (in memory)
 *   BENCH_RECIPIENTS=100000 BENCH_PAST_SENDS=1000000 ...
 */
import { sql } from 'kysely';
import { benchApp, benchmark } from '../lib/db.js';
import { seedSubjects } from '../lib/seed.js';

const kind = process.env.BENCH_DB === 'pglite' ? 'pglite' : 'postgres';
const recipients = Number(process.env.BENCH_RECIPIENTS ?? 100_000);
const pastSends = Number(process.env.BENCH_PAST_SENDS ?? 1_000_000);
const baseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

benchmark(kind, baseUrl, async (db) => {
  const now = new Date('2026-11-25T12:00:00Z');
  const t0 = performance.now();
  const ids = await seedSubjects(db, recipients, now);
  await sql`insert into preferences (subject_id, frequency, updated_at) select id, case when random() < 0.2 then 'monthly' else 'standard' end, ${now} from subjects`.execute(
    db,
  );
  // Past sends spread over 400 days, 'sent', across the same people (the realistic worst case:
  // every recipient has history to read).
  const perSubject = Math.max(1, Math.round(pastSends / recipients));
  await sql`
    insert into sends (campaign_id, subject_id, status, reserved_at, expires_at, sent_at)
    select 'past-' || k, s.id, 'sent', t, t + interval '1 day', t
    from subjects s, generate_series(1, ${perSubject}) as k,
         lateral (select ${now}::timestamptz - (random() * 400) * interval '1 day' as t) r`.execute(db);
  await sql`analyze`.execute(db);
  const counted = await sql<{ n: string }>`select count(*)::text as n from sends`.execute(db);
  console.error(`seeded ${recipients} subjects and ${counted.rows[0]!.n} past sends in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const { app, authorization } = await benchApp(db, now, 'sends:write');
  const body = JSON.stringify({ subjects: ids });

  const runs: number[] = [];
  let last: { allowed: string[]; denied: { reason: string }[] } | undefined;
  for (const campaign of ['bench-1', 'bench-2']) {
    const started = performance.now();
    const res = await app.request(`/v1/campaigns/${campaign}/reservations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body,
    });
    last = await res.json();
    runs.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`status ${res.status}: ${JSON.stringify(last)}`);
  }
  const reasons: Record<string, number> = {};
  for (const d of last!.denied) reasons[d.reason] = (reasons[d.reason] ?? 0) + 1;
  return {
    recipients,
    pastSends: Number(counted.rows[0]!.n),
    firstCallMs: Math.round(runs[0]!),
    recipientsPerSecond: Math.round(recipients / (runs[0]! / 1000)),
    secondCampaignMs: Math.round(runs[1]!),
    secondCampaign: { allowed: last!.allowed.length, denied: reasons },
  };
});
