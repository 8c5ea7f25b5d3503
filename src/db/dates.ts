import { sql } from 'kysely';

/**
 * `paused_until` as the `YYYY-MM-DD` text the API, pages and mails use: it is a calendar date,
 * and read as a JavaScript Date it would be an instant that shifts the day in other time zones.
 */
export const pausedUntilText = (column: 'paused_until' | 'p.paused_until') => sql<string | null>`to_char(${sql.ref(column)}, 'YYYY-MM-DD')`;
