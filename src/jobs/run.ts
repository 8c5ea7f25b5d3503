import { sweepLedger } from '../cadence/reservations.js';
import type { Config } from '../config/index.js';
import type { Db } from '../db/handle.js';
import { runErasureJob } from '../erasure/job.js';
import type { Logger } from '../log.js';
import { type DeliveryDeps, deliverEmails } from '../outbox/deliver.js';
import { pruneRateLimits } from '../pages/rate-limit.js';
import { sweepPendingChanges } from '../pending/queries.js';
import { type PushDeps, pushSuppressions } from '../pushes/push.js';
import { AT_RISK_MS } from '../requests/deadlines.js';
import { listRequests } from '../requests/queries.js';

export interface JobReport {
  mail: { sent: number; retried: number; dead: number } | null;
  pushes: { pushed: number; failed: number } | null;
  erased: number;
  expiredReservations: number;
  prunedSends: number;
  overdue: number;
  atRisk: number;
}

/**
 * Every due background job, once: e-mail from the outbox, erasure of open requests, the cadence ledger sweep, and the
 * deadline watch (a warning per request past or within 4 hours of its due time: ids only).
 * Safe to run from several instances at once.
 */
export interface JobDeps {
  db: Db;
  config: Config;
  logger: Logger;
  now: () => Date;
  delivery?: DeliveryDeps;
  push?: PushDeps;
}

export async function runJobs(deps: JobDeps): Promise<JobReport> {
  // Mail first: a withdrawal-received message must go out before the erasure blanks the address.
  const mail = deps.delivery ? await deliverEmails(deps.delivery) : null;
  const pushes = deps.push?.endpoints.length ? await pushSuppressions(deps.push) : null;
  const mailer = deps.delivery?.mailer;
  const { erased } = await runErasureJob(deps.db, {
    now: deps.now,
    logger: deps.logger,
    graceHours: deps.config.erasureGraceHours,
    forget: mailer?.forget ? (id) => mailer.forget!(id) : undefined,
  });
  // The notices of erasure at once: each holds an address that should not outlive its sending.
  if (erased > 0 && deps.delivery && mail) {
    const notices = await deliverEmails(deps.delivery, { kinds: ['erasure-completed'] });
    mail.sent += notices.sent;
    mail.retried += notices.retried;
    mail.dead += notices.dead;
  }
  const ledger = await sweepLedger(deps.db, deps.now(), deps.config.cadence.ledgerRetentionDays);
  await pruneRateLimits(deps.db, deps.now());
  // Addresses and profiles nobody confirmed in time are personal data with no purpose left.
  await sweepPendingChanges(deps.db, deps.now());
  const now = deps.now();
  const due = await listRequests(deps.db, { dueBefore: new Date(now.getTime() + AT_RISK_MS), limit: 1000, now });
  let overdue = 0;
  for (const r of due) {
    if (r.overdue) overdue++;
    deps.logger.warn(r.overdue ? 'request overdue' : 'request due within 4 hours', { request: r.id, subject: r.subject, type: r.type, dueAt: r.dueAt });
  }
  return { mail, pushes, erased, expiredReservations: ledger.expired, prunedSends: ledger.pruned, overdue, atRisk: due.length - overdue };
}

/** Runs {@link runJobs} every `intervalMs` until stopped; errors are logged, never thrown. */
export function startJobLoop(deps: JobDeps, intervalMs: number): () => Promise<void> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    running = runJobs(deps)
      .then((r) => {
        if (r.erased || r.expiredReservations || r.prunedSends || r.mail?.sent || r.mail?.dead || r.pushes?.pushed) deps.logger.info('jobs ran', { ...r });
      })
      .catch((e) => deps.logger.error('jobs failed', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  let timer = setTimeout(tick, Math.min(intervalMs, 5_000));
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
