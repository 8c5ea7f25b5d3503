import type { Db } from '../db/handle.js';
import type { RequestType } from '../db/schema.js';
import type { FieldProblem, FormFields } from '../pages/forms.js';
import { createRequest } from './queries.js';

/** A person's appeal from the preference center: the form, and filing it as a request. */

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

// ---------- the form ----------

export const MAX_APPEAL_CHARS = 10_000;

export type AppealProblem = 'appeal_kind' | 'appeal_empty' | 'appeal_too_long';

/**
 * An appeal's type and text. Line breaks are stored as LF (browsers post CRLF) and the length
 * is counted in characters as the person sees them, as the textarea's maxlength does.
 */
export function parseAppealForm(
  f: FormFields,
): { ok: true; value: { type: AppealType; text: string } } | { ok: false; problems: FieldProblem<AppealProblem>[]; text: string } {
  const problems: FieldProblem<AppealProblem>[] = [];
  const type = f.kind ?? 'appeal';
  if (type !== 'appeal' && type !== 'automated_decision_appeal') problems.push({ field: 'kind', problem: 'appeal_kind' });
  const text = (f.text ?? '').replace(/\r\n?/g, '\n').trim();
  if (text === '') problems.push({ field: 'text', problem: 'appeal_empty' });
  else if ([...text].length > MAX_APPEAL_CHARS) problems.push({ field: 'text', problem: 'appeal_too_long', max: MAX_APPEAL_CHARS });
  if (problems.length) return { ok: false, problems, text };
  return { ok: true, value: { type: type as AppealType, text } };
}
