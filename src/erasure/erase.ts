import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import { recordEvents } from '../consent/events.js';
import { SELF_REASONS } from '../suppressions/queries.js';

/**
 * Erases a person: every personal field, the IPs and user agents in their ledger events, their
 * free-text requests. What stays is what proves we acted (the requests and their times, an
 * `erased` event, consent events without their personal parts) and the keyed hash in the
 * suppression list, so the address is never mailed again. The feed then carries the entry
 * without its address, under a new seq so consumers holding the address can drop it.
 *
 * Runs inside the caller's transaction; safe to repeat (an erased person is left as is).
 * Returns false when there was nothing to erase.
 */
export async function eraseSubject(db: Db, subjectId: string, at: Date, requestId: string | null): Promise<boolean> {
  const s = await db.selectFrom('subjects').select(['id', 'email_hash', 'status']).where('id', '=', subjectId).forUpdate().executeTakeFirst();
  if (!s || s.status === 'erased') return false;
  await db
    .updateTable('subjects')
    .set({
      email: null,
      last_name: null,
      first_name: null,
      patronymic: null,
      phone: null,
      website: null,
      organization: null,
      industry: null,
      city: null,
      status: 'erased',
      erased_at: at,
      updated_at: at,
    })
    .where('id', '=', subjectId)
    .execute();
  await db.updateTable('consent_events').set({ ip: null, user_agent: null, details: null }).where('subject_id', '=', subjectId).execute();
  // The person's own text, and what staff typed about their requests (reasons to complete,
  // reject or extend, which often name them); the requests, their dates and outcomes stay.
  await sql`
    update requests set body = null, status_reason = null,
      extensions = (select coalesce(jsonb_agg(e - 'reason' order by n), '[]'::jsonb) from jsonb_array_elements(extensions) with ordinality as x(e, n))
    where subject_id = ${subjectId}`.execute(db);
  await db.updateTable('consents').set({ state: 'withdrawn', updated_at: at }).where('subject_id', '=', subjectId).where('state', '<>', 'withdrawn').execute();
  await db.deleteFrom('preferences').where('subject_id', '=', subjectId).execute();
  await db.deleteFrom('pending_changes').where('subject_id', '=', subjectId).execute(); // an address or profile waiting for confirmation
  // Messages not yet delivered would need the address we are erasing.
  await db
    .updateTable('outbox')
    .set({ status: 'dead', last_error: 'subject erased before delivery', done_at: at })
    .where('subject_id', '=', subjectId)
    .where('status', '=', 'pending')
    .execute();
  // The hash stays suppressed. The person's own reasons become `erased`; a staff-only reason
  // (bounce, complaint, manual) is kept, since it says more.
  await sql`
    insert into suppressions (hash, email, subject_id, reason, active, seq, changed_at, created_at, actor_type, actor_id, note)
    values (${s.email_hash}, null, ${subjectId}, 'erased', true, null, ${at}, ${at}, 'system', null, null)
    on conflict (hash) do update set
      email = null,
      reason = case when suppressions.active and not (suppressions.reason = any(${[...SELF_REASONS]}::text[])) then suppressions.reason else 'erased' end,
      active = true, seq = null, changed_at = excluded.changed_at, actor_type = 'system', actor_id = null, note = null`.execute(db);
  // Manual entries keyed by the same hash could hold the address too.
  await db.updateTable('suppressions').set({ email: null }).where('subject_id', '=', subjectId).execute();
  // Other open requests cannot be answered any more: close them (their text is gone above).
  await db
    .updateTable('requests')
    .set({ status: 'completed', completed_at: at, status_reason: 'closed: the person was erased' })
    .where('subject_id', '=', subjectId)
    .where('status', 'in', ['received', 'in_progress'])
    .where('type', '<>', 'erasure')
    .execute();
  await recordEvents(db, subjectId, { actorType: 'system', at }, [{ purpose: null, action: 'erased', details: requestId ? { requestId } : undefined }]);
  return true;
}
