import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { SOFT_BOUNCE_THRESHOLD: '1', SOFT_BOUNCE_WINDOW_DAYS: '7' } });
});
afterAll(() => h.close());

describe('soft-bounce policy from configuration', () => {
  it('suppresses at the first soft bounce when SOFT_BOUNCE_THRESHOLD=1', async () => {
    const auth = await h.bearer('mail-sender:events');
    const res = await h.app.request(
      '/v1/events/mail-sender',
      jsonRequest('POST', { events: [{ type: 'soft_bounce', email: 'soft@example.ru', at: h.clock.now().toISOString(), id: 'cfg-1' }] }, auth),
    );
    expect(res.status).toBe(200);
    const rows = await h.db.selectFrom('suppressions').select(['reason', 'active']).where('email', '=', 'soft@example.ru').execute();
    expect(rows).toEqual([{ reason: 'bounced', active: true }]);
  });

  it('refuses a threshold of 0 at start, naming the variable', async () => {
    await expect(createHarness({ env: { SOFT_BOUNCE_THRESHOLD: '0' }, handle: h.handle })).rejects.toThrow(/SOFT_BOUNCE_THRESHOLD/);
  });
});
