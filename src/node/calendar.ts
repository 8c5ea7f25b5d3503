// Node-only: production-calendar years an operator drops into CALENDAR_DIR (xmlcalendar files).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { type CalendarData, type ProductionCalendar, parseXmlCalendar, productionCalendar } from '../time/calendar.js';
import { ruCalendar } from '../time/calendars/ru.js';

/** The built-in Russian calendar, with any `YYYY.xml` in `dir` added or replacing a year. */
export function loadCalendar(dir: string | undefined, logger: Logger): ProductionCalendar {
  const data: CalendarData = { ...ruCalendar };
  if (dir) {
    for (const f of readdirSync(dir)
      .filter((f) => f.endsWith('.xml'))
      .sort()) {
      const { year, data: d } = parseXmlCalendar(readFileSync(join(dir, f), 'utf8'));
      data[year] = d;
      logger.info('production calendar year loaded', { year, file: f });
    }
  }
  return productionCalendar(data);
}
