// Workers only: one Kysely for the isolate whose connections belong to the request (or cron
// invocation) that opened them. A Worker may not use a socket another request opened, so a pool
// shared by the isolate is not possible; the app, built once per isolate, holds this handle and
// every query finds its request's pool through AsyncLocalStorage (workerd's own, under
// nodejs_compat: not a Node polyfill).
import { AsyncLocalStorage } from 'node:async_hooks';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Db } from '../db/handle.js';
import type { Database } from '../db/schema.js';

export interface RequestScopedDb {
  /** The handle the app and the jobs hold; a query outside {@link RequestScopedDb.run} throws. */
  db: Db;
  /**
   * Runs `fn` with a pool of its own (at most `max` connections through Hyperdrive) and returns
   * its result with `close`, which ends that pool: call it once nothing reads any more (after a
   * streamed body's last byte).
   */
  run<T>(fn: () => Promise<T>): Promise<{ result: T; close: () => Promise<void> }>;
}

/**
 * @example
 * const scoped = requestScopedDb(env.HYPERDRIVE.connectionString, { max: 5 });
 * const { result, close } = await scoped.run(() => app.fetch(request));
 * ctx.waitUntil(close());
 */
export function requestScopedDb(connectionString: string, opts: { max: number; acquireTimeoutMs?: number }): RequestScopedDb {
  const current = new AsyncLocalStorage<pg.Pool>();
  // What Kysely's PostgresDriver asks of a pool: connect() for each connection, end() on destroy.
  const facade = {
    connect() {
      const pool = current.getStore();
      if (!pool) return Promise.reject(new Error('no database outside a request or a scheduled run'));
      return pool.connect();
    },
    async end() {},
  };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: facade as unknown as pg.Pool }) });
  return {
    db,
    async run(fn) {
      const pool = new pg.Pool({
        connectionString,
        max: opts.max,
        ...(opts.acquireTimeoutMs ? { connectionTimeoutMillis: opts.acquireTimeoutMs } : {}),
      });
      // A connection that breaks while idle must not become an unhandled error event.
      pool.on('error', () => {});
      let closed: Promise<void> | undefined;
      const close = () => {
        closed ??= pool.end().catch(() => {});
        return closed;
      };
      try {
        return { result: await current.run(pool, fn), close };
      } catch (e) {
        await close();
        throw e;
      }
    },
  };
}
