import type { Config } from '../config/index.js';
import type { RequestType } from '../db/schema.js';
import type { Logger } from '../log.js';
import type { ProductionCalendar } from './calendar.js';
import { dueAfterBusinessDays, localDate } from './due.js';

/** Business days allowed per request type: our own promise for erasure, the law (152-FZ) otherwise. */
export function businessDaysFor(type: RequestType, config: Pick<Config, 'erasureDueBusinessDays' | 'requestDueBusinessDays'>): number {
  return type === 'erasure' || type === 'withdrawal' ? config.erasureDueBusinessDays : config.requestDueBusinessDays;
}

/**
 * The due moment of a request received now, warning when it lands in a year the production
 * calendar does not know (the count then fell back to weekends only, and may be early or late).
 */
export function dueFor(
  type: RequestType,
  received: Date,
  deps: { config: Pick<Config, 'erasureDueBusinessDays' | 'requestDueBusinessDays' | 'timeZone'>; calendar: ProductionCalendar; logger: Logger },
): Date {
  const due = dueAfterBusinessDays(received, businessDaysFor(type, deps.config), deps.config.timeZone, deps.calendar);
  const year = localDate(due, deps.config.timeZone).year;
  if (!deps.calendar.knowsYear(year)) {
    deps.logger.warn('due date falls in a year the production calendar does not know; counted weekends only', { year, type });
  }
  return due;
}
