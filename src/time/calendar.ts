import { type BusinessCalendar, weekendCalendar } from './business-days.js';
import type { LocalDate } from './local-date.js';

/**
 * One year of a production calendar: the exceptions to "Saturday and Sunday off, every other
 * day a working day". Dates are `MM-DD`.
 */
export interface CalendarYear {
  /** Days off that fall on weekdays (holidays, moved days off). Weekend holidays may be listed too. */
  daysOff: string[];
  /** Saturdays or Sundays that are working days (a day off moved away). */
  workingWeekends: string[];
}

export type CalendarData = Record<number, CalendarYear>;

/** A calendar that also says which years it really knows (outside them it is weekends only). */
export interface ProductionCalendar extends BusinessCalendar {
  knowsYear(year: number): boolean;
  readonly years: number[];
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Builds a calendar from data; years it has no data for fall back to weekends.
 *
 * @example
 * const ru = productionCalendar(ruCalendar);
 * ru.isBusinessDay({ year: 2026, month: 1, day: 5 }) // false: New Year holidays
 */
export function productionCalendar(data: CalendarData): ProductionCalendar {
  const years = new Map(Object.entries(data).map(([y, d]) => [Number(y), { off: new Set(d.daysOff), on: new Set(d.workingWeekends) }]));
  return {
    years: [...years.keys()].sort(),
    knowsYear: (year) => years.has(year),
    isBusinessDay(d: LocalDate) {
      const y = years.get(d.year);
      const weekday = weekendCalendar.isBusinessDay(d);
      if (!y) return weekday;
      const key = `${pad(d.month)}-${pad(d.day)}`;
      if (y.on.has(key)) return true;
      if (y.off.has(key)) return false;
      return weekday;
    },
  };
}

/**
 * Parses the xmlcalendar format (`<calendar year="2026"><days><day d="01.01" t="1"/>…`):
 * t="1" a day off, t="2" a shortened working day (still a business day), t="3" a working
 * weekend day. Pure string parsing, so it runs on every runtime.
 */
export function parseXmlCalendar(xml: string): { year: number; data: CalendarYear } {
  const yearMatch = /<calendar\b[^>]*\byear="(\d{4})"/.exec(xml);
  if (!yearMatch) throw new Error('not an xmlcalendar file: no <calendar year="YYYY">');
  const year = Number(yearMatch[1]);
  const daysOff: string[] = [];
  const workingWeekends: string[] = [];
  for (const m of xml.matchAll(/<day\b([^>]*)\/?>/g)) {
    const attrs = m[1]!;
    const d = /\bd="(\d{2})\.(\d{2})"/.exec(attrs);
    const t = /\bt="(\d)"/.exec(attrs);
    if (!d || !t) throw new Error(`bad <day> in calendar ${year}: ${m[0]}`);
    const key = `${d[1]}-${d[2]}`;
    const month = Number(d[1]);
    const day = Number(d[2]);
    if (month < 1 || month > 12 || day < 1 || day > 31) throw new Error(`bad date ${key} in calendar ${year}`);
    if (t[1] === '1') daysOff.push(key);
    else if (t[1] === '3') workingWeekends.push(key);
    else if (t[1] !== '2') throw new Error(`unknown day type t="${t[1]}" in calendar ${year}`);
  }
  return { year, data: { daysOff, workingWeekends } };
}
