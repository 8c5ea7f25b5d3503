import { type Evidence, recordEvents } from '../consent/ledger.js';
import { pausedUntilText } from '../db/dates.js';
import type { Db } from '../db/handle.js';
import type { ConsentAction } from '../db/schema.js';
import { enqueue } from '../outbox/queries.js';
import type { FieldProblem, FormFields } from '../pages/forms.js';
import { loadSubjectState } from '../subjects/queries.js';
import { localDate } from '../time/local-date.js';
import { type Frequency, PREFERENCE_CAP, PREFERENCE_WINDOW_DAYS } from './policy.js';

/**
 * How often a person hears from us: their frequency and pause, how many mails each frequency
 * lets through, and the form that sets them (the preference center's; staff set them through
 * `PUT /v1/subjects/{id}/preferences`, the unsubscribe page's "monthly instead" the frequency alone).
 */

export interface Preferences {
  frequency: Frequency;
  /** `YYYY-MM-DD`: no advertising mail before this local date; null for no pause. */
  pausedUntil: string | null;
}

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
    const before = await readPreferences(trx, subjectId);
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

// ---------- the form ----------

export interface FrequencyLimits {
  /** Today in the service's time zone, `YYYY-MM-DD`. */
  today: string;
  /** The furthest pause allowed: a year from today, `YYYY-MM-DD`. */
  max: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * How many mails each preference lets through in its window, as configured: the preference's
 * own cap, never above the global ceiling `CADENCE_MAX_PER_WINDOW` (what the pages promise).
 */
export function frequencyCaps(maxPerWindow: number): { caps: Record<Frequency, number>; windowDays: number } {
  return {
    caps: { monthly: Math.min(PREFERENCE_CAP.monthly, maxPerWindow), standard: Math.min(PREFERENCE_CAP.standard, maxPerWindow) },
    windowDays: PREFERENCE_WINDOW_DAYS,
  };
}

export function frequencyLimits(now: Date, timeZone: string): FrequencyLimits {
  const d = localDate(now, timeZone);
  const next = new Date(Date.UTC(d.year + 1, d.month - 1, d.day));
  // 29 February plus a year is 28 February, not 1 March.
  if (next.getUTCMonth() !== d.month - 1) next.setUTCDate(0);
  return {
    today: `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`,
    max: `${pad(next.getUTCFullYear(), 4)}-${pad(next.getUTCMonth() + 1)}-${pad(next.getUTCDate())}`,
  };
}

/** A real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it reads years 0–99 as 1900–1999
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

export type FrequencyProblem = 'frequency' | 'pause_format' | 'pause_past' | 'pause_too_far';

export function parseFrequencyForm(
  f: FormFields,
  limits: FrequencyLimits,
): { ok: true; value: { frequency: Frequency; pausedUntil: string | null } } | { ok: false; problems: FieldProblem<FrequencyProblem>[] } {
  const problems: FieldProblem<FrequencyProblem>[] = [];
  const frequency = f.frequency;
  if (frequency !== 'monthly' && frequency !== 'standard') problems.push({ field: 'frequency', problem: 'frequency' });
  const raw = (f.pausedUntil ?? '').trim();
  let pausedUntil: string | null = null;
  if (raw !== '') {
    if (!isIsoDate(raw)) problems.push({ field: 'pausedUntil', problem: 'pause_format' });
    // Same-shaped ISO dates compare as strings.
    else if (raw < limits.today) problems.push({ field: 'pausedUntil', problem: 'pause_past' });
    else if (raw > limits.max) problems.push({ field: 'pausedUntil', problem: 'pause_too_far' });
    else pausedUntil = raw;
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, value: { frequency: frequency as Frequency, pausedUntil } };
}

/** A person's frequency and pause as saved: `standard` and no pause for one who never chose. */
export async function readPreferences(db: Db, subjectId: string): Promise<Preferences> {
  const row = await db
    .selectFrom('preferences')
    .select(['frequency'])
    .select(pausedUntilText('paused_until').as('paused_until'))
    .where('subject_id', '=', subjectId)
    .executeTakeFirst();
  return { frequency: row?.frequency ?? 'standard', pausedUntil: row?.paused_until ?? null };
}
