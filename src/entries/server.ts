// Node entry: wiring only.

import { join } from 'node:path';
import { createApp } from '../app.js';
import { startJobLoop } from '../jobs/run.js';
import { bootstrap, jobDeps, startFailureMessage, stopOnSignals } from '../node/bootstrap.js';
import { nodeClientIp } from '../node/client-ip.js';
import { fileMailbox } from '../node/dev-mailbox.js';
import { loadDocsAssets } from '../node/docs-assets.js';
import { listeningPort, serveWithLimits } from '../node/http-server.js';
import { type InboundSmtp, startInboundSmtp } from '../node/inbound-smtp.js';
import { unsubscribeByMail } from '../unsubscribe/by-mail.js';

/** The port asked for, for the failure message (the configuration may not have loaded). */
let port: number | undefined;

async function main() {
  const built = await bootstrap(process.env, 'server');
  const { deps, handle, logger, mailer } = built;
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
  let smtp: InboundSmtp | null = null;
  try {
    // Header, request and keep-alive timeouts and a connection cap (HTTP_*): slow clients are cut off.
    server = await serveWithLimits(app.fetch, { port: deps.config.port }, deps.config.http);
    logger.info('listening', { port: listeningPort(server), database: handle.kind, publicBaseUrl: deps.config.publicBaseUrl });
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
    await mailer.close();
    await handle.close();
    throw e;
  }
  // On the embedded database this loop is the only way jobs run while the server is up (the
  // CLI cannot open a data dir in use); on PostgreSQL every instance may run it.
  const stopJobs = deps.config.jobsIntervalSeconds > 0 ? startJobLoop(jobDeps(built), deps.config.jobsIntervalSeconds * 1000) : async () => {};
  stopOnSignals(built, {
    stopping: 'stopping',
    graceMs: 10_000,
    beforeJobs: async () => {
      await smtp?.close();
      await new Promise<void>((done) => server.close(() => done()));
    },
    stopJobs,
  });
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
