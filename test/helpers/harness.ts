import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { inject } from 'vitest';
import { createApp } from '../../src/app.js';
import { createApiKey, type Scope } from '../../src/auth/keys.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import { createEmailHasher } from '../../src/consent/hash.js';
import type { DbHandle } from '../../src/db/handle.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import type { Database } from '../../src/db/schema.js';
import type { AppDeps } from '../../src/deps.js';
import { createLinkSigner, generateSigningJwk } from '../../src/links/tokens.js';
import { type Logger, silentLogger } from '../../src/log.js';
import { createPgliteDb } from '../../src/node/pglite.js';
import { fixedClock } from '../../src/time/clock.js';

export const onPostgres = !!process.env.TEST_DATABASE_URL;

let snapshot: Blob | undefined;

/**
 * An in-memory PGlite started from the migrated data directory that `global-setup.ts` left
 * (about a quarter of the CPU of initdb plus migrations); without one (a config that skips the
 * global setup), a new database migrated here.
 */
async function createPgliteTestDb(): Promise<DbHandle> {
  const path = inject('pgliteSnapshot');
  if (!path) {
    const handle = await createPgliteDb(undefined);
    await migrateToLatest(handle.db);
    return handle;
  }
  snapshot ??= new Blob([readFileSync(path)]);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(await PGlite.create({ loadDataDir: snapshot })) });
  return { db, kind: 'pglite', close: () => db.destroy() };
}

/**
 * A fresh, migrated database for one test file: its own schema on PostgreSQL
 * (TEST_DATABASE_URL), an in-memory PGlite otherwise.
 */
export async function createTestDb(opts: { poolMax?: number } = {}): Promise<DbHandle> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return createPgliteTestDb();
  // Within a run the global setup drops the run's schemas at its end (see global-setup.ts);
  // without it, the file drops its own when it closes.
  const prefix = inject('pgSchemaPrefix');
  const schema = `${prefix ?? 't_'}${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = createPostgresDb(url, { max: 1 });
  await sql`create schema ${sql.id(schema)}`.execute(admin.db);
  await admin.close();
  const handle = createPostgresDb(url, { max: opts.poolMax ?? 10, searchPath: schema });
  const dropSchema = async () => {
    const cleanup = createPostgresDb(url, { max: 1 });
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(cleanup.db);
    await cleanup.close();
  };
  try {
    await migrateToLatest(handle.db);
  } catch (e) {
    await handle.close();
    await dropSchema();
    throw e;
  }
  return {
    ...handle,
    close: async () => {
      await handle.close();
      if (!prefix) await dropSchema();
    },
  };
}

export const TEST_HASH_KEY = 'test-suppression-hash-key-0123456789abcdef';

export interface Harness {
  app: ReturnType<typeof createApp>;
  deps: AppDeps & { clock: ReturnType<typeof fixedClock> };
  config: Config;
  db: DbHandle['db'];
  handle: DbHandle;
  clock: ReturnType<typeof fixedClock>;
  /** Creates an API key with these scopes and returns its Authorization header value. */
  bearer(...scopes: Scope[]): Promise<string>;
  close(): Promise<void>;
}

/**
 * The app over a fresh database, a fixed clock and a generated signing key. `logger`: where the
 * app logs (silent by default; `test/helpers/log-capture.ts` records every line). `extra`: the
 * runtime's metrics, log context and draining flag (none by default).
 */
export async function createHarness(
  opts: {
    env?: Record<string, string>;
    now?: string;
    handle?: DbHandle;
    clientIp?: string;
    logger?: Logger;
    extra?: Pick<AppDeps, 'metrics' | 'logContext' | 'draining'>;
  } = {},
): Promise<Harness> {
  const handle = opts.handle ?? (await createTestDb());
  const config = loadConfig({
    PUBLIC_BASE_URL: 'https://prefs.example.ru',
    SUPPRESSION_HASH_KEY: TEST_HASH_KEY,
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const clock = fixedClock(opts.now ?? '2026-03-02T09:00:00Z');
  const signer = await createLinkSigner([await generateSigningJwk('test-key-1')], clock);
  const hasher = await createEmailHasher(config.suppressionHashKey!);
  const deps = { config, db: handle.db, clock, logger: opts.logger ?? silentLogger, signer, hasher };
  const app = createApp({ ...deps, ...opts.extra, clientIp: () => opts.clientIp ?? '198.51.100.7' });
  return {
    app,
    deps,
    config,
    db: handle.db,
    handle,
    clock,
    bearer: async (...scopes) => `Bearer ${(await createApiKey(handle.db, { name: 'test', scopes }, clock.now())).key}`,
    close: () => handle.close(),
  };
}

/** JSON request helper for API routes. */
export function jsonRequest(method: string, body: unknown, auth?: string): RequestInit {
  return {
    method,
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

export const lead = (email: string, over: Record<string, unknown> = {}) => ({
  email,
  consents: { processing: true, marketing: true },
  policyVersion: '2025-06-01',
  ...over,
});

const leadKeys = new WeakMap<Harness, string>();

/**
 * Registers a person through POST /v1/subjects, the one way tests create people over the API
 * (`createSubject` in `pages.ts` and `cadence.ts` are this). Uses `auth`, or a leads:write key
 * made once per harness; throws unless the answer is 201 (new) or 200 (known address).
 */
export async function registerLead(
  h: Harness,
  email: string,
  over: Record<string, unknown> = {},
  auth?: string,
): Promise<{ id: string; consents: { processing: string; marketing: string }; status: number }> {
  if (!auth) {
    auth = leadKeys.get(h);
    if (!auth) {
      auth = await h.bearer('leads:write');
      leadKeys.set(h, auth);
    }
  }
  const res = await h.app.request('/v1/subjects', jsonRequest('POST', lead(email, over), auth));
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST /v1/subjects answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { id: string; consents: { processing: string; marketing: string } };
  return { ...body, status: res.status };
}
