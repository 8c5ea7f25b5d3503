import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseSubject } from '../../src/erasure/erase.js';
import { expectedHash, getFeed, parseNdjson } from '../helpers/feed.js';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';
import { createConfirmedSubject, snapshotDb } from '../helpers/pages.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.app.request('/v1/topics/webinars', jsonRequest('PUT', { name: { ru: 'Вебинары', en: 'Webinars' } }, await h.bearer('admin')));
});
afterAll(() => h.close());

describe('topics and erasure', () => {
  it("deletes the person's topic choices; the feed's topic record keeps the hash without an address; their topic link then changes nothing", async () => {
    const id = await createConfirmedSubject(h, 'erase-topics@example.ru');
    const u = await h.deps.signer.sign({ sub: id, p: 'u', t: 'webinars' });
    const oneClick = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' };
    expect((await h.app.request(`/u/${u}`, oneClick)).status).toBe(200);
    expect(await h.db.selectFrom('topic_choices').selectAll().where('subject_id', '=', id).execute()).toHaveLength(1);

    expect(await h.db.transaction().execute((trx) => eraseSubject(trx, id, h.clock.now(), null))).toBe(true);
    expect(await h.db.selectFrom('topic_choices').selectAll().where('subject_id', '=', id).execute()).toEqual([]);

    const full = await h.bearer('suppressions:read');
    const records = parseNdjson((await getFeed(h, full)).text).filter((r) => r.hash === expectedHash('erase-topics@example.ru'));
    expect(records.map((r) => [r.topic, r.active])).toEqual(
      expect.arrayContaining([
        ['webinars', true],
        [null, true],
      ]),
    );
    expect(records.every((r) => r.email === undefined)).toBe(true);

    const before = await snapshotDb(h);
    const again = await h.app.request(`/u/${u}?lang=en`, oneClick);
    expect(again.status).toBe(200);
    expect(await snapshotDb(h)).toEqual(before);
  });
});
