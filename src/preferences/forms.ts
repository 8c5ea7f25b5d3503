import type { Context } from 'hono';
import { normalizeEmail } from '../consent/email.js';
import { MAX_LENGTH, PHONE, RECTIFY_FIELDS, type ProfileField, type RectifyField } from '../subjects/profile.js';
import { localDate } from '../requests/due.js';
import type { Rectification } from '../subjects/actions.js';
import type { AppealType, Frequency } from './actions.js';
import { PREFERENCE_CAP, PREFERENCE_WINDOW_DAYS } from '../cadence/policy.js';

/**
 * Reading and checking the preference center's forms. Pure apart from reading the body; every
 * problem names its field so the page can point at it.
 */

export type FormFields = Record<string, string>;

/**
 * The posted fields as strings (urlencoded or multipart). A file where text belongs, or a body
 * that cannot be parsed, is null: the caller answers 400. NUL characters are dropped: PostgreSQL
 * text cannot hold them, and no person types one.
 */
export async function readForm(c: Context): Promise<FormFields | null> {
  let body: Record<string, string | File | (string | File)[]>;
  try {
    body = await c.req.parseBody();
  } catch {
    return null;
  }
  const out: FormFields = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v !== 'string') return null;
    out[k] = v.replace(/\u0000/g, '');
  }
  return out;
}

/** A problem with one field: the field's name (also its input's id suffix) and a message key. */
export interface FieldProblem<K extends string = string> {
  field: string;
  problem: K;
  max?: number;
}

// ---------- frequency and pause ----------

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

// ---------- rectification ----------

/** The fields of the rectification form, their order and limits: the profile's (subjects/profile.ts). */
export { MAX_LENGTH, RECTIFY_FIELDS, type RectifyField } from '../subjects/profile.js';

export type RectifyProblem = 'email_required' | 'email_invalid' | 'email_taken' | 'too_long' | 'phone';

/**
 * The rectification form as changes for rectify(): a field left out of the body is left alone,
 * an emptied field is cleared (except the address, which a person must have).
 */
export function parseRectifyForm(f: FormFields): { ok: true; value: Rectification } | { ok: false; problems: FieldProblem<RectifyProblem>[] } {
  const problems: FieldProblem<RectifyProblem>[] = [];
  const value: Rectification = {};
  for (const field of RECTIFY_FIELDS) {
    const raw = f[field];
    if (raw === undefined) continue;
    const v = raw.trim();
    if ([...v].length > MAX_LENGTH[field]) {
      problems.push({ field, problem: 'too_long', max: MAX_LENGTH[field] });
      continue;
    }
    if (field === 'email') {
      if (v === '') problems.push({ field, problem: 'email_required' });
      else if (!normalizeEmail(v)) problems.push({ field, problem: 'email_invalid' });
      else value.email = v;
      continue;
    }
    if (field === 'phone' && !PHONE.test(v)) {
      problems.push({ field, problem: 'phone' });
      continue;
    }
    value[field as ProfileField] = v === '' ? null : v;
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, value };
}

/** What the form shows after a failed post: what the person typed, not what is stored. */
export function typedValues(f: FormFields): Partial<Record<RectifyField, string>> {
  const out: Partial<Record<RectifyField, string>> = {};
  for (const field of RECTIFY_FIELDS) if (f[field] !== undefined) out[field] = f[field];
  return out;
}

// ---------- appeals ----------

export const MAX_APPEAL_CHARS = 10_000;

export type AppealProblem = 'appeal_kind' | 'appeal_empty' | 'appeal_too_long';

/**
 * An appeal's type and text. Line breaks are stored as LF (browsers post CRLF) and the length
 * is counted in characters as the person sees them, as the textarea's maxlength does.
 */
export function parseAppealForm(f: FormFields): { ok: true; value: { type: AppealType; text: string } } | { ok: false; problems: FieldProblem<AppealProblem>[]; text: string } {
  const problems: FieldProblem<AppealProblem>[] = [];
  const type = f.kind ?? 'appeal';
  if (type !== 'appeal' && type !== 'automated_decision_appeal') problems.push({ field: 'kind', problem: 'appeal_kind' });
  const text = (f.text ?? '').replace(/\r\n?/g, '\n').trim();
  if (text === '') problems.push({ field: 'text', problem: 'appeal_empty' });
  else if ([...text].length > MAX_APPEAL_CHARS) problems.push({ field: 'text', problem: 'appeal_too_long', max: MAX_APPEAL_CHARS });
  if (problems.length) return { ok: false, problems, text };
  return { ok: true, value: { type: type as AppealType, text } };
}
