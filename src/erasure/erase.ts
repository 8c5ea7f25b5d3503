import { sql } from 'kysely';
import { recordEvents } from '../consent/ledger.js';
import type { Db } from '../db/handle.js';
import { cancelQueuedMail } from '../outbox/queries.js';
import { blankProfile } from '../subjects/profile.js';
import { SELF_REASONS } from '../suppressions/rule.js';

/** The status reason of a request the erasure closed unanswered (the last mail lists them). */
export const CLOSED_BY_ERASURE = 'closed: the person was erased';

/**
 * Erases a person, found by id and by every address hash they ever had (`subject_addresses`):
 * every personal field; the IPs, user agents, details (reasons staff typed, as for a
 * restriction) and sources (the lead form's free text) of their ledger events; their free-text
 * requests and what staff typed about them; the purposes staff stated when reading their data
 * (the audit rows stay: who read whose data and when); the address and note of every
 * suppression keyed by any of their addresses (a bounce, complaint or manual entry for an old
 * one included), linked to them. What stays is what proves we acted (the requests and their times, an
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
      ...blankProfile(), // every profile field, the address included (subjects/profile.ts)
      status: 'erased',
      erased_at: at,
      updated_at: at,
    })
    .where('id', '=', subjectId)
    .execute();
  await db.updateTable('consent_events').set({ ip: null, user_agent: null, details: null }).where('subject_id', '=', subjectId).execute();
  // `source` is the channel (one-click, confirmation-link, staff-api: evidence, kept), except
  // on what the lead form sent through the API (actor `via-key:…`): there it is the site's free
  // text, which may name the person.
  await db
    .updateTable('consent_events')
    .set({ source: null })
    .where('subject_id', '=', subjectId)
    .where('actor_id', 'like', 'via-key:%')
    .where('source', 'is not', null)
    .execute();
  // The audit trail is the controller's accountability record and stays; the purpose staff
  // typed ("ticket 123: Ivanov called about ...") may name the person.
  await db.updateTable('audit_log').set({ purpose: null }).where('subject_id', '=', subjectId).where('purpose', 'is not', null).execute();
  // The person's own text, and what staff typed about their requests (reasons to complete,
  // reject or extend, which often name them); the requests, their dates and outcomes stay.
  await sql`
    update requests set body = null, status_reason = null,
      extensions = (select coalesce(jsonb_agg(e - 'reason' order by n), '[]'::jsonb) from jsonb_array_elements(extensions) with ordinality as x(e, n))
    where subject_id = ${subjectId}`.execute(db);
  await db.updateTable('consents').set({ state: 'withdrawn', updated_at: at }).where('subject_id', '=', subjectId).where('state', '<>', 'withdrawn').execute();
  await db.deleteFrom('preferences').where('subject_id', '=', subjectId).execute();
  // Their choices per topic go with the preferences; the feed's topic records hold only the
  // hash, which stays (the global `erased` record below covers every topic anyway).
  await db.deleteFrom('topic_choices').where('subject_id', '=', subjectId).execute();
  await db.deleteFrom('pending_changes').where('subject_id', '=', subjectId).execute(); // an address or profile waiting for confirmation
  // Messages not yet delivered would need the address we are erasing.
  await cancelQueuedMail(db, subjectId, at, 'subject erased before delivery');
  // The hash stays suppressed. The person's own reasons become `erased`; a staff-only reason
  // (bounce, complaint, manual) is kept, since it says more: reasonAfterErasure() in
  // suppressions/rule.ts, here in SQL over the same SELF_REASONS.
  await sql`
    insert into suppressions (hash, email, subject_id, reason, active, seq, changed_at, created_at, actor_type, actor_id, note)
    values (${s.email_hash}, null, ${subjectId}, 'erased', true, null, ${at}, ${at}, 'system', null, null)
    on conflict (hash) do update set
      email = null,
      reason = case when suppressions.active and not (suppressions.reason = any(${[...SELF_REASONS]}::text[])) then suppressions.reason else 'erased' end,
      active = true, seq = null, changed_at = excluded.changed_at, actor_type = 'system', actor_id = null, note = null`.execute(db);
  // Every entry keyed by any address the person ever had, or naming them: a bounce, complaint
  // or manual entry for an old address (before or after the change) holds that address and a
  // note. The hash stays suppressed as it was; address and note go, and the entry is linked to
  // the person. A hash that is now another live person's address is theirs, and left alone.
  // Re-sequenced, so feed consumers holding the address learn it is gone.
  await sql`
    update suppressions set email = null, note = null, subject_id = ${subjectId}, seq = null, changed_at = ${at}
    where (subject_id = ${subjectId} or hash in (select email_hash from subject_addresses where subject_id = ${subjectId}))
      and hash <> ${s.email_hash}
      and not exists (select 1 from subjects l where l.email_hash = suppressions.hash and l.status <> 'erased' and l.id <> ${subjectId})
      and (email is not null or note is not null or subject_id is distinct from ${subjectId})`.execute(db);
  // Other open requests cannot be answered any more: close them (their text is gone above).
  await db
    .updateTable('requests')
    .set({ status: 'completed', completed_at: at, status_reason: CLOSED_BY_ERASURE })
    .where('subject_id', '=', subjectId)
    .where('status', 'in', ['received', 'in_progress'])
    .where('type', '<>', 'erasure')
    .execute();
  await recordEvents(db, subjectId, { actorType: 'system', at }, [{ purpose: null, action: 'erased', details: requestId ? { requestId } : undefined }]);
  return true;
}
