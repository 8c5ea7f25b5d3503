import type { Config } from '../config/index.js';
import type { Db } from '../db/handle.js';
import type { RequestStatus, RequestType } from '../db/schema.js';
import type { Logger } from '../log.js';
import { setRestrictedIn } from '../subjects/actions.js';
import type { ProductionCalendar } from '../time/calendar.js';
import { withdrawProcessing } from '../withdrawal/actions.js';
import { AT_RISK_MS, completedAtOnce, type DeadlineSettings, decideExtension, dueFor } from './deadlines.js';
import { createRequest, deadlineCounts, getRequest, listRequests, type RequestOut, recordExtension, setRequestStatus, toRequestOut } from './queries.js';
import { decideTransition, type RequestAction } from './rules.js';

/** What the deadline rules need: configuration, the production calendar, a logger for unknown years. */
export type RequestDeps = { config: DeadlineSettings & Pick<Config, 'timeZone'>; calendar: ProductionCalendar; logger: Logger };

/** Requests as the staff filter them: `dueWithinHours` counts from `now`. Oldest due first. */
export async function findRequests(
  db: Db,
  f: { status?: RequestStatus; type?: RequestType; subjectId?: string; overdue: boolean; dueWithinHours?: number; limit: number },
  now: Date,
): Promise<RequestOut[]> {
  const { dueWithinHours, ...rest } = f;
  return listRequests(db, { ...rest, dueBefore: dueWithinHours !== undefined ? new Date(now.getTime() + dueWithinHours * 3_600_000) : undefined, now });
}

export type RequestActionOutcome =
  | { kind: 'done'; request: RequestOut }
  | { kind: 'not_found' }
  /** Already completed or rejected. */
  | { kind: 'closed'; status: RequestStatus }
  | { kind: 'reason_required'; action: RequestAction }
  /** The state machine or the deadline rule refused; `reason` says why, for the staff. */
  | { kind: 'refused'; reason: string };

/**
 * Staff move a request along (rules.ts says which moves are allowed): start, complete, reject
 * or extend it. An extension also queues its reasoned notice to the person. The request is
 * locked while it is decided, so two moves at once cannot both pass the same check.
 */
export async function actOnRequest(
  db: Db,
  id: string,
  action: RequestAction,
  input: { reason?: string; businessDays?: number; by: string; now: Date },
  deps: RequestDeps,
): Promise<RequestActionOutcome> {
  const { reason, now } = input;
  return db.transaction().execute(async (trx): Promise<RequestActionOutcome> => {
    const r = await getRequest(trx, id, { lock: true });
    if (!r) return { kind: 'not_found' };
    const t = decideTransition(r, action, { actor: 'staff', hasReason: !!reason });
    switch (t.kind) {
      case 'closed':
        return { kind: 'closed', status: t.status };
      case 'reason_required':
        return { kind: 'reason_required', action };
      case 'job_only':
        return { kind: 'refused', reason: "Erasure requests are completed by the erasure job (npm run cli -- jobs run, or the server's job loop)." };
      case 'not_allowed':
        return { kind: 'refused', reason: `Staff cannot ${action} a request.` };
      case 'set':
        await setRequestStatus(trx, id, t.status, t.closes ? { at: now, reason: reason ?? null } : undefined);
        break;
      case 'extend': {
        const decision = decideExtension(
          { type: r.type, receivedAt: new Date(r.received_at), dueAt: new Date(r.due_at), extensions: ((r.extensions as unknown[]) ?? []).length },
          input.businessDays,
          deps,
        );
        if (decision.kind === 'refused') return { kind: 'refused', reason: decision.reason };
        await recordExtension(trx, r, { at: now, by: input.by, businessDays: decision.businessDays, reason: reason!, dueAt: decision.dueAt });
        break;
      }
    }
    return { kind: 'done', request: toRequestOut((await getRequest(trx, id))!, now) };
  });
}

export type IntakeOutcome = { kind: 'filed'; request: RequestOut } | { kind: 'unknown_subject' } | { kind: 'received_in_future' };

/**
 * Files a request that reached the staff by e-mail, phone or letter, due counted from when it
 * was received. Erasure and withdrawal withdraw consent to processing and suppress the address
 * at once, exactly as the person's own withdrawal link does. A restriction takes effect the
 * moment it is asked for (152-FZ art. 21 §1): the person is blocked now and the request
 * recorded as done now, due when received (a letter filed late shows as late).
 */
export async function fileStaffRequest(
  db: Db,
  subjectId: string,
  input: { type: RequestType; body?: string; receivedAt?: Date; by: string; now: Date },
  deps: RequestDeps & { newId: () => string },
): Promise<IntakeOutcome> {
  const { type, by, now } = input;
  const receivedAt = input.receivedAt ?? now;
  if (receivedAt > now) return { kind: 'received_in_future' };
  let requestId: string;
  if (type === 'erasure' || type === 'withdrawal') {
    const r = await withdrawProcessing(
      db,
      subjectId,
      { actorType: 'staff', actorId: by, at: receivedAt, source: 'staff-intake' },
      { newId: deps.newId, dueAt: (received) => dueFor('erasure', received, deps) },
    );
    if (r.kind === 'unknown_subject' || !r.requestId) return { kind: 'unknown_subject' };
    requestId = r.requestId;
  } else {
    requestId = deps.newId();
    const filed = await db.transaction().execute(async (trx) => {
      // Lock before checking: an erasure committing meanwhile must not be followed by a
      // request whose text outlives the person.
      const subject = await trx.selectFrom('subjects').select(['id', 'status']).where('id', '=', subjectId).forUpdate().executeTakeFirst();
      if (!subject || subject.status === 'erased') return false;
      const atOnce = completedAtOnce(type);
      if (type === 'restriction') {
        await setRestrictedIn(trx, subjectId, true, { actorType: 'staff', actorId: by, at: now, source: 'staff-intake' }, 'restriction request');
      }
      await createRequest(trx, {
        id: requestId,
        subjectId,
        type,
        channel: 'staff',
        body: input.body ?? null,
        createdBy: by,
        receivedAt,
        dueAt: dueFor(type, receivedAt, deps),
        status: atOnce ? 'completed' : undefined,
        completedAt: atOnce ? now : undefined,
      });
      return true;
    });
    if (!filed) return { kind: 'unknown_subject' };
  }
  return { kind: 'filed', request: toRequestOut((await getRequest(db, requestId))!, now) };
}

/** The deadline gauges: open requests, those past due, and those due within `AT_RISK_MS`. */
export async function deadlineGauges(db: Db, now: Date): Promise<{ overdue: number; dueSoon: number; open: number }> {
  return deadlineCounts(db, now, AT_RISK_MS);
}
