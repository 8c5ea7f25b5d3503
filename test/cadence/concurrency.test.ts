import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../src/db/handle.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import { campaignCall, countSends, type ReservationBody, randomId, reserveOk, seedSubjects } from '../helpers/cadence.js';
import { createHarness, createTestDb, type Harness, onPostgres } from '../helpers/harness.js';
import { seededRandom } from '../helpers/seed.js';

const T0 = '2026-03-02T09:00:00.000Z';
const PEOPLE = 1_000;
const CAMPAIGNS = 20;

/** The order of the racing calls: random, from the suite's seed (printed), so a failure can be replayed. */
const random = seededRandom('concurrency order');

function shuffled<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Opens every connection of the pool first, so that the racing calls really run in parallel. */
async function warm(db: Harness['db'], connections: number): Promise<void> {
  await Promise.all(Array.from({ length: connections }, () => sql`select pg_sleep(0.05)`.execute(db)));
}

/** Live (not released) ledger rows per subject, from SQL. */
async function liveCountBySubject(db: Harness['db']): Promise<Map<string, number>> {
  const r = await sql<{ subject_id: string; n: number }>`
    select subject_id, count(*)::int as n from sends where status <> 'released' group by subject_id`.execute(db);
  return new Map(r.rows.map((x) => [x.subject_id, Number(x.n)]));
}

/** Pairs of one person's live sends closer together than `hours` (by SQL over the ledger). */
async function pairsCloserThan(db: Harness['db'], hours: number): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(*)::int as n
    from sends a join sends b on a.subject_id = b.subject_id and a.campaign_id < b.campaign_id
    where a.status <> 'released' and b.status <> 'released'
      and abs(extract(epoch from (coalesce(a.sent_at, a.reserved_at) - coalesce(b.sent_at, b.reserved_at)))) < ${hours * 3600}`.execute(db);
  return Number(r.rows[0]!.n);
}

// Concurrency needs real connections in parallel: PGlite has one.
describe.skipIf(!onPostgres)('20 campaigns reserving the same 1,000 people at once (PostgreSQL)', () => {
  describe('with the default 72-hour minimum gap', () => {
    let h: Harness;
    let key: string;
    let ids: string[];
    beforeAll(async () => {
      h = await createHarness({ handle: await createTestDb({ poolMax: 25 }), now: T0 });
      key = await h.bearer('sends:write');
      ids = await seedSubjects(h.db, PEOPLE, { now: new Date(T0), frequencies: ['standard', 'monthly'] });
      await warm(h.db, 25);
    });
    afterAll(() => h.close());

    it('lets exactly one campaign win each person, with no error and no deadlock', async () => {
      const responses = await Promise.all(
        Array.from({ length: CAMPAIGNS }, (_, i) => campaignCall(h, key, `race-${i}`, 'reservations', { subjects: shuffled(ids) })),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(CAMPAIGNS).fill(200));
      const bodies = (await Promise.all(responses.map((r) => r.json()))) as ReservationBody[];

      // Every person answered once per campaign, and won by exactly one campaign.
      for (const b of bodies) expect(b.allowed.length + b.denied.length).toBe(PEOPLE);
      const winners = bodies.flatMap((b) => b.allowed);
      expect(winners).toHaveLength(PEOPLE);
      expect(new Set(winners).size).toBe(PEOPLE);
      // The losers were refused for timing (monthly people by their cap, standard ones by the gap).
      const reasons = new Set(bodies.flatMap((b) => b.denied.map((d) => d.reason)));
      expect([...reasons].sort()).toEqual(['frequency_cap', 'min_gap']);

      // The ledger agrees: one live row per person, and no two of a person's rows within 72 hours.
      const live = await liveCountBySubject(h.db);
      expect(live.size).toBe(PEOPLE);
      expect([...live.values()].every((n) => n === 1)).toBe(true);
      expect(await countSends(h.db)).toBe(PEOPLE);
      expect(await pairsCloserThan(h.db, 72)).toBe(0);
    }, 120_000);
  });

  describe('with CADENCE_MIN_GAP_HOURS=0, across 4 service instances (separate connection pools)', () => {
    let h: Harness;
    let key: string;
    let ids: string[];
    const instances: Harness[] = [];
    beforeAll(async () => {
      const env = { CADENCE_MIN_GAP_HOURS: '0' };
      h = await createHarness({ handle: await createTestDb({ poolMax: 25 }), env, now: T0 });
      key = await h.bearer('sends:write');
      ids = await seedSubjects(h.db, PEOPLE, { now: new Date(T0), frequencies: ['standard', 'monthly'] });
      // More instances of the service over the same schema, each with its own pool.
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(h.db)).rows[0]!.s;
      for (let i = 0; i < 3; i++) {
        const handle: DbHandle = createPostgresDb(process.env.TEST_DATABASE_URL!, { max: 7, searchPath: schema });
        instances.push(await createHarness({ handle, env, now: T0 }));
        await warm(handle.db, 7);
      }
      await warm(h.db, 25);
    });
    afterAll(async () => {
      for (const i of instances) await i.close();
      await h.close();
    });

    it('lets exactly three campaigns win each standard person and one each monthly person', async () => {
      const apps = [h, ...instances];
      const responses = await Promise.all(
        Array.from({ length: CAMPAIGNS }, (_, i) => campaignCall(apps[i % apps.length]!, key, `nogap-${i}`, 'reservations', { subjects: shuffled(ids) })),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(CAMPAIGNS).fill(200));
      const bodies = (await Promise.all(responses.map((r) => r.json()))) as ReservationBody[];
      expect(new Set(bodies.flatMap((b) => b.denied.map((d) => d.reason)))).toEqual(new Set(['frequency_cap']));

      const caps = await sql<{ subject_id: string; frequency: string; n: number }>`
        select p.subject_id, p.frequency, count(x.subject_id)::int as n
        from preferences p left join sends x on x.subject_id = p.subject_id and x.status <> 'released'
        group by p.subject_id, p.frequency`.execute(h.db);
      expect(caps.rows).toHaveLength(PEOPLE);
      const wrong = caps.rows.filter((r) => Number(r.n) !== (r.frequency === 'monthly' ? 1 : 3));
      expect(wrong).toEqual([]);
      expect(bodies.reduce((s, b) => s + b.allowed.length, 0)).toBe((PEOPLE / 2) * 3 + PEOPLE / 2);
    }, 120_000);
  });
});

describe('one call with 100,000 recipients', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ now: T0 });
  });
  afterAll(() => h.close());

  it('answers 200, reserving the few real people and refusing the rest as unknown_subject', async () => {
    const real = await seedSubjects(h.db, 5, { now: new Date(T0) });
    const subjects = Array.from({ length: 100_000 - real.length }, randomId);
    for (const id of real) subjects.splice(Math.floor(random() * subjects.length), 0, id);
    expect(subjects).toHaveLength(100_000);
    const body = await reserveOk(h, await h.bearer('sends:write'), 'big-batch', { subjects });
    expect([...body.allowed].sort()).toEqual([...real].sort());
    expect(body.denied).toHaveLength(100_000 - real.length);
    expect(body.denied.every((d) => d.reason === 'unknown_subject' && !('nextAllowedAt' in d))).toBe(true);
    expect(await countSends(h.db)).toBe(real.length);
  }, 180_000);
});
