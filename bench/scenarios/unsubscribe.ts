/**
 * One-click unsubscribe at 32 connections, every request a first click (a person of their own,
 * one link each), against the real server process.
 *
 * PostgreSQL limits, interleaved with the service in the same run:
 *  (a) `bare`: a bare Hono + pg handler in its own process running the very function the route
 *      calls (the same SQL), the subject id in the path instead of a token;
 *  (b) `minimal`: a `pg` loop at 32 clients of the minimal honest unsubscribe: one statement
 *      that upserts the suppression and writes one ledger row.
 * PGlite: the service beside the bare statement (`unsubscribe()`) in a loop on an in-process PGlite.
 */

import { sql } from 'kysely';
import pg from 'pg';
import type { Db } from '../../src/db/handle.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { generateSigningJwk } from '../../src/links/tokens.js';
import { createPgliteDb } from '../../src/node/pglite.js';
import { unsubscribe } from '../../src/unsubscribe/actions.js';
import { type LoadFigures, load, openSchema, spawnNode } from '../lib/env.js';
import { fmtInt, ratio, type ScenarioResult } from '../lib/harness.js';
import { BODY, CONNECTIONS, checkAllOk, fig, med, ONE_CLICK, POOL, signPaths, WARM } from '../lib/one-click.js';
import { seedSubjects } from '../lib/seed.js';
import { freePort, startService, tempDir } from '../lib/service.js';

/** Splits `ids` into `parts` consecutive slices of `size`. */
function slices(ids: string[], parts: number, size: number): string[][] {
  return Array.from({ length: parts }, (_, i) => ids.slice(i * size, (i + 1) * size));
}

/** `work(i)` for i in 0..n-1 at `concurrency` at a time; rate and latency percentiles. */
async function loop(n: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<LoadFigures> {
  const lat: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        await work(i);
        lat.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  lat.sort((a, b) => a - b);
  return { perSecond: n / seconds, p50: lat[Math.floor(n * 0.5)]!, p99: lat[Math.min(n - 1, Math.floor(n * 0.99))]!, requests: n, non2xx: 0, errors: 0 };
}

export async function unsubscribePg(opts: { quick: boolean }): Promise<ScenarioResult> {
  const rounds = opts.quick ? 1 : 3;
  const perRound = opts.quick ? 1_000 : 8_000;
  const now = new Date();
  const s = await openSchema('unsubscribe_pg');
  const tmp = tempDir();
  const jwk = await generateSigningJwk('bench');
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  let bare: Awaited<ReturnType<typeof spawnNode>> | undefined;
  // Idle clients go within a second: the service's and the bare handler's pools need their share.
  const pool = new pg.Pool({ connectionString: s.url, max: CONNECTIONS, idleTimeoutMillis: 1_000 });
  try {
    const all = await seedSubjects(s.handle.db, rounds * perRound * 3 + 2 * WARM, now);
    const ids = all.slice(0, rounds * perRound * 3);
    const warmIds = all.slice(rounds * perRound * 3);
    await sql`analyze`.execute(s.handle.db);
    const [forService, forBare, forMinimal] = [0, 1, 2].map((k) => slices(ids.slice(k * rounds * perRound), rounds, perRound));
    const paths: string[][] = [];
    for (const slice of forService!) paths.push(await signPaths(slice, now, jwk));
    const people = new Map((await s.handle.db.selectFrom('subjects').select(['id', 'email', 'email_hash']).execute()).map((r) => [r.id, r] as const));
    service = await startService({ url: s.url, dataDir: tmp.dir }, jwk, { DB_POOL_MAX: POOL });
    bare = await spawnNode('bench/lib/bare-server.ts', [], { BARE: 'unsubscribe', DATABASE_URL: s.url, DB_POOL_MAX: POOL }, await freePort());

    // Warm-up: JIT, connection pools, plan caches (people of their own, outside the measured sets).
    const warmPaths = await signPaths(warmIds.slice(0, WARM), now, jwk);
    checkAllOk(
      'service warm-up',
      await load(service.base, { connections: CONNECTIONS, amount: WARM, method: 'POST', path: (i) => warmPaths[i]!, body: BODY, headers: ONE_CLICK }),
    );
    checkAllOk(
      'bare warm-up',
      await load(bare.base, { connections: CONNECTIONS, amount: WARM, method: 'POST', path: (i) => `/x/${warmIds[WARM + i]}`, body: BODY, headers: ONE_CLICK }),
    );

    const minimalSql = `
      with sup as (
        insert into suppressions (hash, email, subject_id, reason, active, changed_at, created_at, actor_type)
        values ($1, $2, $3, 'unsubscribed', true, $4, $4, 'subject')
        on conflict (hash) do nothing
        returning hash
      )
      insert into consent_events (subject_id, purpose, action, actor_type, occurred_at, source, campaign_id)
      select $3, 'marketing', 'unsubscribed', 'subject', $4, 'one-click', 'bench' from sup`;
    await loop(CONNECTIONS, CONNECTIONS, () => pool.query('select 1'));

    const figures = { service: [] as LoadFigures[], bare: [] as LoadFigures[], minimal: [] as LoadFigures[] };
    for (let r = 0; r < rounds; r++) {
      const sp = paths[r]!;
      const f1 = await load(service.base, { connections: CONNECTIONS, amount: sp.length, method: 'POST', path: (i) => sp[i]!, body: BODY, headers: ONE_CLICK });
      checkAllOk('service', f1);
      figures.service.push(f1);
      const bp = forBare![r]!;
      const f2 = await load(bare.base, {
        connections: CONNECTIONS,
        amount: bp.length,
        method: 'POST',
        path: (i) => `/x/${bp[i]}`,
        body: BODY,
        headers: ONE_CLICK,
      });
      checkAllOk('bare', f2);
      figures.bare.push(f2);
      const mp = forMinimal![r]!;
      figures.minimal.push(
        await loop(mp.length, CONNECTIONS, (i) => {
          const p = people.get(mp[i]!)!;
          // Named: parsed and planned once per connection, as the service's own statement is.
          return pool.query({ name: 'minimal', text: minimalSql, values: [p.email_hash, p.email, p.id, new Date()] });
        }),
      );
    }
    // Every measured click wrote: one suppression per person.
    const written = await sql<{ n: string }>`select count(*)::text as n from suppressions`.execute(s.handle.db);
    if (Number(written.rows[0]!.n) !== all.length) throw new Error(`expected ${all.length} suppressions, found ${written.rows[0]!.n}`);

    const sv = med(figures.service);
    const ba = med(figures.bare);
    const mi = med(figures.minimal);
    const rb = ratio(sv.perSecond, ba.perSecond);
    const rm = ratio(sv.perSecond, mi.perSecond);
    const size = `${rounds} × ${fmtInt(perRound)} first clicks each, ${CONNECTIONS} connections, medians`;
    return {
      rows: [
        {
          scenario: 'unsubscribe-pg vs bare handler',
          service: fig(sv),
          limit: fig(ba),
          ratio: rb,
          goal: '≥ 0.85, p99 < 50 ms',
          met: rb !== null && rb >= 0.85 && sv.p99 < 50,
          notes: `${size}; limit: Hono + pg running the route's own unsubscribe() statement`,
        },
        {
          scenario: 'unsubscribe-pg vs minimal',
          service: fig(sv),
          limit: fig(mi),
          ratio: rm,
          goal: '≥ 0.6',
          met: rm !== null && rm >= 0.6,
          notes: 'limit: pg loop, 32 clients, suppression upsert + one ledger row in one prepared statement',
        },
      ],
      figures: { rounds, perRound, connections: CONNECTIONS, service: figures.service, bare: figures.bare, minimal: figures.minimal },
    };
  } finally {
    await service?.stop();
    await bare?.stop();
    await pool.end();
    await s.drop();
    tmp.remove();
  }
}

export async function unsubscribePglite(opts: { quick: boolean }): Promise<ScenarioResult> {
  const rounds = opts.quick ? 1 : 2;
  const perRound = opts.quick ? 300 : 1_500;
  const now = new Date();
  const jwk = await generateSigningJwk('bench');
  const served = tempDir();
  const looped = tempDir();
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  let loopDb: Awaited<ReturnType<typeof createPgliteDb>> | undefined;
  try {
    const seed = async (dir: string) => {
      const h = await createPgliteDb(dir, 'bench seed');
      await migrateToLatest(h.db);
      const ids = await seedSubjects(h.db, rounds * perRound, now);
      return { h, ids };
    };
    const a = await seed(served.dir);
    await a.h.close();
    const b = await seed(looped.dir);
    loopDb = b.h;
    const paths = await signPaths(a.ids, now, jwk);
    service = await startService({ dataDir: served.dir }, jwk);
    await load(service.base, { connections: 8, amount: 200, method: 'GET', path: () => '/readyz' });
    const db: Db = loopDb.db;
    const figures = { service: [] as LoadFigures[], loop: [] as LoadFigures[] };
    for (let r = 0; r < rounds; r++) {
      const sp = paths.slice(r * perRound, (r + 1) * perRound);
      const f = await load(service.base, { connections: CONNECTIONS, amount: sp.length, method: 'POST', path: (i) => sp[i]!, body: BODY, headers: ONE_CLICK });
      checkAllOk('service', f);
      figures.service.push(f);
      const lp = b.ids.slice(r * perRound, (r + 1) * perRound);
      figures.loop.push(
        await loop(lp.length, CONNECTIONS, (i) => unsubscribe(db, lp[i]!, { actorType: 'subject', at: new Date(), campaignId: 'bench', source: 'one-click' })),
      );
    }
    const sv = med(figures.service);
    const lo = med(figures.loop);
    return {
      rows: [
        {
          scenario: 'unsubscribe-pglite',
          service: fig(sv),
          limit: fig(lo),
          ratio: ratio(sv.perSecond, lo.perSecond),
          goal: '≥ 600/s',
          met: sv.perSecond >= 600,
          notes: `${rounds} × ${fmtInt(perRound)} first clicks, ${CONNECTIONS} connections; limit: the route's unsubscribe() in a loop on an in-process PGlite (one query at a time)`,
        },
      ],
      figures: { rounds, perRound, connections: CONNECTIONS, service: figures.service, loop: figures.loop },
    };
  } finally {
    await service?.stop();
    await loopDb?.close();
    served.remove();
    looped.remove();
  }
}
