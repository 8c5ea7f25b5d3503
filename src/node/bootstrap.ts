// Node-only wiring shared by the server, the CLI and the benchmarks.

import { join } from 'node:path';
import { type Config, ConfigError, loadConfig, productionWarnings } from '../config/index.js';
import { createEmailHasher } from '../consent/hash.js';
import type { DbHandle } from '../db/handle.js';
import { migrateToLatest } from '../db/migrate.js';
import { createPostgresDb } from '../db/postgres.js';
import type { AppDeps } from '../deps.js';
import { httpMailer } from '../emails/http-mailer.js';
import type { Mailer } from '../emails/mailer.js';
import type { JobDeps } from '../jobs/run.js';
import { createLinkSigner, type LinkSigner } from '../links/tokens.js';
import { createLogger, type Logger } from '../log.js';
import { createPushSigner, type PushSigner } from '../pushes/push.js';
import { systemClock } from '../time/clock.js';
import { loadCalendar } from './calendar.js';
import { ownerOnlyFiles, secureDataDir } from './data-dir.js';
import { keepAliveFetch } from './http-post.js';
import { fileMailer, smtpMailer } from './mailer.js';
import { createPgliteDb } from './pglite.js';
import { resolveHashKey, resolvePushKeys, resolveSigningKeys } from './secrets.js';
import { nodeTokenCrypto } from './token-crypto.js';

/**
 * Opens the configured database: PostgreSQL with DATABASE_URL (bounded by the DB_* timeouts),
 * else PGlite in DATA_DIR.
 */
export async function openDatabase(config: Config, role: string, logger?: Logger): Promise<DbHandle> {
  if (config.databaseUrl) {
    return createPostgresDb(config.databaseUrl, {
      max: config.dbPoolMax,
      ...config.db,
      // A restart of PostgreSQL breaks the idle connections; the pool replaces them.
      onIdleError: (e) => logger?.warn('database connection lost while idle', { code: (e as { code?: string }).code, error: e.message.slice(0, 200) }),
    });
  }
  return createPgliteDb(`${config.dataDir}`, role);
}

/** Secrets, signer, hasher, calendar and mailer for an open database. */
export async function buildDeps(
  config: Config,
  handle: DbHandle,
  logger: Logger,
): Promise<{ deps: AppDeps & { signer: LinkSigner }; mailer: Mailer; pushSigner: PushSigner }> {
  const signer = await createLinkSigner(await resolveSigningKeys(config, logger), systemClock, { crypto: nodeTokenCrypto });
  const hasher = await createEmailHasher(resolveHashKey(config, logger));
  const calendar = loadCalendar(config.calendarDir, logger);
  // The HTTP mail API when configured (the same adapter as on Workers), else SMTP, else files.
  const mailer = config.mailApi
    ? httpMailer({ ...config.mailApi, timeoutMs: 15_000 })
    : config.smtpUrl
      ? smtpMailer(config.smtpUrl)
      : fileMailer(join(config.dataDir, 'outbox'));
  logger.info(
    config.mailApi ? 'mail goes through the HTTP mail API' : config.smtpUrl ? 'mail goes through SMTP' : 'no SMTP_URL: mail is written as .eml files',
    {
      to: mailer.describe,
    },
  );
  if (!config.sns.verifySignatures) {
    logger.warn(
      'SNS_VERIFY_SIGNATURES=false: Amazon SNS message signatures are not verified, the API key alone authenticates SNS deliveries; for development only',
    );
  }
  if (config.operatorPlaceholders || !config.ownPolicy) {
    // Production refuses to start this way (config); in development say why pages look odd.
    logger.warn(
      'the operator is not configured: pages and mails show placeholders and /privacy is a template; set ORG_NAME, ORG_URL, SUPPORT_EMAIL and POLICY_URL (required in production)',
    );
  }
  const pushSigner = await createPushSigner(await resolvePushKeys(config, logger));
  return { deps: { config, db: handle.db, clock: systemClock, logger, signer, hasher, calendar, pushJwks: pushSigner.publicJwks }, mailer, pushSigner };
}

/** What the job loop needs, from what {@link buildDeps} made: one wiring for server, worker and CLI. */
export function jobDeps(b: { deps: AppDeps & { signer: LinkSigner }; mailer: Mailer; pushSigner: PushSigner }): JobDeps {
  const { db, config, clock, logger, signer } = b.deps;
  return {
    db,
    config,
    logger,
    now: () => clock.now(),
    delivery: { db, mailer: b.mailer, signer, config, clock, logger },
    push: { db, clock, logger, signer: b.pushSigner, endpoints: config.pushEndpoints, batchSize: config.pushBatchSize, fetch: keepAliveFetch() },
  };
}

/**
 * Everything the app needs, from the environment. The embedded database is always migrated
 * (nobody else can); PostgreSQL unless MIGRATE_ON_START=false.
 */
export async function bootstrap(
  env: Record<string, string | undefined>,
  role: string,
): Promise<{ deps: AppDeps & { signer: LinkSigner }; handle: DbHandle; logger: Logger; mailer: Mailer; pushSigner: PushSigner }> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  // Database, keys and mail files are personal data and secrets: owner-only, new and existing.
  ownerOnlyFiles();
  const tightened = secureDataDir(config.dataDir);
  if (tightened > 0) logger.warn('DATA_DIR: made files owner-only (0600) and directories 0700', { dataDir: config.dataDir, tightened });
  for (const warning of productionWarnings(config)) logger.warn(warning);
  const handle = await openDatabase(config, role, logger);
  try {
    if (handle.kind === 'pglite' || config.migrateOnStart) {
      const r = await migrateToLatest(handle.db);
      for (const m of r.results ?? []) logger.info('migration applied', { migration: m.migrationName, status: m.status });
    }
    return { ...(await buildDeps(config, handle, logger)), handle, logger };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/**
 * The one line a failed start prints: what is wrong and what to do, never a stack trace, for
 * the failures an operator causes (configuration, a port in use or out of reach).
 */
export function startFailureMessage(e: unknown, port?: number): string {
  if (e instanceof ConfigError) return e.message;
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') return `Port ${port} is already in use: another process is listening on it. Stop that process or set PORT to a free port.`;
  if (code === 'EACCES') return `Port ${port} cannot be opened by this user (ports below 1024 need privileges). Set PORT to 1024 or above.`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Stops the process on SIGINT or SIGTERM, once: `beforeJobs` (a server stops taking requests
 * and lets those in flight finish) and the job loop (the job in hand finishes) side by side,
 * then the mailer and the database in that order, then exit 0; exit 1 if that takes longer
 * than `graceMs` (`SHUTDOWN_GRACE_MS`: a stuck connection must not keep a deploy waiting).
 */
export function stopOnSignals(
  b: { logger: Logger; mailer: Mailer; handle: DbHandle },
  opts: { stopping: string; graceMs: number; stopJobs: () => Promise<void>; beforeJobs?: () => Promise<void> },
): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    b.logger.info(opts.stopping, { signal, graceMs: opts.graceMs });
    setTimeout(() => {
      b.logger.error('shutdown took longer than its bound (SHUTDOWN_GRACE_MS): exiting with work unfinished', { graceMs: opts.graceMs });
      process.exit(1);
    }, opts.graceMs).unref();
    void Promise.all([(opts.beforeJobs ?? (async () => {}))(), opts.stopJobs()])
      .then(() => b.mailer.close())
      .then(() => b.handle.close())
      .then(
        () => {
          b.logger.info('stopped', { ms: Date.now() - started });
          process.exit(0);
        },
        (e: unknown) => {
          b.logger.error('shutdown failed', { error: e instanceof Error ? e.message.slice(0, 200) : String(e) });
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
