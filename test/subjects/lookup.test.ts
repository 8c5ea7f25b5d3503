import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseSubject } from '../../src/erasure/erase.js';
import { liveSubjectByHash, liveSubjectsByHashes } from '../../src/subjects/lookup.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { createSubject } from '../helpers/pages.js';

/** Who holds an address hash now: the live person, never an erased shell. PGlite, and PostgreSQL with TEST_DATABASE_URL. */

describe('live subject lookup', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("finds the live person by hash, alone or in a set; an erased one is nobody's", async () => {
    const a = (await createSubject(h, 'lookup-a@example.ru')).id;
    const b = (await createSubject(h, 'lookup-b@example.ru')).id;
    const ha = await h.deps.hasher.hash('lookup-a@example.ru');
    const hb = await h.deps.hasher.hash('lookup-b@example.ru');
    const hn = await h.deps.hasher.hash('nobody@example.ru');
    expect(await liveSubjectByHash(h.db, ha)).toEqual({ id: a, email: 'lookup-a@example.ru', emailHash: ha, status: 'active', locale: expect.any(String) });
    expect(await liveSubjectByHash(h.db, hn)).toBeNull();
    const both = await liveSubjectsByHashes(h.db, [ha, hb, hn, ha]);
    expect([...both.keys()].sort()).toEqual([ha, hb].sort());
    expect(both.get(hb)?.id).toBe(b);
    expect((await liveSubjectsByHashes(h.db, [])).size).toBe(0);

    await h.db.transaction().execute((trx) => eraseSubject(trx, b, h.clock.now(), null));
    expect(await liveSubjectByHash(h.db, hb)).toBeNull();
    expect([...(await liveSubjectsByHashes(h.db, [ha, hb])).keys()]).toEqual([ha]);
    const locked = await h.db.transaction().execute((trx) => liveSubjectByHash(trx, ha, { lock: true }));
    expect(locked?.id).toBe(a);
  });
});
