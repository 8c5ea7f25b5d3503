import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runErasureJob } from '../../src/erasure/job.js';
import { DUE_MARGIN_MS, erasureCutoffs, erasureRunsAt } from '../../src/erasure/schedule.js';
import { silentLogger } from '../../src/log.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { apiKey, fileRequestOk, registerPerson } from '../helpers/rights.js';

const HOUR = 3_600_000;

describe('when the erasure job takes a request', () => {
  const received = new Date('2026-03-02T09:00:00Z');
  const due = new Date('2026-03-04T20:59:59.999Z');

  it('after the grace period, when that comes before the due time', () => {
    expect(erasureRunsAt(received, due, 24).toISOString()).toBe('2026-03-03T09:00:00.000Z');
    expect(erasureRunsAt(received, due, 0).toISOString()).toBe(received.toISOString());
  });

  it('never later than the margin before the due time, however long the grace period', () => {
    expect(erasureRunsAt(received, due, 24 * 30).getTime()).toBe(due.getTime() - DUE_MARGIN_MS);
    // A due time closer than the margin (staff filed late, or a short calendar): at once.
    expect(erasureRunsAt(received, new Date(received.getTime() + 10 * 60_000), 24).getTime()).toBe(received.getTime());
  });

  it('the query bounds say the same as the moment, every quarter hour from receipt to past the due time', () => {
    for (const grace of [0, 1, 24, 47, 100, 720]) {
      const at = erasureRunsAt(received, due, grace).getTime();
      for (let now = received.getTime(); now < due.getTime() + 2 * HOUR; now += 15 * 60_000) {
        const cut = erasureCutoffs(new Date(now), grace);
        const taken = received.getTime() <= cut.receivedBefore.getTime() || due.getTime() <= cut.dueBefore.getTime();
        expect([grace, new Date(now).toISOString(), taken]).toEqual([grace, new Date(now).toISOString(), at <= now]);
      }
    }
  });
});

describe('the erasure job with a grace period longer than the deadline allows', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ now: '2026-03-02T09:00:00Z', env: { ERASURE_GRACE_HOURS: '240' } });
  });
  afterAll(() => h?.close());

  it('erases before the due time all the same', async () => {
    const leads = (await apiKey(h, 'leads:write')).auth;
    const manage = (await apiKey(h, 'requests:manage')).auth;
    const id = await registerPerson(h, leads, 'late-grace.p3m8@example.ru');
    const req = await fileRequestOk(h, manage, id, { type: 'erasure' });
    const run = () => runErasureJob(h.db, { now: () => h.clock.now(), logger: silentLogger, graceHours: h.config.erasureGraceHours });
    h.clock.set(new Date(new Date(req.dueAt).getTime() - DUE_MARGIN_MS - 60_000));
    expect((await run()).erased).toBe(0);
    h.clock.advance(60_000);
    expect((await run()).erased).toBe(1);
    expect(h.clock.now().getTime()).toBeLessThan(new Date(req.dueAt).getTime());
  });
});
