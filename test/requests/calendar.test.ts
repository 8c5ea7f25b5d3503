import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/log.js';
import { loadCalendar } from '../../src/node/calendar.js';
import { dueFor } from '../../src/requests/deadlines.js';
import { dueAfterBusinessDays } from '../../src/time/business-days.js';
import { parseXmlCalendar, productionCalendar } from '../../src/time/calendar.js';
import { ruCalendar } from '../../src/time/calendars/ru.js';

const ru = productionCalendar(ruCalendar);
const due = (received: string, n = 2) => dueAfterBusinessDays(new Date(received), n, 'Europe/Moscow', ru).toISOString();
const day = (s: string) => {
  const [year, month, d] = s.split('-').map(Number);
  return { year: year!, month: month!, day: d! };
};

describe('the Russian production calendar', () => {
  it('is due at the end of Tuesday 2026-01-13 for a request on Wednesday 2025-12-31 (January 1-11 are days off)', () => {
    expect(due('2025-12-31T15:00:00+03:00')).toBe('2026-01-13T20:59:59.999Z');
  });

  it('is due at the end of Wednesday 2026-05-13 for a request on Friday 2026-05-08 (May 9 and 11 are days off)', () => {
    expect(due('2026-05-08T15:00:00+03:00')).toBe('2026-05-13T20:59:59.999Z');
  });

  it('counts a shortened pre-holiday day as a business day', () => {
    // 2026-05-08 is t="2": a request on Thursday 7 May is due at the end of Tuesday 12 May.
    expect(due('2026-05-07T10:00:00+03:00')).toBe('2026-05-12T20:59:59.999Z');
  });

  it('knows known days of each year', () => {
    // 2025: 1 November (Saturday) was a working day; 3 November (Monday) a day off.
    expect(ru.isBusinessDay(day('2025-11-01'))).toBe(true);
    expect(ru.isBusinessDay(day('2025-11-03'))).toBe(false);
    expect(ru.isBusinessDay(day('2025-05-02'))).toBe(false);
    // 2026: 9 March (Monday) is the moved 8 March; 31 December a day off.
    expect(ru.isBusinessDay(day('2026-03-09'))).toBe(false);
    expect(ru.isBusinessDay(day('2026-12-31'))).toBe(false);
    expect(ru.isBusinessDay(day('2026-03-10'))).toBe(true);
    // 2027: New Year holidays, and an ordinary Wednesday.
    expect(ru.isBusinessDay(day('2027-01-05'))).toBe(false);
    expect(ru.isBusinessDay(day('2027-01-13'))).toBe(true);
    expect(ru.years).toEqual([2025, 2026, 2027]);
  });

  it('falls back to weekends outside known years and warns about the due date', () => {
    expect(ru.knowsYear(2028)).toBe(false);
    expect(ru.isBusinessDay(day('2028-01-03'))).toBe(true); // a Monday, no data
    const lines: string[] = [];
    const logger = createLogger('warn', (l) => lines.push(l));
    dueFor('erasure', new Date('2028-03-01T10:00:00+03:00'), {
      config: { erasureDueBusinessDays: 2, requestDueBusinessDays: 10, timeZone: 'Europe/Moscow' },
      calendar: ru,
      logger,
    });
    expect(lines.join('\n')).toContain('does not know');
    lines.length = 0;
    dueFor('erasure', new Date('2026-03-02T10:00:00+03:00'), {
      config: { erasureDueBusinessDays: 2, requestDueBusinessDays: 10, timeZone: 'Europe/Moscow' },
      calendar: ru,
      logger,
    });
    expect(lines).toEqual([]);
  });

  it('gives other requests 10 business days', () => {
    const d = dueFor('access', new Date('2026-05-06T10:00:00+03:00'), {
      config: { erasureDueBusinessDays: 2, requestDueBusinessDays: 10, timeZone: 'Europe/Moscow' },
      calendar: ru,
      logger: silentLogger,
    });
    // 7, 8, 12, 13, 14, 15, 18, 19, 20, 21 May (9-11 off, 16-17 weekend)
    expect(d.toISOString()).toBe('2026-05-21T20:59:59.999Z');
  });
});

describe('xmlcalendar parsing and operator years', () => {
  it('refuses a file that is not a calendar and an unknown day type', () => {
    expect(() => parseXmlCalendar('<html/>')).toThrow(/no <calendar/);
    expect(() => parseXmlCalendar('<calendar year="2030"><days><day d="01.01" t="9"/></days></calendar>')).toThrow(/unknown day type/);
    expect(() => parseXmlCalendar('<calendar year="2030"><days><day d="13.01" t="1"/></days></calendar>')).toThrow(/bad date/);
  });

  it('adds a year from CALENDAR_DIR without a code change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cal-'));
    writeFileSync(join(dir, '2028.xml'), '<calendar year="2028" country="ru"><days><day d="01.03" t="1"/><day d="01.08" t="3"/></days></calendar>');
    const cal = loadCalendar(dir, silentLogger);
    expect(cal.knowsYear(2028)).toBe(true);
    expect(cal.isBusinessDay(day('2028-01-03'))).toBe(false); // Monday made a day off
    expect(cal.isBusinessDay(day('2028-01-08'))).toBe(true); // Saturday made a working day
    expect(cal.knowsYear(2026)).toBe(true);
  });
});
