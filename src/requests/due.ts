/**
 * Due dates counted in business days in a time zone. Pure: no clock, no I/O.
 *
 * The calendar is an interface so the Russian production calendar (holidays, moved working
 * days) can replace the weekend-only fallback without touching the arithmetic.
 */

/** A local calendar date. */
export interface LocalDate {
  year: number;
  month: number; // 1..12
  day: number;
}

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

// Building an Intl.DateTimeFormat costs far more than using one; campaign decisions call these
// hundreds of thousands of times, so keep one per time zone.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
function cached(map: Map<string, Intl.DateTimeFormat>, timeZone: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = map.get(timeZone);
  if (!f) map.set(timeZone, (f = make()));
  return f;
}

/** The local date of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): LocalDate {
  const parts = cached(dateFormats, timeZone, () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })).formatToParts(instant);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

function addDays(d: LocalDate, n: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** The offset of a time zone from UTC at an instant, in milliseconds. */
function offsetMs(instant: Date, timeZone: string): number {
  const parts = cached(
    dateTimeFormats,
    timeZone,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      }),
  ).formatToParts(instant);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant local midnight starts on a date in a time zone. */
export function startOfLocalDay(d: LocalDate, timeZone: string): Date {
  const guess = Date.UTC(d.year, d.month - 1, d.day);
  // Two passes settle the offset even across a DST change at midnight.
  let t = guess - offsetMs(new Date(guess), timeZone);
  t = guess - offsetMs(new Date(t), timeZone);
  return new Date(t);
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
