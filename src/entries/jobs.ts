// Node entry for a separate job process (`npm run jobs`): the same loop the server can run
// in-process, without HTTP. Wiring only. On the embedded database only one process may open
// DATA_DIR, so there the server's own loop is the way (JOBS_INTERVAL_SECONDS).
import { ConfigError } from '../config/index.js';
import { startJobLoop } from '../jobs/run.js';
import { bootstrap, jobDeps } from '../node/bootstrap.js';
import { DataDirInUseError } from '../node/pglite.js';

async function main() {
  const built = await bootstrap(process.env, 'worker');
  const { deps, handle, logger, mailer } = built;
  const interval = Math.max(1, deps.config.jobsIntervalSeconds || 60) * 1000;
  const stop = startJobLoop(jobDeps(built), interval);
  logger.info('job worker started', { intervalSeconds: interval / 1000, database: handle.kind });
  const shutdown = (signal: string) => {
    logger.info('job worker stopping', { signal });
    void stop()
      .then(() => mailer.close())
      .then(() => handle.close())
      .then(() => process.exit(0));
    setTimeout(() => process.exit(1), 30_000).unref();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((e) => {
  console.error(e instanceof ConfigError || e instanceof DataDirInUseError ? e.message : e);
  process.exit(1);
});
