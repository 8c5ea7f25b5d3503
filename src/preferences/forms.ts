import { normalizeEmail } from '../consent/email.js';
import type { FieldProblem, FormFields } from '../pages/forms.js';
import type { Rectification } from '../subjects/actions.js';
import { MAX_LENGTH, PHONE, type ProfileField, RECTIFY_FIELDS, type RectifyField } from '../subjects/profile.js';
import { TOPIC_KEY } from '../topics/rules.js';

/**
 * Reading and checking the preference center's own form, rectification (the frequency form is
 * `src/cadence/frequency.ts`, the appeal's `src/requests/appeals.ts`, reading a form
 * `src/pages/forms.ts`). Every problem names its field so the page can point at it.
 */

// ---------- rectification ----------

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

// ---------- topics ----------

/**
 * The topics form as the choices it states: for each topic the page showed (a hidden
 * `shown-<key>`), whether its box (`topic-<key>`) was ticked. An unticked box is not posted at
 * all, so only the topics shown are decided; a box of a topic not shown, or a field that names no
 * possible key, is ignored. Null when the form shows no topic: not this form.
 */
export function parseTopicsForm(f: FormFields): Map<string, boolean> | null {
  const wanted = new Map<string, boolean>();
  for (const name of Object.keys(f)) {
    if (!name.startsWith('shown-')) continue;
    const key = name.slice('shown-'.length);
    if (TOPIC_KEY.test(key)) wanted.set(key, f[`topic-${key}`] !== undefined);
  }
  return wanted.size ? wanted : null;
}
