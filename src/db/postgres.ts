import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DbHandle } from './handle.js';
import type { Database } from './schema.js';

// bigint (int8) as string is pg's default and what we want for seq; timestamps stay Dates.

/**
 * A Kysely instance over a `pg` pool. `searchPath` confines every connection to one schema
 * (the tests give each file its own).
 */
export function createPostgresDb(url: string, opts: { max?: number; searchPath?: string } = {}): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    ...(opts.searchPath ? { options: `-c search_path=${opts.searchPath}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', close: () => db.destroy() };
}
