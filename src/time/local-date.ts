/**
 * Local calendar dates of instants in a time zone, and back. Pure: no clock, no I/O.
 */

/** A local calendar date. */
export interface LocalDate {
  year: number;
  month: number; // 1..12
  day: number;
}

// Building an Intl.DateTimeFormat costs far more than using one; campaign decisions call these
// hundreds of thousands of times, so keep one per time zone.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
function cached(map: Map<string, Intl.DateTimeFormat>, timeZone: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = map.get(timeZone);
  if (!f) {
    f = make();
    map.set(timeZone, f);
  }
  return f;
}

/** The local date of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): LocalDate {
  const parts = cached(
    dateFormats,
    timeZone,
    () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
  ).formatToParts(instant);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return { year: get('year'), month: get('month'), day: get('day') };
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
