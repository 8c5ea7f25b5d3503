import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DbHandle } from './handle.js';
import type { Database } from './schema.js';

// bigint (int8) as string is pg's default and what we want for seq; timestamps stay Dates.

/** How long PostgreSQL work may wait or run (README "Timeouts and limits"); unset: unbounded. */
export interface PostgresBounds {
  /** The wait for a pool connection, and for a new connection to open. */
  acquireTimeoutMs?: number;
  /** Any one statement (`statement_timeout`); migrations lift it (`withoutStatementTimeout`). */
  statementTimeoutMs?: number;
  /** A transaction left open doing nothing (`idle_in_transaction_session_timeout`). */
  idleInTransactionTimeoutMs?: number;
}

/**
 * A Kysely instance over a `pg` pool. `searchPath` confines every connection to one schema
 * (the tests give each file its own). The bounds are session settings sent when each connection
 * opens, so no request pays a `SET`; past one, the error is one `isUnavailable()` recognizes.
 * `onIdleError` hears of a pooled connection that broke while idle (a database restart): pg
 * emits it on the pool, and an unheard `error` event would end the process.
 */
export function createPostgresDb(url: string, opts: { max?: number; searchPath?: string; onIdleError?: (e: Error) => void } & PostgresBounds = {}): DbHandle {
  const options = [
    opts.searchPath ? `-c search_path=${opts.searchPath}` : '',
    opts.statementTimeoutMs ? `-c statement_timeout=${opts.statementTimeoutMs}` : '',
    opts.idleInTransactionTimeoutMs ? `-c idle_in_transaction_session_timeout=${opts.idleInTransactionTimeoutMs}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    ...(opts.acquireTimeoutMs ? { connectionTimeoutMillis: opts.acquireTimeoutMs } : {}),
    ...(options ? { options } : {}),
  });
  pool.on('error', (e) => opts.onIdleError?.(e));
  // A connection checked out between two statements (inside a transaction) has no listener of
  // the pool's: broken there by a restart, pg emits \`error\` on the client itself, and unheard
  // that ends the process. The statement in flight fails on its own (503); this only listens.
  pool.on('connect', (client) => {
    client.on('error', (e) => opts.onIdleError?.(e));
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', close: () => db.destroy() };
}
