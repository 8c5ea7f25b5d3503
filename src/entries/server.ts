// Node entry: wiring only.

import { join } from 'node:path';
import { createApp } from '../app.js';
import { startJobLoop } from '../jobs/run.js';
import { internalMetricsApp } from '../metrics/routes.js';
import { bootstrap, jobDeps, startFailureMessage, stopOnSignals } from '../node/bootstrap.js';
import { nodeClientIp } from '../node/client-ip.js';
import { fileMailbox } from '../node/dev-mailbox.js';
import { loadDocsAssets } from '../node/docs-assets.js';
import { closeGracefully, listeningPort, serveWithLimits } from '../node/http-server.js';
import { type InboundSmtp, startInboundSmtp } from '../node/inbound-smtp.js';
import { nodeLogContext } from '../node/log-context.js';
import { promMetrics } from '../node/metrics.js';
import { unsubscribeByMail } from '../unsubscribe/by-mail.js';

/** The port asked for, for the failure message (the configuration may not have loaded). */
let port: number | undefined;

async function main() {
  const built = await bootstrap(process.env, 'server');
  const { handle, logger, mailer } = built;
  // Counters and histograms on prom-client; the request's id and route on every line it logs;
  // /readyz 503 from the first moment of a shutdown.
  let draining = false;
  const deps = { ...built.deps, metrics: promMetrics(), logContext: nodeLogContext(), draining: () => draining };
  const app = createApp({
    ...deps,
    // Swagger UI's files for /docs, from the pinned swagger-ui-dist, read once.
    docsAssets: loadDocsAssets(),
    // TRUST_PROXY decides which entries of X-Forwarded-For were written by our own proxies.
    clientIp: nodeClientIp(deps.config.trustProxy),
    // The dashboard's development mailbox, only when mail goes to .eml files (bootstrap's choice).
    devMailbox: deps.config.smtpUrl || deps.config.mailApi ? null : fileMailbox(join(deps.config.dataDir, 'outbox')),
  });
  port = deps.config.port;
  let server: Awaited<ReturnType<typeof serveWithLimits>>;
  let metricsServer: Awaited<ReturnType<typeof serveWithLimits>> | null = null;
  let smtp: InboundSmtp | null = null;
  try {
    // Header, request and keep-alive timeouts and a connection cap (HTTP_*): slow clients are cut off.
    server = await serveWithLimits(app.fetch, { port: deps.config.port }, deps.config.http);
    logger.info('listening', { port: listeningPort(server), database: handle.kind, publicBaseUrl: deps.config.publicBaseUrl });
    // METRICS_PORT: /metrics there, without auth, and not on the public port (app.ts).
    const m = deps.config.metrics;
    if (m.port !== null) {
      metricsServer = await serveWithLimits(internalMetricsApp(deps).fetch, { port: m.port, hostname: m.host }, deps.config.http).catch((e: unknown) => {
        throw new Error(metricsPortFailure(e, m.port!));
      });
      logger.info('metrics listening', { port: listeningPort(metricsServer), host: m.host });
    }
    // The mailto: entry of List-Unsubscribe, received here when INBOUND_SMTP_PORT is set.
    const inbound = deps.config.inboundSmtp;
    const address = deps.config.unsubscribeMailto;
    if (inbound && address) {
      smtp = await startInboundSmtp({
        port: inbound.port,
        host: inbound.host,
        unsubscribeAddress: address,
        logger,
        limits: inbound,
        handle: (mail) => unsubscribeByMail(deps, mail, 'smtp'),
      }).catch((e: unknown) => {
        throw new Error(inboundSmtpFailure(e, inbound.port));
      });
      logger.info('inbound SMTP listening', { port: smtp.port });
    }
  } catch (e) {
    // Nothing runs yet but the database, the mailer and maybe the HTTP server (when the SMTP
    // port failed): release them (the embedded database's lock included) before saying why.
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    await new Promise<void>((done) => (metricsServer ? metricsServer.close(() => done()) : done()));
    await mailer.close();
    await handle.close();
    throw e;
  }
  // On the embedded database this loop is the only way jobs run while the server is up (the
  // CLI cannot open a data dir in use); on PostgreSQL every instance may run it.
  const stopJobs = deps.config.jobsIntervalSeconds > 0 ? startJobLoop(jobDeps(built), deps.config.jobsIntervalSeconds * 1000) : async () => {};
  // SIGTERM: /readyz says draining; no new connections; requests in flight and the job in hand
  // finish; then the pool closes; all within SHUTDOWN_GRACE_MS or exit 1.
  stopOnSignals(built, {
    stopping: 'stopping',
    graceMs: deps.config.shutdownGraceMs,
    beforeJobs: async () => {
      draining = true;
      await Promise.all([smtp?.close(), closeGracefully(server), metricsServer ? closeGracefully(metricsServer) : undefined]);
    },
    stopJobs,
  });
}

/** The one line for a metrics port that cannot be opened, naming its variable. */
function metricsPortFailure(e: unknown, metricsPort: number): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE')
    return `METRICS_PORT ${metricsPort} is already in use: another process is listening on it. Stop that process or set METRICS_PORT to a free port.`;
  if (code === 'EACCES') return `METRICS_PORT ${metricsPort} cannot be opened by this user (ports below 1024 need privileges). Set it to 1024 or above.`;
  return e instanceof Error ? e.message : String(e);
}

/** The one line for a listener port that cannot be opened, naming its own variable. */
function inboundSmtpFailure(e: unknown, smtpPort: number): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE')
    return `INBOUND_SMTP_PORT ${smtpPort} is already in use: another process is listening on it. Stop that process or set INBOUND_SMTP_PORT to a free port.`;
  if (code === 'EACCES')
    return `INBOUND_SMTP_PORT ${smtpPort} cannot be opened by this user (ports below 1024 need privileges): set it to 1024 or above and map port 25 to it.`;
  return e instanceof Error ? e.message : String(e);
}

main().catch((e) => {
  console.error(startFailureMessage(e, port));
  process.exit(1);
});
