// Cloudflare Workers entry: wiring only. PostgreSQL through Hyperdrive (query cache off), the
// configuration from vars and secrets through the same schema as on Node, mail through the HTTP
// mail API, the background jobs on Cron Triggers (README "Cloudflare Workers").
import { createApp } from '../app.js';
import { type Config, ConfigError, loadConfig } from '../config/index.js';
import { createEmailHasher } from '../consent/hash.js';
import { httpMailer } from '../emails/http-mailer.js';
import { type JobDeps, runJobs } from '../jobs/run.js';
import { createLinkSigner, parseKeySet } from '../links/tokens.js';
import { createLogger, type Logger } from '../log.js';
import { normalizeIp } from '../privacy/client-ip.js';
import { createPushSigner, pushSuppressions } from '../pushes/push.js';
import { systemClock } from '../time/clock.js';
import { workersLogContext } from '../workers/log-context.js';
import { type RequestScopedDb, requestScopedDb } from '../workers/request-db.js';

interface WorkerEnv {
  HYPERDRIVE: { connectionString: string };
  [name: string]: unknown;
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** What one isolate builds once and keeps: configuration, keys, the app, the jobs' wiring. */
interface Isolate {
  app: ReturnType<typeof createApp>;
  config: Config;
  logger: Logger;
  scoped: RequestScopedDb;
  jobs: JobDeps;
}

/** Workers allow six open connections per invocation; one stays free for a push after the change. */
const MAX_CONNECTIONS = 5;
/** The pause before the second try of a push after a change (see pushNow). */
const PUSH_RETRY_MS = 2_000;

async function buildIsolate(env: WorkerEnv): Promise<Isolate> {
  // Vars and secrets are the environment; bindings (objects) are not configuration.
  const vars = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  const config = loadConfig(
    // Production always: a Worker serves mailboxes, and production refuses placeholders and missing secrets.
    // No metrics port on Workers: /metrics (the database's gauges) is served to a key with metrics:read.
    { ...vars, NODE_ENV: 'production', DATABASE_URL: env.HYPERDRIVE.connectionString, MIGRATE_ON_START: 'false', METRICS_PORT: undefined },
    { mail: 'http' },
  );
  const logger = createLogger(config.logLevel);
  // Hyperdrive pools the connections to PostgreSQL; each request opens its own through it.
  const scoped = requestScopedDb(env.HYPERDRIVE.connectionString, {
    max: Math.min(config.dbPoolMax, MAX_CONNECTIONS),
    acquireTimeoutMs: config.db.acquireTimeoutMs,
  });
  const db = scoped.db;
  // Keys are imported once per isolate, not per request (jose over WebCrypto).
  const signer = await createLinkSigner(parseKeySet(config.linkSigningKeys!), systemClock);
  const hasher = await createEmailHasher(config.suppressionHashKey!);
  const pushSigner = config.pushSigningKeys ? await createPushSigner(parsePushKeys(config.pushSigningKeys)) : undefined;
  const app = createApp({
    config,
    db,
    clock: systemClock,
    logger,
    signer,
    hasher,
    ...(pushSigner ? { pushJwks: pushSigner.publicJwks } : {}),
    // Cloudflare sets CF-Connecting-IP itself (a client cannot forge it past the edge); the app
    // still checks it is an address before it is kept as evidence.
    clientIp: (c) => normalizeIp(c.req.header('cf-connecting-ip')),
    // The request's id and route on every line it logs (workerd's AsyncLocalStorage).
    logContext: workersLogContext(),
  });
  const mailer = httpMailer({ ...config.mailApi!, timeoutMs: 15_000 });
  // The same job code as `npm run jobs` on Node (src/jobs/run.ts), wired with this runtime's parts.
  const jobs: JobDeps = {
    db,
    config,
    logger,
    now: () => systemClock.now(),
    delivery: { db, mailer, signer, config, clock: systemClock, logger },
    push: pushSigner ? { db, clock: systemClock, logger, signer: pushSigner, endpoints: config.pushEndpoints, batchSize: config.pushBatchSize } : undefined,
  };
  logger.info('worker isolate ready', { mail: mailer.describe, pushEndpoints: config.pushEndpoints.length });
  return { app, config, logger, scoped, jobs };
}

/** The push keys, parsed like the link keys, a problem named after their own variable. */
function parsePushKeys(json: string) {
  try {
    return parseKeySet(json);
  } catch (e) {
    throw new Error(`PUSH_SIGNING_KEYS: ${(e instanceof Error ? e.message : String(e)).replace(/^LINK_SIGNING_KEYS:? ?/, '')}`);
  }
}

let isolate: Promise<Isolate> | undefined;

/** The isolate's app, built on the first request; a failed build is tried again on the next. */
function isolateFor(env: WorkerEnv): Promise<Isolate> {
  isolate ??= buildIsolate(env).catch((e: unknown) => {
    isolate = undefined;
    throw e;
  });
  return isolate;
}

/**
 * Paths whose writes may change the suppression list: the public pages' acts (unsubscribe,
 * withdrawal, the center, a confirmation that lifts), and the staff and mail-sender routes that
 * suppress or lift. A write elsewhere (links, reservations) starts no push; a change missed here
 * only waits for the next scheduled run.
 */
const SUPPRESSING_PATHS = /^\/(u|w|p|c)\/|^\/v1\/(suppressions|events|subjects|requests)(\/|$)/;

/** A request that may have changed the suppression list: a write there that succeeded. */
const mayHaveChanged = (request: Request, response: Response) =>
  !['GET', 'HEAD', 'OPTIONS'].includes(request.method) && response.status < 400 && SUPPRESSING_PATHS.test(new URL(request.url).pathname);

/**
 * One request of pushes per endpoint, at once after a change (the cron run takes the rest). A
 * run that found nothing may have met the lease of another one that read the list before this
 * change committed: one more try a moment later carries it.
 */
async function pushNow(it: Isolate): Promise<void> {
  const push = it.jobs.push;
  if (!push?.endpoints.length) return;
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, PUSH_RETRY_MS));
      const { result, close } = await it.scoped.run(() => pushSuppressions(push, { maxBatches: 1 }));
      await close();
      if (result.pushed > 0 || result.failed > 0) return;
    }
  } catch (e) {
    it.logger.warn('push after a change failed (the next scheduled run retries)', { error: e instanceof Error ? e.message : String(e) });
  }
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let it: Isolate;
    try {
      it = await isolateFor(env);
    } catch (e) {
      // Names the bad variables, never their values.
      console.error(e instanceof ConfigError ? e.message : `the Worker could not start: ${e instanceof Error ? e.message : String(e)}`);
      return new Response('The service is not configured correctly; its log says why.\n', { status: 503, headers: { 'retry-after': '60' } });
    }
    const { result: response, close } = await it.scoped.run(async () => it.app.fetch(request));
    if (mayHaveChanged(request, response)) ctx.waitUntil(pushNow(it));
    if (!response.body) {
      ctx.waitUntil(close());
      return response;
    }
    // A streamed body (the suppression feed) still reads from the database: close after its end.
    const { readable, writable } = new TransformStream();
    ctx.waitUntil(response.body.pipeTo(writable).finally(close));
    return new Response(readable, response);
  },

  /** Cron Triggers: every due background job once, bounded per run (src/jobs/run.ts). */
  async scheduled(_controller: unknown, env: WorkerEnv, _ctx: ExecutionContext): Promise<void> {
    const it = await isolateFor(env);
    try {
      const { result, close } = await it.scoped.run(() => runJobs(it.jobs));
      await close();
      it.logger.info('jobs ran', { ...result });
    } catch (e) {
      it.logger.error('jobs failed', { error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
  },
};
