// The reservation reads a bounded slice of each person's ledger (state.ts, `mostRecent`) and
// decides on it; the pure policy over the whole history is the specification. These properties
// hold the database's answer to the policy's on random ledgers, on PGlite and PostgreSQL alike.
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CadenceLimits, type CadenceSubject, decide, decisionSends, type Frequency } from '../../src/cadence/policy.js';
import { reserve } from '../../src/cadence/reservations.js';
import type { DbHandle } from '../../src/db/handle.js';
import { DAY, HOUR, mailable, seedSubjects } from '../helpers/cadence.js';
import { createTestDb } from '../helpers/harness.js';
import { fcSeed } from '../helpers/seed.js';

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(() => handle.close());

const TTL_HOURS = 24;
const NOW_MIN = new Date('2026-01-01T00:00:00Z').getTime();
const NOW_MAX = new Date('2026-12-31T00:00:00Z').getTime();

const limitsArb: fc.Arbitrary<CadenceLimits> = fc.record({
  maxPerWindow: fc.integer({ min: 1, max: 6 }),
  windowDays: fc.oneof(fc.constant(30), fc.integer({ min: 1, max: 45 })),
  minGapHours: fc.oneof(fc.constantFrom(0, 72), fc.integer({ min: 0, max: 24 * 10 })),
  windowMode: fc.constantFrom('rolling' as const, 'calendar_month' as const),
  timeZone: fc.constantFrom('Europe/Moscow', 'UTC', 'America/New_York'),
});

/** A ledger row relative to now: some sent, some live or expired reservations, some released. */
const rowArb = fc.record({
  reservedAgo: fc.oneof(fc.integer({ min: -2 * HOUR, max: 70 * DAY }), fc.integer({ min: 0, max: 3 * DAY })),
  status: fc.constantFrom('sent' as const, 'sent' as const, 'reserved' as const, 'released' as const),
  // Sent some time after reserving (within the reservation's life), possibly after now.
  sentAfter: fc.integer({ min: 0, max: TTL_HOURS * HOUR - 1 }),
  expiresAfter: fc.integer({ min: HOUR, max: TTL_HOURS * HOUR }),
});

const personArb = fc.record({
  frequency: fc.constantFrom<Frequency>('monthly', 'standard'),
  pausedDays: fc.option(fc.integer({ min: -3, max: 20 }), { nil: null }),
  rows: fc.array(rowArb, { maxLength: 12 }),
});

let run = 0;

describe('reserve decides as the policy does over the whole history', () => {
  it('allows and refuses (reason and next moment) exactly as decide() on every counting send', async () => {
    await fc.assert(
      fc.asyncProperty(
        limitsArb,
        fc.integer({ min: NOW_MIN, max: NOW_MAX }),
        fc.array(personArb, { minLength: 1, maxLength: 8 }),
        async (limits, t, people) => {
          run++;
          const now = new Date(t);
          const ids = await seedSubjects(handle.db, people.length, { now, frequencies: people.map((p) => p.frequency), prefix: `rmp-${run}` });
          const expected = new Map<string, ReturnType<typeof decide>>();
          for (const [i, person] of people.entries()) {
            const id = ids[i]!;
            const pausedUntil = person.pausedDays === null ? null : new Date(t + person.pausedDays * DAY).toISOString().slice(0, 10);
            if (pausedUntil) await sql`update preferences set paused_until = ${pausedUntil}::date where subject_id = ${id}`.execute(handle.db);
            const counted: Date[] = [];
            for (const [k, row] of person.rows.entries()) {
              const reservedAt = t - row.reservedAgo;
              const expiresAt = reservedAt + row.expiresAfter;
              const sentAt = row.status === 'sent' ? reservedAt + Math.min(row.sentAfter, row.expiresAfter - 1) : null;
              await sql`
              insert into sends (campaign_id, subject_id, status, reserved_at, expires_at, sent_at, released_at)
              values (${`past-${k}`}, ${id}, ${row.status}, ${new Date(reservedAt)}, ${new Date(expiresAt)},
                      ${sentAt === null ? null : new Date(sentAt)}, ${row.status === 'released' ? new Date(reservedAt) : null})`.execute(handle.db);
              // What counts, stated here and not taken from state.ts: sent, or reserved and not expired.
              if (row.status === 'sent') counted.push(new Date(sentAt!));
              if (row.status === 'reserved' && expiresAt > t) counted.push(new Date(reservedAt));
            }
            const subject: CadenceSubject = mailable({ frequency: person.frequency, pausedUntil, sends: counted });
            expected.set(id, decide(subject, limits, now));
          }
          const result = await reserve(handle.db, { campaignId: `rmp-${run}`, subjectIds: ids, limits, ttlHours: TTL_HOURS, now });
          for (const id of ids) {
            const want = expected.get(id)!;
            if (want.allowed) {
              expect(result.allowed).toContain(id);
            } else {
              expect(result.denied.find((d) => d.subject === id)).toEqual({
                subject: id,
                reason: want.reason,
                ...(want.nextAllowedAt ? { nextAllowedAt: want.nextAllowedAt.toISOString() } : {}),
              });
            }
          }
        },
      ),
      fcSeed({ numRuns: 40 }),
    );
  }, 120_000);
});

describe('decisionSends: the latest sends a decision needs', () => {
  it('decides on the latest decisionSends(limits) sends up to now as on the whole history', () => {
    fc.assert(
      fc.property(
        limitsArb,
        fc.integer({ min: NOW_MIN, max: NOW_MAX }),
        fc.constantFrom<Frequency>('monthly', 'standard'),
        fc.array(fc.integer({ min: -2 * DAY, max: 90 * DAY }), { maxLength: 30 }),
        (limits, t, frequency, agos) => {
          const now = new Date(t);
          const all = agos.map((ago) => new Date(t - ago));
          const latest = all
            .filter((d) => d.getTime() <= t)
            .sort((a, b) => b.getTime() - a.getTime())
            .slice(0, decisionSends(limits));
          expect(decide(mailable({ frequency, sends: latest }), limits, now)).toEqual(decide(mailable({ frequency, sends: all }), limits, now));
        },
      ),
      fcSeed({ numRuns: 2000 }),
    );
  });
});
