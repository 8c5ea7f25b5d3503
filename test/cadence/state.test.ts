import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cadenceSubject, readCadenceState } from '../../src/cadence/state.js';
import { at, createSubject, DAY, HOUR, insertSend, randomId } from '../helpers/cadence.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const T0 = '2026-03-02T09:00:00.000Z';
const now = new Date(T0);
let h: Harness;
let leads: string;

beforeAll(async () => {
  h = await createHarness({ env: { DOUBLE_OPT_IN: 'false' }, now: T0 });
  leads = await h.bearer('leads:write');
});
afterAll(() => h.close());

describe('readCadenceState: the one place that says which sends count', () => {
  it('counts sent ones and live reservations; not released ones, expired reservations, or those reserved before the look-back', async () => {
    const id = await createSubject(h, leads, `state-1-${Date.now()}@example.ru`);
    const since = at(now, -40 * DAY);
    await insertSend(h.db, { campaign: 'sent', subject: id, status: 'sent', reservedAt: at(now, -3 * DAY), sentAt: at(now, -2 * DAY) });
    await insertSend(h.db, { campaign: 'live', subject: id, status: 'reserved', reservedAt: at(now, -HOUR) });
    await insertSend(h.db, { campaign: 'released', subject: id, status: 'released', reservedAt: at(now, -5 * DAY), releasedAt: at(now, -5 * DAY) });
    await insertSend(h.db, { campaign: 'expired', subject: id, status: 'reserved', reservedAt: at(now, -2 * DAY), expiresAt: at(now, -DAY) });
    await insertSend(h.db, { campaign: 'old', subject: id, status: 'sent', reservedAt: at(now, -41 * DAY), sentAt: at(now, -41 * DAY) });
    const s = (await readCadenceState(h.db, [id], { since, now })).get(id)!;
    expect(s.sends).toEqual([
      { campaignId: 'sent', topic: null, status: 'sent', at: at(now, -2 * DAY) },
      { campaignId: 'live', topic: null, status: 'reserved', at: at(now, -HOUR) },
    ]);
    expect(s).toMatchObject({
      id,
      status: 'active',
      marketing: 'granted',
      suppressed: false,
      frequency: 'standard',
      pausedUntil: null,
      already: false,
      hasRow: false,
    });
    expect(cadenceSubject(s)).toEqual({
      status: 'active',
      marketing: 'granted',
      suppressed: false,
      frequency: 'standard',
      pausedUntil: null,
      sends: [at(now, -2 * DAY), at(now, -HOUR)],
    });
  });

  it('says where a campaign stands: live or sent is already there; released or expired has a row to revive', async () => {
    const id = await createSubject(h, leads, `state-2-${Date.now()}@example.ru`);
    await insertSend(h.db, { campaign: 'c-live', subject: id, status: 'reserved', reservedAt: at(now, -HOUR) });
    await insertSend(h.db, { campaign: 'c-sent', subject: id, status: 'sent', reservedAt: at(now, -2 * HOUR), sentAt: at(now, -HOUR) });
    await insertSend(h.db, { campaign: 'c-gone', subject: id, status: 'released', reservedAt: at(now, -3 * HOUR), releasedAt: at(now, -3 * HOUR) });
    await insertSend(h.db, { campaign: 'c-expired', subject: id, status: 'reserved', reservedAt: at(now, -2 * DAY), expiresAt: at(now, -DAY) });
    const read = async (campaignId?: string) => (await readCadenceState(h.db, [id], { since: at(now, -40 * DAY), now, campaignId })).get(id)!;
    expect(await read('c-live')).toMatchObject({ already: true, hasRow: true });
    expect(await read('c-sent')).toMatchObject({ already: true, hasRow: true });
    expect(await read('c-gone')).toMatchObject({ already: false, hasRow: true });
    expect(await read('c-expired')).toMatchObject({ already: false, hasRow: true });
    expect(await read('c-new')).toMatchObject({ already: false, hasRow: false });
    expect(await read()).toMatchObject({ already: false, hasRow: false });
  });

  it('leaves out ids nobody has', async () => {
    const ghost = randomId();
    expect((await readCadenceState(h.db, [ghost], { since: at(now, -DAY), now })).has(ghost)).toBe(false);
  });
});
