import { type KyselyPlugin, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { createApp } from '../../src/app.js';
import { createHarness, type Harness } from '../helpers/harness.js';

/**
 * `/healthz` is the process (liveness: never the database, so an orchestrator does not restart
 * a healthy process whose database is away); `/readyz` is whether to send traffic here: the
 * database answers, its migrations are exactly this code's, and the process is not draining.
 */

const restarting: KyselyPlugin = {
  transformQuery() {
    throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  },
  transformResult: async (args) => args.result,
};

let h: Harness;
let draining = false;
let statements = 0;
const counting: KyselyPlugin = {
  transformQuery(args) {
    statements++;
    return args.node;
  },
  transformResult: async (args) => args.result,
};
beforeAll(async () => {
  h = await createHarness({ extra: { draining: () => draining } });
});
afterAll(async () => h?.close());

describe('/healthz', () => {
  it('answers 200 without a single statement to the database', async () => {
    const app = createApp({ ...h.deps, db: h.db.withPlugin(counting) });
    statements = 0;
    const res = await app.request('/healthz');
    expect([res.status, await res.json(), statements]).toEqual([200, { status: 'ok' }, 0]);
    // The same probe on /readyz does ask the database: the counter can see it.
    await app.request('/readyz');
    expect(statements).toBeGreaterThan(0);
  });

  it('answers 200 while the database is down', async () => {
    const down = createApp({ ...h.deps, db: h.db.withPlugin(restarting) });
    expect((await down.request('/healthz')).status).toBe(200);
  });
});

describe('/readyz', () => {
  it('answers 200 on a database migrated to this code', async () => {
    const res = await h.app.request('/readyz');
    expect([res.status, await res.json()]).toEqual([200, { status: 'ok' }]);
  });

  it('answers 503 database, with Retry-After, while the database is down', async () => {
    const down = createApp({ ...h.deps, db: h.db.withPlugin(restarting) });
    const res = await down.request('/readyz');
    expect([res.status, res.headers.get('retry-after'), await res.json()]).toEqual([503, '5', { status: 'unavailable', reason: 'database' }]);
  });

  it('answers 503 migrations_pending when the database lacks a migration this code knows', async () => {
    const last = Object.keys(migrations).at(-1)!;
    await sql`delete from kysely_migration where name = ${last}`.execute(h.db);
    try {
      const res = await h.app.request('/readyz');
      expect([res.status, await res.json()]).toEqual([503, { status: 'unavailable', reason: 'migrations_pending' }]);
    } finally {
      await sql`insert into kysely_migration (name, timestamp) values (${last}, ${new Date().toISOString()})`.execute(h.db);
    }
    expect((await h.app.request('/readyz')).status).toBe(200);
  });

  it('answers 503 migrations_unknown when a newer release migrated the database', async () => {
    await sql`insert into kysely_migration (name, timestamp) values ('29991231_9999_from_the_future', ${new Date().toISOString()})`.execute(h.db);
    try {
      const res = await h.app.request('/readyz');
      expect([res.status, await res.json()]).toEqual([503, { status: 'unavailable', reason: 'migrations_unknown' }]);
    } finally {
      await sql`delete from kysely_migration where name = '29991231_9999_from_the_future'`.execute(h.db);
    }
  });

  it('answers 503 draining once the process shuts down, and /healthz still 200', async () => {
    draining = true;
    try {
      const res = await h.app.request('/readyz');
      expect([res.status, res.headers.get('retry-after'), await res.json()]).toEqual([503, '5', { status: 'unavailable', reason: 'draining' }]);
      expect((await h.app.request('/healthz')).status).toBe(200);
    } finally {
      draining = false;
    }
  });
});
