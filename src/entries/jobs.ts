// Node entry for a separate job process (`npm run jobs`): the same loop the server can run
// in-process, without HTTP. Wiring only. On the embedded database only one process may open
// DATA_DIR, so there the server's own loop is the way (JOBS_INTERVAL_SECONDS).
import { ConfigError } from '../config/index.js';
import { startJobLoop } from '../jobs/run.js';
import { bootstrap, jobDeps, stopOnSignals } from '../node/bootstrap.js';
import { DataDirInUseError } from '../node/pglite.js';

async function main() {
  const built = await bootstrap(process.env, 'worker');
  const { deps, handle, logger } = built;
  const interval = Math.max(1, deps.config.jobsIntervalSeconds || 60) * 1000;
  const stop = startJobLoop(jobDeps(built), interval);
  logger.info('job worker started', { intervalSeconds: interval / 1000, database: handle.kind });
  stopOnSignals(built, { stopping: 'job worker stopping', graceMs: 30_000, stopJobs: stop });
}

main().catch((e) => {
  console.error(e instanceof ConfigError || e instanceof DataDirInUseError ? e.message : e);
  process.exit(1);
});
