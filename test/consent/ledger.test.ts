import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_PURPOSE, appendLedger, purposeOf, recordEvents } from '../../src/consent/ledger.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { createSubject, eventsOf } from '../helpers/pages.js';

/** The one writer of the consent ledger and the purposes its rows carry. PGlite, and PostgreSQL with TEST_DATABASE_URL. */

describe('ledger purposes (pure)', () => {
  it("a suppression, its lifting and the subscription's own acts concern marketing; the person's data as a whole, no purpose", () => {
    expect(purposeOf({ action: 'suppressed' })).toBe('marketing');
    expect(purposeOf({ action: 'unsuppressed', purpose: 'marketing' })).toBe('marketing');
    expect(purposeOf({ action: 'unsubscribed' })).toBe('marketing');
    expect(purposeOf({ action: 'confirmed' })).toBe('marketing');
    expect(purposeOf({ action: 'frequency_changed' })).toBe('marketing');
    expect(purposeOf({ action: 'paused' })).toBe('marketing');
    expect(purposeOf({ action: 'erasure_requested' })).toBe('processing');
    for (const action of ['restricted', 'unrestricted', 'rectified', 'erased'] as const) expect(purposeOf({ action })).toBeNull();
  });

  it('granted, withdrawn and requested carry the purpose they state', () => {
    expect(purposeOf({ action: 'granted', purpose: 'processing' })).toBe('processing');
    expect(purposeOf({ action: 'withdrawn', purpose: 'marketing' })).toBe('marketing');
    expect(purposeOf({ action: 'requested', purpose: null })).toBeNull();
    expect(purposeOf({ action: 'requested', purpose: 'marketing' })).toBe('marketing');
    expect(Object.keys(ACTION_PURPOSE)).not.toContain('granted');
  });
});

describe('appendLedger', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("writes many people's rows in the order given, each with its evidence and its action's purpose", async () => {
    const a = (await createSubject(h, 'ledger-a@example.ru')).id;
    const b = (await createSubject(h, 'ledger-b@example.ru')).id;
    const at = h.clock.now();
    await appendLedger(h.db, [
      { subjectId: b, action: 'suppressed', details: { reason: 'manual' }, evidence: { actorType: 'staff', actorId: 'k1', at } },
      {
        subjectId: a,
        action: 'unsubscribed',
        details: { from: 'granted' },
        evidence: { actorType: 'mail_sender', actorId: 'k2', at, source: 'mail-sender:x' },
      },
      { subjectId: a, action: 'suppressed', evidence: { actorType: 'mail_sender', actorId: 'k2', at, source: 'mail-sender:x' } },
    ]);
    const mine = (await h.db.selectFrom('consent_events').selectAll().where('actor_id', 'in', ['k1', 'k2']).orderBy('id').execute()).map((e) => ({
      subject: e.subject_id,
      action: e.action,
      purpose: e.purpose,
      actor: e.actor_id,
      source: e.source,
      details: typeof e.details === 'string' ? JSON.parse(e.details) : e.details,
      at: new Date(e.occurred_at).toISOString(),
    }));
    expect(mine).toEqual([
      { subject: b, action: 'suppressed', purpose: 'marketing', actor: 'k1', source: null, details: { reason: 'manual' }, at: at.toISOString() },
      { subject: a, action: 'unsubscribed', purpose: 'marketing', actor: 'k2', source: 'mail-sender:x', details: { from: 'granted' }, at: at.toISOString() },
      { subject: a, action: 'suppressed', purpose: 'marketing', actor: 'k2', source: 'mail-sender:x', details: null, at: at.toISOString() },
    ]);
  });

  it("recordEvents writes one person's events with the same evidence; nothing for none", async () => {
    const c = (await createSubject(h, 'ledger-c@example.ru')).id;
    const before = (await eventsOf(h, c)).length;
    await recordEvents(h.db, c, { actorType: 'subject', at: h.clock.now() }, []);
    expect(await eventsOf(h, c)).toHaveLength(before);
    await recordEvents(h.db, c, { actorType: 'subject', at: h.clock.now(), ip: '198.51.100.9', userAgent: 'ua', campaignId: 'cmp' }, [
      { action: 'withdrawn', purpose: 'marketing', details: { from: 'granted' } },
      { action: 'suppressed', details: { reason: 'withdrawn' } },
    ]);
    const rows = (await eventsOf(h, c)).slice(before);
    expect(rows.map((e) => [e.action, e.purpose, e.ip, e.user_agent, e.campaign_id])).toEqual([
      ['withdrawn', 'marketing', '198.51.100.9', 'ua', 'cmp'],
      ['suppressed', 'marketing', '198.51.100.9', 'ua', 'cmp'],
    ]);
  });
});
