import { sql } from 'kysely';
import { type Db, withoutStatementTimeout } from '../db/handle.js';
import type { Logger } from '../log.js';
import { enqueue } from '../outbox/queries.js';
import { eraseSubject } from './erase.js';
import { erasureCutoffs } from './schedule.js';

/** The tables an erasure updates or deletes from: vacuumed after a batch. */
export const ERASURE_TABLES = ['subjects', 'consent_events', 'consents', 'preferences', 'requests', 'suppressions', 'outbox', 'audit_log'] as const;

/**
 * Erases everyone with an open erasure request whose moment has come (`graceHours` after it was
 * received, or just before it is due: see erasure/schedule.ts), oldest due first. Each request is claimed with
 * FOR UPDATE SKIP LOCKED in its own transaction, so several instances share the work without
 * doing one twice, and a crash midway rolls that one back to be taken again.
 *
 * After each erasure commits, `forget` drops what the mailer kept of the person (the file
 * mailer's `.eml` files). After a batch that erased anyone, the touched tables are vacuumed:
 * an UPDATE leaves the old row version, with the personal data, in the table file until a
 * vacuum reclaims it, and PGlite has no autovacuum (on PostgreSQL it may come much later).
 */
export async function runErasureJob(
  db: Db,
  opts: { now: () => Date; logger: Logger; batch?: number; forget?: (subjectId: string) => Promise<unknown>; graceHours?: number },
): Promise<{ erased: number }> {
  let erased = 0;
  for (let i = 0; i < (opts.batch ?? 100); i++) {
    // Only requests whose moment has come (erasure/schedule.ts); 0 hours: every open one.
    const cut = erasureCutoffs(opts.now(), opts.graceHours ?? 0);
    const done = await db.transaction().execute(async (trx) => {
      const claimed = await sql<{ id: string; subject_id: string }>`
        select id, subject_id from requests
        where type = 'erasure' and status in ('received', 'in_progress')
          and (received_at <= ${cut.receivedBefore} or due_at <= ${cut.dueBefore})
        order by due_at
        limit 1
        for update skip locked`.execute(trx);
      const r = claimed.rows[0];
      if (!r) return null;
      const at = opts.now();
      const person = await trx.selectFrom('subjects').select(['email', 'locale', 'status']).where('id', '=', r.subject_id).executeTakeFirst();
      await eraseSubject(trx, r.subject_id, at, r.id);
      if (person?.email && person.status !== 'erased') {
        // The notice that it is done: the address travels in the row until it is sent, then is
        // wiped from it (see enqueue); runJobs sends it straight after this job.
        await enqueue(trx, {
          kind: 'erasure-completed',
          subjectId: r.subject_id,
          payload: { requestId: r.id, to: person.email, locale: person.locale, completedAt: at.toISOString() },
          idempotencyKey: `erasure-completed:${r.id}`,
          at,
        });
      }
      await trx.updateTable('requests').set({ status: 'completed', completed_at: at, status_reason: 'erased' }).where('id', '=', r.id).execute();
      return r;
    });
    if (!done) break;
    erased++;
    opts.logger.info('erasure completed', { request: done.id, subject: done.subject_id });
    if (opts.forget) {
      try {
        await opts.forget(done.subject_id);
      } catch (e) {
        opts.logger.error("erasure: could not delete the mailer's copies", { subject: done.subject_id, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }
  if (erased > 0) await vacuumErased(db, opts.logger);
  return { erased };
}

/**
 * VACUUM of the tables an erasure touched. It cannot run inside a transaction, so it runs on
 * the pool (PostgreSQL) or the one connection (PGlite) after the batch has committed. A
 * failure (another vacuum holding the table, a role that does not own it) is logged, not
 * thrown: the erasure itself is done, and the next batch vacuums again.
 */
export async function vacuumErased(db: Db, logger: Logger): Promise<void> {
  try {
    // VACUUM of big tables may rightly outlast the statement bound of requests.
    await withoutStatementTimeout(db, (conn) => sql`vacuum ${sql.join(ERASURE_TABLES.map((t) => sql.table(t)))}`.execute(conn));
  } catch (e) {
    logger.warn('erasure: vacuum failed', { error: e instanceof Error ? e.message : String(e) });
  }
}
