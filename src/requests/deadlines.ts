import type { Config } from '../config/index.js';
import type { RequestType } from '../db/schema.js';
import type { Logger } from '../log.js';
import { dueAfterBusinessDays } from '../time/business-days.js';
import type { ProductionCalendar } from '../time/calendar.js';
import { localDate, startOfLocalDay } from '../time/local-date.js';

/**
 * The deadlines the service keeps, per request type: the one table every due date, every
 * extension, the configuration check and the README's table come from. Pure: no clock, no I/O.
 *
 * `businessDays` counts business days after the day a request was received (0: at once, due the
 * moment it is received, and recorded completed then). `legalMax` is the most the law (152-FZ)
 * allows, null where the law sets no deadline of its own; configuration may shorten a deadline,
 * never lengthen it past the law. `setting` names the variable that shortens it.
 */
export interface DeadlineRule {
  businessDays: number;
  legalMax: number | null;
  setting: 'ERASURE_DUE_BUSINESS_DAYS' | 'REQUEST_DUE_BUSINESS_DAYS' | null;
  /**
   * How the due date may be moved once it is set: by at most `businessDays` at a time, at most
   * `times` times (null: no limit of its own), and never past `withinCalendarDays` calendar days
   * after the day received (the law's outer limit, where it counts in calendar days).
   */
  extension: { businessDays: number; times: number | null; withinCalendarDays?: number } | null;
  /** Where the deadline comes from, for problems and the README. */
  basis: string;
}

/** Business days an extension of an access request or a demand to stop processing may add (152-FZ art. 14 §3, art. 21 §5.1). */
export const LEGAL_EXTENSION_BUSINESS_DAYS = 5;

export const DEADLINES: Readonly<Record<RequestType, DeadlineRule>> = {
  // Art. 14 §3: an answer within 10 working days; once, by up to 5, with a reasoned notice.
  access: {
    businessDays: 10,
    legalMax: 10,
    setting: 'REQUEST_DUE_BUSINESS_DAYS',
    extension: { businessDays: LEGAL_EXTENSION_BUSINESS_DAYS, times: 1 },
    basis: '152-FZ art. 14 §3',
  },
  // Art. 20 §3 and art. 21 §2: corrected within 7 working days; the law allows no extension.
  rectification: { businessDays: 7, legalMax: 7, setting: 'REQUEST_DUE_BUSINESS_DAYS', extension: null, basis: '152-FZ art. 20 §3' },
  // Art. 21 §1: blocked from the moment of the request.
  restriction: { businessDays: 0, legalMax: 0, setting: null, extension: null, basis: '152-FZ art. 21 §1' },
  // Art. 21 §5.1: processing stopped within 10 working days; once, by up to 5, with a reasoned notice.
  objection: {
    businessDays: 10,
    legalMax: 10,
    setting: 'REQUEST_DUE_BUSINESS_DAYS',
    extension: { businessDays: LEGAL_EXTENSION_BUSINESS_DAYS, times: 1 },
    basis: '152-FZ art. 21 §5.1',
  },
  // Our own promise (the policy: "within 2 business days at most"); the law's 7 working days
  // (art. 20 §3) bound what an operator may configure. A promise this short is not extended.
  erasure: { businessDays: 2, legalMax: 7, setting: 'ERASURE_DUE_BUSINESS_DAYS', extension: null, basis: 'our policy (152-FZ art. 20 §3: 7 working days)' },
  withdrawal: { businessDays: 2, legalMax: 7, setting: 'ERASURE_DUE_BUSINESS_DAYS', extension: null, basis: 'our policy (152-FZ art. 21 §5)' },
  // Our own: the law sets no deadline for a complaint to the operator. Extensions as before.
  appeal: { businessDays: 10, legalMax: null, setting: 'REQUEST_DUE_BUSINESS_DAYS', extension: { businessDays: 5, times: null }, basis: 'our own' },
  // Art. 16 §4: an objection to an automated decision is considered within 30 days.
  automated_decision_appeal: {
    businessDays: 10,
    legalMax: null,
    setting: 'REQUEST_DUE_BUSINESS_DAYS',
    extension: { businessDays: 5, times: null, withinCalendarDays: 30 },
    basis: '152-FZ art. 16 §4 (30 days)',
  },
};

/** How close to its due time an open request counts as at risk (the job's warning, the metrics' due-soon gauge). */
export const AT_RISK_MS = 4 * 3_600_000;

export type DeadlineSettings = Pick<Config, 'erasureDueBusinessDays' | 'requestDueBusinessDays'>;

/**
 * The most a deadline setting may be. The erasure setting is the deadline itself, so it stays
 * within the law's; the request setting only ever shortens each type's own deadline, so above
 * the longest of them it would mean nothing and is refused rather than silently ignored.
 */
export function settingMax(setting: NonNullable<DeadlineRule['setting']>): number {
  return Math.max(...Object.values(DEADLINES).flatMap((r) => (r.setting === setting ? [r.legalMax ?? r.businessDays] : [])));
}

/**
 * Business days allowed for a request type under this configuration. The erasure setting is the
 * promise itself; the request setting can only shorten each type's own deadline.
 *
 * @example
 * businessDaysFor('rectification', { erasureDueBusinessDays: 2, requestDueBusinessDays: 10 }) // 7
 */
export function businessDaysFor(type: RequestType, config: DeadlineSettings): number {
  const rule = DEADLINES[type];
  if (rule.setting === 'ERASURE_DUE_BUSINESS_DAYS') return Math.min(config.erasureDueBusinessDays, rule.legalMax ?? Infinity);
  if (rule.setting === 'REQUEST_DUE_BUSINESS_DAYS') return Math.min(rule.businessDays, config.requestDueBusinessDays);
  return rule.businessDays;
}

/** Requests the law wants done at once: recorded completed when received, due then. */
export function completedAtOnce(type: RequestType): boolean {
  return DEADLINES[type].businessDays === 0;
}

/**
 * The due moment of a request received at `received`, warning when it lands in a year the
 * production calendar does not know (the count then fell back to weekends only, and may be
 * early or late). A request due at once is due the moment it was received.
 */
export function dueFor(
  type: RequestType,
  received: Date,
  deps: { config: DeadlineSettings & Pick<Config, 'timeZone'>; calendar: ProductionCalendar; logger: Logger },
): Date {
  const n = businessDaysFor(type, deps.config);
  if (n === 0) return received;
  const due = dueAfterBusinessDays(received, n, deps.config.timeZone, deps.calendar);
  warnUnknownYear(due, type, deps);
  return due;
}

function warnUnknownYear(due: Date, type: RequestType, deps: { config: Pick<Config, 'timeZone'>; calendar: ProductionCalendar; logger: Logger }) {
  const year = localDate(due, deps.config.timeZone).year;
  if (!deps.calendar.knowsYear(year)) {
    deps.logger.warn('due date falls in a year the production calendar does not know; counted weekends only', { year, type });
  }
}

export type ExtensionDecision = { kind: 'extend'; businessDays: number; dueAt: Date } | { kind: 'refused'; reason: string };

/**
 * Whether a request's due date may move, and to when: by `asked` business days (the rule's
 * most when not given) after the current due date, within the rule's limits.
 *
 * @example
 * decideExtension({ type: 'access', receivedAt, dueAt, extensions: 1 }, undefined, deps)
 * // { kind: 'refused', reason: 'An access request may be extended only once (152-FZ art. 14 §3) ...' }
 */
export function decideExtension(
  r: { type: RequestType; receivedAt: Date; dueAt: Date; extensions: number },
  asked: number | undefined,
  deps: { config: Pick<Config, 'timeZone'>; calendar: ProductionCalendar; logger: Logger },
): ExtensionDecision {
  const rule = DEADLINES[r.type];
  const what = TYPE_LABEL[r.type];
  const ext = rule.extension;
  if (!ext)
    return {
      kind: 'refused',
      reason: `${what} cannot be extended: its deadline is ${rule.businessDays === 0 ? 'at once' : `${rule.businessDays} business days`} (${rule.basis}).`,
    };
  if (ext.times !== null && r.extensions >= ext.times) {
    return {
      kind: 'refused',
      reason: `${what} may be extended only ${ext.times === 1 ? 'once' : `${ext.times} times`} (${rule.basis}), and this one has been.`,
    };
  }
  const n = asked ?? ext.businessDays;
  if (n > ext.businessDays) return { kind: 'refused', reason: `${what} may be extended by at most ${ext.businessDays} business days (${rule.basis}).` };
  const dueAt = dueAfterBusinessDays(r.dueAt, n, deps.config.timeZone, deps.calendar);
  if (ext.withinCalendarDays !== undefined) {
    const d = localDate(r.receivedAt, deps.config.timeZone);
    const limit = new Date(startOfLocalDay({ ...d, day: d.day + ext.withinCalendarDays + 1 }, deps.config.timeZone).getTime() - 1);
    if (dueAt > limit)
      return {
        kind: 'refused',
        reason: `${what} must be answered within ${ext.withinCalendarDays} days of receipt (${rule.basis}), by ${limit.toISOString()}; ${n} more business days would pass that.`,
      };
  }
  warnUnknownYear(dueAt, r.type, deps);
  return { kind: 'extend', businessDays: n, dueAt };
}

const TYPE_LABEL: Record<RequestType, string> = {
  access: 'An access request',
  rectification: 'A rectification request',
  restriction: 'A restriction request',
  objection: 'A demand to stop processing',
  erasure: 'An erasure request',
  withdrawal: 'A withdrawal of consent',
  appeal: 'An appeal',
  automated_decision_appeal: 'An appeal of an automated decision',
};
