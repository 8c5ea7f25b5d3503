import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import type { Logger } from '../log.js';
import { enqueue } from '../outbox/queries.js';
import { eraseSubject } from './erase.js';

/**
 * Erases everyone with an open erasure request, oldest due first. Each request is claimed with
 * FOR UPDATE SKIP LOCKED in its own transaction, so several instances share the work without
 * doing one twice, and a crash midway rolls that one back to be taken again.
 */
export async function runErasureJob(db: Db, opts: { now: () => Date; logger: Logger; batch?: number }): Promise<{ erased: number }> {
  let erased = 0;
  for (let i = 0; i < (opts.batch ?? 100); i++) {
    const done = await db.transaction().execute(async (trx) => {
      const claimed = await sql<{ id: string; subject_id: string }>`
        select id, subject_id from requests
        where type = 'erasure' and status in ('received', 'in_progress')
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
      await trx
        .updateTable('requests')
        .set({ status: 'completed', completed_at: at, status_reason: 'erased' })
        .where('id', '=', r.id)
        .execute();
      return r;
    });
    if (!done) break;
    erased++;
    opts.logger.info('erasure completed', { request: done.id, subject: done.subject_id });
  }
  return { erased };
}
