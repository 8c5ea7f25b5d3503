import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/handle.js';
import type { ConsentAction, Database, RequestType } from '../db/schema.js';
import { recordEvents, type Evidence } from '../consent/ledger.js';
import { enqueue } from '../outbox/queries.js';
import { createRequest } from '../requests/queries.js';
import { setRestrictedIn } from '../subjects/actions.js';
import { loadSubjectState } from '../subjects/queries.js';

export type Frequency = 'monthly' | 'standard';

export interface Preferences {
  frequency: Frequency;
  /** `YYYY-MM-DD`: no advertising mail before this local date; null for no pause. */
  pausedUntil: string | null;
}

/**
 * `paused_until` as the `YYYY-MM-DD` text the API, pages and mails use: it is a calendar date,
 * and read as a JavaScript Date it would be an instant that shifts the day in other time zones.
 */
export const pausedUntilText = (column: 'paused_until' | 'p.paused_until') => sql<string | null>`to_char(${sql.ref(column)}, 'YYYY-MM-DD')`;

export type PreferencesOutcome =
  | { kind: 'updated' | 'unchanged'; before: Preferences; after: Preferences; events: ConsentAction[] }
  | { kind: 'unknown_subject' }
  | { kind: 'processing_withdrawn' };

/**
 * Sets a person's frequency and pause, with a consent event per changed field
 * ('frequency_changed', 'paused'). Staff (`PUT /v1/subjects/{id}/preferences`) and the
 * preference center both write through here. Under the person's row lock; setting what is
 * already there writes nothing at all (no row touched, no event), so a form posted twice
 * changes nothing the second time.
 *
 * `refuseAfterWithdrawal`: the person's own changes stop once they have withdrawn consent to
 * processing (their data is on its way to erasure).
 */
export async function setPreferences(
  db: Db,
  subjectId: string,
  /** `pausedUntil` left out keeps the pause as it is (the unsubscribe page's "monthly instead" changes only the frequency). */
  wanted: Pick<Preferences, 'frequency'> & { pausedUntil?: string | null },
  evidence: Evidence,
  opts: { refuseAfterWithdrawal?: boolean } = {},
): Promise<PreferencesOutcome> {
  return db.transaction().execute(async (trx) => {
    const s = opts.refuseAfterWithdrawal
      ? await loadSubjectState(trx, subjectId, { lock: true })
      : await trx.selectFrom('subjects').select(['id', 'status']).where('id', '=', subjectId).forUpdate().executeTakeFirst();
    if (!s || s.status === 'erased') return { kind: 'unknown_subject' };
    if (opts.refuseAfterWithdrawal && 'processing' in s && s.processing === 'withdrawn') return { kind: 'processing_withdrawn' };
    const row = await trx
      .selectFrom('preferences')
      .select(['frequency'])
      .select(pausedUntilText('paused_until').as('paused_until'))
      .where('subject_id', '=', subjectId)
      .executeTakeFirst();
    const before: Preferences = { frequency: row?.frequency ?? 'standard', pausedUntil: row?.paused_until ?? null };
    const next: Preferences = { frequency: wanted.frequency, pausedUntil: wanted.pausedUntil === undefined ? before.pausedUntil : wanted.pausedUntil };
    const events: Parameters<typeof recordEvents>[3] = [];
    if (before.frequency !== next.frequency) {
      events.push({ purpose: 'marketing', action: 'frequency_changed', details: { from: before.frequency, to: next.frequency } });
    }
    if (before.pausedUntil !== next.pausedUntil) {
      events.push({ purpose: 'marketing', action: 'paused', details: { from: before.pausedUntil, until: next.pausedUntil } });
    }
    if (events.length === 0) return { kind: 'unchanged', before, after: before, events: [] };
    await trx
      .insertInto('preferences')
      .values({ subject_id: subjectId, frequency: next.frequency, paused_until: next.pausedUntil, updated_at: evidence.at })
      .onConflict((oc) => oc.column('subject_id').doUpdateSet({ frequency: next.frequency, paused_until: next.pausedUntil, updated_at: evidence.at }))
      .execute();
    await recordEvents(trx, subjectId, evidence, events);
    await notifyPreferencesChanged(trx, subjectId, evidence.at);
    return { kind: 'updated', before, after: { ...next }, events: events.map((e) => e.action) };
  });
}

/** Changes within this time of the first one share its mail. */
export const PREFERENCES_MAIL_DELAY_MS = 10 * 60_000;

/**
 * Queues the "your preferences changed" mail, held back a few minutes so that several changes
 * in a row make one mail (it is rendered from the preferences as they are when it goes). Runs
 * under the person's row lock, so two changes cannot both queue one.
 */
async function notifyPreferencesChanged(trx: Db, subjectId: string, at: Date): Promise<void> {
  const queued = await trx
    .selectFrom('outbox')
    .select('id')
    .where('subject_id', '=', subjectId)
    .where('kind', '=', 'preferences-updated')
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (queued) return;
  await enqueue(trx, {
    kind: 'preferences-updated',
    subjectId,
    payload: { subjectId },
    idempotencyKey: `preferences-updated:${subjectId}:${at.getTime()}`,
    at,
    availableAt: new Date(at.getTime() + PREFERENCES_MAIL_DELAY_MS),
  });
}

export type RestrictionOutcome =
  | { kind: 'restricted'; requestId: string }
  | { kind: 'already' }
  | { kind: 'unknown_subject' }
  | { kind: 'processing_withdrawn' };

/**
 * The person restricts (blocks) processing of their data: status `restricted` with its event
 * (setRestricted) and a completed 'restriction' request, in one transaction. Restricting an
 * already restricted person writes nothing.
 */
export async function restrictByPerson(
  db: Db,
  subjectId: string,
  evidence: Evidence,
  deps: { newId: () => string; dueAt: (received: Date) => Date },
): Promise<RestrictionOutcome> {
  return db.transaction().execute(async (trx) => {
    const s = await loadSubjectState(trx, subjectId, { lock: true });
    if (!s || s.status === 'erased') return { kind: 'unknown_subject' };
    if (s.processing === 'withdrawn') return { kind: 'processing_withdrawn' };
    if (s.status === 'restricted') return { kind: 'already' };
    const changed = await setRestrictedIn(trx, subjectId, true, evidence, 'requested by the person in the preference center');
    if (!changed) return { kind: 'already' };
    const requestId = deps.newId();
    await createRequest(trx, {
      id: requestId,
      subjectId,
      type: 'restriction',
      channel: 'link',
      body: null,
      createdBy: null,
      receivedAt: evidence.at,
      dueAt: deps.dueAt(evidence.at),
      status: 'completed',
    });
    return { kind: 'restricted', requestId };
  });
}

export type AppealType = Extract<RequestType, 'appeal' | 'automated_decision_appeal'>;

export type AppealOutcome = { kind: 'filed' | 'duplicate'; requestId: string; dueAt: Date } | { kind: 'unknown_subject' };

/**
 * Files an appeal (or an appeal of an automated decision) with the person's own text. The same
 * text of the same type while the first is still open is the same appeal posted twice: the
 * open request is returned and nothing is written.
 */
export async function fileAppeal(
  db: Db,
  subjectId: string,
  type: AppealType,
  text: string,
  at: Date,
  deps: { newId: () => string; dueAt: (received: Date) => Date },
): Promise<AppealOutcome> {
  return db.transaction().execute(async (trx) => {
    const s = await trx.selectFrom('subjects').select(['id', 'status']).where('id', '=', subjectId).forUpdate().executeTakeFirst();
    if (!s || s.status === 'erased') return { kind: 'unknown_subject' };
    const open = await trx
      .selectFrom('requests')
      .select(['id', 'due_at'])
      .where('subject_id', '=', subjectId)
      .where('type', '=', type)
      .where('status', 'in', ['received', 'in_progress'])
      .where('body', '=', text)
      .orderBy('received_at')
      .executeTakeFirst();
    if (open) return { kind: 'duplicate', requestId: open.id, dueAt: new Date(open.due_at) };
    const requestId = deps.newId();
    const dueAt = deps.dueAt(at);
    await createRequest(trx, { id: requestId, subjectId, type, channel: 'link', body: text, createdBy: null, receivedAt: at, dueAt });
    return { kind: 'filed', requestId, dueAt };
  });
}
