import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { RequestType } from '../../src/db/schema.js';
import { silentLogger } from '../../src/log.js';
import { businessDaysFor, DEADLINES, decideExtension, dueFor, settingMax } from '../../src/requests/deadlines.js';
import { productionCalendar } from '../../src/time/calendar.js';
import { ruCalendar } from '../../src/time/calendars/ru.js';

const ru = productionCalendar(ruCalendar);
const deps = (over: Partial<{ erasureDueBusinessDays: number; requestDueBusinessDays: number }> = {}) => ({
  config: { erasureDueBusinessDays: 2, requestDueBusinessDays: 10, timeZone: 'Europe/Moscow', ...over },
  calendar: ru,
  logger: silentLogger,
});
const TYPES = Object.keys(DEADLINES) as RequestType[];
const due = (type: RequestType, received: string, over = {}) => dueFor(type, new Date(received), deps(over)).toISOString();

describe('the deadline table (152-FZ)', () => {
  it('covers every request type the database accepts', () => {
    const migration = readFileSync(resolve(import.meta.dirname, '../../migrations/20261201_0013_request_types.ts'), 'utf8');
    const up = migration.slice(migration.indexOf('async function up'), migration.indexOf('async function down'));
    const checked = [...up.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!);
    for (const t of TYPES) expect(checked, t).toContain(t);
  });

  it('never lets a deadline or an extension pass the law', () => {
    for (const t of TYPES) {
      const r = DEADLINES[t];
      if (r.legalMax !== null) expect(r.businessDays, t).toBeLessThanOrEqual(r.legalMax);
    }
    expect(DEADLINES.rectification.businessDays).toBe(7);
    expect(DEADLINES.rectification.extension).toBeNull();
    expect(DEADLINES.restriction.businessDays).toBe(0);
    expect(DEADLINES.access).toMatchObject({ businessDays: 10, extension: { businessDays: 5, times: 1 } });
    expect(DEADLINES.objection).toMatchObject({ businessDays: 10, extension: { businessDays: 5, times: 1 } });
    expect(DEADLINES.erasure.extension).toBeNull();
  });

  it('lets configuration shorten a deadline, never lengthen it', () => {
    expect(businessDaysFor('rectification', { erasureDueBusinessDays: 2, requestDueBusinessDays: 10 })).toBe(7);
    expect(businessDaysFor('rectification', { erasureDueBusinessDays: 2, requestDueBusinessDays: 5 })).toBe(5);
    expect(businessDaysFor('access', { erasureDueBusinessDays: 2, requestDueBusinessDays: 8 })).toBe(8);
    expect(businessDaysFor('erasure', { erasureDueBusinessDays: 1, requestDueBusinessDays: 10 })).toBe(1);
    expect(businessDaysFor('restriction', { erasureDueBusinessDays: 2, requestDueBusinessDays: 1 })).toBe(0);
    expect(settingMax('ERASURE_DUE_BUSINESS_DAYS')).toBe(7);
    expect(settingMax('REQUEST_DUE_BUSINESS_DAYS')).toBe(10);
    const base = { PUBLIC_BASE_URL: 'https://prefs.example.ru' };
    expect(() => loadConfig({ ...base, REQUEST_DUE_BUSINESS_DAYS: '11' })).toThrow(/REQUEST_DUE_BUSINESS_DAYS: at most 10/);
    expect(() => loadConfig({ ...base, ERASURE_DUE_BUSINESS_DAYS: '8' })).toThrow(/ERASURE_DUE_BUSINESS_DAYS: at most 7/);
    expect(loadConfig({ ...base, ERASURE_DUE_BUSINESS_DAYS: '7', REQUEST_DUE_BUSINESS_DAYS: '10' }).erasureDueBusinessDays).toBe(7);
  });
});

describe('each deadline on the Russian production calendar', () => {
  it('a request on Friday 25 December 2026, before the New Year holidays', () => {
    const friday = '2026-12-25T17:30:00+03:00';
    expect(due('erasure', friday)).toBe('2026-12-29T20:59:59.999Z');
    expect(due('withdrawal', friday)).toBe('2026-12-29T20:59:59.999Z');
    // 28, 29, 30 December; 31 December and 1-8 January off; 11-14 January.
    expect(due('rectification', friday)).toBe('2027-01-14T20:59:59.999Z');
    for (const t of ['access', 'objection', 'appeal', 'automated_decision_appeal'] as const) expect(due(t, friday), t).toBe('2027-01-19T20:59:59.999Z');
    expect(due('restriction', friday)).toBe(new Date(friday).toISOString());
  });

  it('a request on Wednesday 30 December 2026, the last working day of the year', () => {
    const wednesday = '2026-12-30T10:00:00+03:00';
    expect(due('erasure', wednesday)).toBe('2027-01-12T20:59:59.999Z');
    expect(due('rectification', wednesday)).toBe('2027-01-19T20:59:59.999Z');
    expect(due('access', wednesday)).toBe('2027-01-22T20:59:59.999Z');
  });

  it('a request before the May holidays of 2026 (1, 9 and 11 May off)', () => {
    const thursday = '2026-04-30T12:00:00+03:00';
    // 4, 5, 6, 7, 8, 12, 13 May.
    expect(due('rectification', thursday)).toBe('2026-05-13T20:59:59.999Z');
    expect(due('access', thursday)).toBe('2026-05-18T20:59:59.999Z');
  });

  it('extends an access request once by 5 business days; a second time is refused', () => {
    const receivedAt = new Date('2026-12-25T12:00:00+03:00');
    const dueAt = dueFor('access', receivedAt, deps());
    const first = decideExtension({ type: 'access', receivedAt, dueAt, extensions: 0 }, undefined, deps());
    expect(first).toEqual({ kind: 'extend', businessDays: 5, dueAt: new Date('2027-01-26T20:59:59.999Z') });
    expect(decideExtension({ type: 'access', receivedAt, dueAt: new Date('2027-01-26T20:59:59.999Z'), extensions: 1 }, 1, deps())).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/only once/),
    });
    expect(decideExtension({ type: 'access', receivedAt, dueAt, extensions: 0 }, 6, deps())).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/at most 5/),
    });
  });

  it('refuses any extension of rectification, restriction, erasure and withdrawal', () => {
    const receivedAt = new Date('2026-03-02T12:00:00+03:00');
    for (const type of ['rectification', 'restriction', 'erasure', 'withdrawal'] as const) {
      expect(decideExtension({ type, receivedAt, dueAt: dueFor(type, receivedAt, deps()), extensions: 0 }, 1, deps()), type).toMatchObject({ kind: 'refused' });
    }
  });
});

describe('the README table', () => {
  const readme = readFileSync(join(resolve(import.meta.dirname, '../..'), 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Rights and the deadlines the service keeps'));
  const rows = new Map<RequestType, string[]>();
  for (const line of section.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const types = [...(cells[1] ?? '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!).filter((t): t is RequestType => t in DEADLINES);
    for (const t of types) rows.set(t, cells.slice(1, -1));
  }

  it('has a row for every request type', () => {
    expect([...rows.keys()].sort()).toEqual([...TYPES].sort());
  });

  it.each(TYPES)('%s: says the deadline, the law and the extension the code keeps', (t) => {
    const [, , , deadline, law, extension] = rows.get(t)!;
    const r = DEADLINES[t];
    const days = businessDaysFor(t, deps().config);
    if (days === 0) expect(deadline).toMatch(/^at once/);
    else expect(Number(/\d+/.exec(deadline!)?.[0])).toBe(days);
    if (r.legalMax === 0) expect(law).toMatch(/^at once/);
    else if (r.legalMax !== null) expect(Number(/^\d+/.exec(law!)?.[0])).toBe(r.legalMax);
    else if (r.extension?.withinCalendarDays) expect(law).toContain(`${r.extension.withinCalendarDays} calendar days`);
    else expect(law).toBe('—');
    if (!r.extension) expect(extension).toBe('none');
    else {
      expect(extension).toContain(`up to ${r.extension.businessDays}`);
      expect(extension!.startsWith('once')).toBe(r.extension.times === 1);
    }
  });
});
