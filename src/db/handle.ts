import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

/** An open database and how to close it. `kind` lets callers skip what PGlite cannot do. */
export interface DbHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/** Whether the database answers a trivial query now (the health check); throws when it does not. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

// PostgreSQL error classes and codes that mean "not now", never "not this input": 57014 a
// statement (or the idle transaction's) timeout, 57P01–57P03 a shutdown or a server not yet
// accepting connections, class 08 a lost or refused connection, 53300 too many connections.
const UNAVAILABLE_CODES = new Set([
  '57014',
  '57P01',
  '57P02',
  '57P03',
  '57P05',
  '53300',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// What `pg` says where it gives no code: the pool's wait ran out, a connection died or timed out.
const UNAVAILABLE_MESSAGES = [
  /^timeout exceeded when trying to connect$/i,
  /^Connection terminated/i,
  /^Client has encountered a connection error and is not queryable$/i,
  /^Client was closed and is not queryable$/i,
  /^terminating connection/i,
];

/**
 * Whether an error means the database is out of reach or over its bounds for now (the pool's
 * wait ran out, a statement timed out, the server restarts or refuses connections), so the
 * request should be answered 503 and retried, not 500. Looks through `cause` too.
 *
 * @example
 * if (isUnavailable(err)) return c.text('busy', 503, { 'Retry-After': '5' });
 */
export function isUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => m.test(message))) return true;
  }
  return false;
}

/**
 * Runs `fn` on one connection with no statement timeout (long legitimate work: migrations,
 * VACUUM, which cannot run in a transaction where `SET LOCAL` would do), then restores the
 * connection's configured bound (`RESET` returns to the value it opened with) before it goes
 * back to the pool. On PGlite, which has no bound, the same statements are harmless.
 */
export async function withoutStatementTimeout<T>(db: Db, fn: (conn: Db) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`set statement_timeout = 0`.execute(conn);
    try {
      return await fn(conn);
    } finally {
      await sql`reset statement_timeout`.execute(conn);
    }
  });
}
