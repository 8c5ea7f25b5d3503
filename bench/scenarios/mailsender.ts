/**
 * Mail-sender webhook throughput: N requests of 1,000 events each (hard and soft bounces,
 * complaints, unsubscribes; half of them for people we know) through the real route
 * (authentication, parsing, hashing, applying, JSON out), in-process, one after the other;
 * then the sender retrying one batch (every event a duplicate). No limit measured: events/s.
 */
import { sql } from 'kysely';
import { createEmailHasher } from '../../src/consent/hash.js';
import type { Db } from '../../src/db/handle.js';
import { BENCH_HASH_KEY, benchApp } from '../lib/db.js';
import { openSchema } from '../lib/env.js';
import { fmtInt, fmtMs, type ScenarioResult } from '../lib/harness.js';
import { seedSubjects } from '../lib/seed.js';

/** Deterministic (mulberry32), so two runs post the same events. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function mailsender(opts: { quick: boolean }): Promise<ScenarioResult> {
  const batches = opts.quick ? 3 : 20;
  const perBatch = 1000;
  const subjects = opts.quick ? 2_000 : 20_000;
  const s = await openSchema('mailsender');
  try {
    return await measure(s.handle.db, batches, perBatch, subjects);
  } finally {
    await s.drop();
  }
}

async function measure(db: Db, batches: number, perBatch: number, subjects: number): Promise<ScenarioResult> {
  const now = new Date('2026-11-25T12:00:00Z');
  const hasher = await createEmailHasher(BENCH_HASH_KEY);
  const t0 = performance.now();
  const ids = await seedSubjects(db, subjects, now);
  // The shared seed names people by a stand-in hash; the mail sender finds them by the real one.
  const rows = await db.selectFrom('subjects').select(['id', 'email']).execute();
  const hashes = await Promise.all(rows.map((r) => hasher.hash(r.email!)));
  await sql`
    update subjects s set email_hash = v.hash
    from unnest(${rows.map((r) => r.id)}::uuid[], ${hashes}::text[]) as v(id, hash)
    where s.id = v.id`.execute(db);
  await sql`analyze`.execute(db);
  console.error(`seeded ${ids.length} subjects in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const { app, authorization } = await benchApp(db, now, 'mail-sender:events');

  // Half the addresses are people we know, half strangers; each batch draws from all of
  // them, so addresses recur across batches (soft bounces add up, suppressions repeat).
  const random = prng(20261125);
  const types = ['hard_bounce', 'soft_bounce', 'soft_bounce', 'soft_bounce', 'complaint', 'unsubscribe'] as const;
  const batchBody = (b: number) =>
    JSON.stringify({
      events: Array.from({ length: perBatch }, (_, i) => {
        const n = Math.floor(random() * subjects * 2);
        return {
          type: types[Math.floor(random() * types.length)],
          email: n < subjects ? `bench-${n + 1}@example.test` : `stranger-${n}@example.org`,
          id: `bench-${b}-${i}`,
          at: new Date(now.getTime() - Math.floor(random() * 20 * 86_400_000)).toISOString(),
          detail: '550 5.1.1 mailbox unavailable',
        };
      }),
    });
  const post = async (body: string) => {
    const res = await app.request('/v1/events/mail-sender', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body,
    });
    const out = (await res.json()) as { processed: number; duplicates: number; suppressed: number };
    if (res.status !== 200) throw new Error(`status ${res.status}: ${JSON.stringify(out)}`);
    return out;
  };

  await post(batchBody(-1)); // warm-up: JIT, plan caches, connection pool
  const bodies = Array.from({ length: batches }, (_, b) => batchBody(b));
  const times: number[] = [];
  const totals = { processed: 0, duplicates: 0, suppressed: 0 };
  for (const body of bodies) {
    const started = performance.now();
    const r = await post(body);
    times.push(performance.now() - started);
    totals.processed += r.processed;
    totals.duplicates += r.duplicates;
    totals.suppressed += r.suppressed;
  }
  // The sender retrying a delivery: every event a duplicate.
  const replayStarted = performance.now();
  const replay = await post(bodies[0]!);
  const replayMs = performance.now() - replayStarted;

  const total = times.reduce((a, b) => a + b, 0);
  const sorted = [...times].sort((a, b) => a - b);
  const eventsPerSecond = (batches * perBatch) / (total / 1000);
  return {
    rows: [
      {
        scenario: 'mailsender',
        service: `${fmtInt(eventsPerSecond)} events/s (${fmtMs(sorted[Math.floor(batches / 2)]!)} a batch of ${fmtInt(perBatch)})`,
        limit: '—',
        ratio: null,
        goal: '—',
        met: null,
        notes: `${batches} batches in-process, one after the other; a replayed batch (all duplicates) ${fmtMs(replayMs)}; outcomes ${JSON.stringify(totals)}`,
      },
    ],
    figures: { batches, perBatch, subjects, eventsPerSecond, msPerBatch: times, replayMs, replayDuplicates: replay.duplicates, outcomes: totals },
  };
}
