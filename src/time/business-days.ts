import { type LocalDate, localDate, startOfLocalDay } from './local-date.js';

/**
 * Due dates counted in business days in a time zone. Pure: no clock, no I/O.
 *
 * The calendar is an interface so the Russian production calendar (holidays, moved working
 * days) can replace the weekend-only fallback without touching the arithmetic.
 */

export interface BusinessCalendar {
  isBusinessDay(d: LocalDate): boolean;
}

/** Saturdays and Sundays off, nothing else: the fallback outside known calendar years. */
export const weekendCalendar: BusinessCalendar = {
  isBusinessDay: ({ year, month, day }) => {
    const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
    return dow !== 0 && dow !== 6;
  },
};

function addDays(d: LocalDate, n: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/**
 * The end of the n-th business day after the day `received` falls on (local time): the last
 * millisecond before the following local midnight.
 *
 * @example
 * // Friday 2026-05-08 in Moscow, 2 business days, weekends only → end of Tuesday 2026-05-12
 * dueAfterBusinessDays(new Date('2026-05-08T10:00:00+03:00'), 2, 'Europe/Moscow', weekendCalendar)
 */
export function dueAfterBusinessDays(received: Date, n: number, timeZone: string, calendar: BusinessCalendar): Date {
  let d = localDate(received, timeZone);
  let counted = 0;
  while (counted < n) {
    d = addDays(d, 1);
    if (calendar.isBusinessDay(d)) counted++;
  }
  return new Date(startOfLocalDay(addDays(d, 1), timeZone).getTime() - 1);
}
