import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createTestDb, type Harness, jsonRequest, lead, onPostgres } from '../helpers/harness.js';

// Concurrency needs real connections: PGlite has one.
describe.skipIf(!onPostgres)('one-click unsubscribe under concurrent clicks (PostgreSQL)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ handle: await createTestDb({ poolMax: 20 }) });
  });
  afterAll(() => h.close());

  it('records exactly one unsubscribe and one suppression when 20 clicks race', async () => {
    const auth = await h.bearer('leads:write');
    const { id } = await (await h.app.request('/v1/subjects', jsonRequest('POST', lead('racer@example.ru'), auth))).json();
    await h.db.updateTable('consents').set({ state: 'granted' }).where('subject_id', '=', id).where('purpose', '=', 'marketing').execute();
    const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'race' });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        h.app.request(`/u/${token}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const events = await h.db.selectFrom('consent_events').select('action').where('subject_id', '=', id).where('purpose', '=', 'marketing').execute();
    expect(events.filter((e) => e.action === 'unsubscribed')).toHaveLength(1);
    expect(events.filter((e) => e.action === 'suppressed')).toHaveLength(1);
    const consent = await h.db.selectFrom('consents').select('state').where('subject_id', '=', id).where('purpose', '=', 'marketing').executeTakeFirstOrThrow();
    expect(consent.state).toBe('withdrawn');
    const sup = await h.db.selectFrom('suppressions').selectAll().where('subject_id', '=', id).execute();
    expect(sup).toHaveLength(1);
    expect(sup[0]).toMatchObject({ reason: 'unsubscribed', active: true });
  });
});
