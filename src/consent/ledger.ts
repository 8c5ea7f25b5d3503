import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import type { ActorType, ConsentAction, Purpose } from '../db/schema.js';

/** Who did something and the evidence that goes with it into the ledger. */
export interface Evidence {
  actorType: ActorType;
  actorId?: string | null;
  at: Date;
  ip?: string | null;
  userAgent?: string | null;
  policyVersion?: string | null;
  source?: string | null;
  campaignId?: string | null;
}

/**
 * The purpose a ledger row carries, for every action whose purpose the action itself decides.
 * `consent_events.purpose` names the consent an event concerns (`consents.purpose`), or null
 * when it concerns the person's data as a whole rather than one consent:
 *
 * - `suppressed`, `unsuppressed`: `marketing`. The suppression list stops marketing mail (the
 *   cadence check denies it); the notices a person is owed (withdrawal, erasure) still go. The
 *   one-click unsubscribe, the mail sender's events and manual entries always wrote `marketing`,
 *   and the mail sender's tests say so; a withdrawal wrote null, the odd one out.
 * - `unsubscribed`, `confirmed`, `frequency_changed`, `paused`: `marketing`, the subscription.
 * - `topic_unsubscribed`, `topic_subscribed`: `marketing`; a topic refines the advertising
 *   purpose (its consent stays the legal basis). Details `{topic: <key>}` name the topic.
 * - `erasure_requested`: `processing`, what a withdrawal of consent to processing asks to end.
 * - `restricted`, `unrestricted`, `rectified`, `erased`: null, the person's data as a whole.
 *
 * `granted`, `withdrawn` name the consent given or taken back; `requested` is a marketing
 * opt-in waiting for confirmation (`marketing`) or a change of profile or address waiting for
 * its address (null): those rows say their purpose themselves (see {@link LedgerEvent}).
 */
export const ACTION_PURPOSE = {
  suppressed: 'marketing',
  unsuppressed: 'marketing',
  unsubscribed: 'marketing',
  confirmed: 'marketing',
  frequency_changed: 'marketing',
  paused: 'marketing',
  topic_unsubscribed: 'marketing',
  topic_subscribed: 'marketing',
  erasure_requested: 'processing',
  restricted: null,
  unrestricted: null,
  rectified: null,
  erased: null,
} as const satisfies Record<Exclude<ConsentAction, 'granted' | 'withdrawn' | 'requested'>, Purpose | null>;

type FixedAction = keyof typeof ACTION_PURPOSE;

/**
 * One act for the ledger. An action with a fixed purpose ({@link ACTION_PURPOSE}) may omit it,
 * and may not state another (the type says so); the others must state theirs.
 */
export type LedgerEvent =
  | { [A in FixedAction]: { action: A; purpose?: (typeof ACTION_PURPOSE)[A]; details?: Record<string, unknown> } }[FixedAction]
  | { action: 'granted' | 'withdrawn'; purpose: Purpose; details?: Record<string, unknown> }
  | { action: 'requested'; purpose: 'marketing' | null; details?: Record<string, unknown> };

/** The purpose the row of this event carries. Pure. */
export function purposeOf(e: LedgerEvent): Purpose | null {
  return e.action in ACTION_PURPOSE ? ACTION_PURPOSE[e.action as FixedAction] : (e.purpose ?? null);
}

/** A ledger row: whose, what, and the evidence. */
export type LedgerRow = LedgerEvent & { subjectId: string; evidence: Evidence };

/**
 * The one writer of the consent ledger (`consent_events`, never updated but by erasure, never
 * deleted): appends every row in one statement, whatever their number, in the order given (the
 * ids follow it). Each row's purpose is {@link purposeOf} it.
 *
 * The one-click unsubscribe writes its rows inside its own single statement
 * (unsubscribe/actions.ts) and takes their purposes from {@link ACTION_PURPOSE}.
 *
 * @example
 * await appendLedger(trx, people.map((id) => ({ subjectId: id, action: 'suppressed', details: { reason: 'manual' }, evidence: { actorType: 'staff', actorId: keyId, at } })));
 */
export async function appendLedger(db: Db, rows: readonly LedgerRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map((r, n) => ({
    n,
    subject_id: r.subjectId,
    purpose: purposeOf(r),
    action: r.action,
    actor_type: r.evidence.actorType,
    actor_id: r.evidence.actorId ?? null,
    occurred_at: r.evidence.at.toISOString(),
    ip: r.evidence.ip ?? null,
    user_agent: r.evidence.userAgent ?? null,
    policy_version: r.evidence.policyVersion ?? null,
    source: r.evidence.source ?? null,
    campaign_id: r.evidence.campaignId ?? null,
    details: r.details ?? null,
  }));
  await sql`
    insert into consent_events (subject_id, purpose, action, actor_type, actor_id, occurred_at, ip, user_agent, policy_version, source, campaign_id, details)
    select v.subject_id, v.purpose, v.action, v.actor_type, v.actor_id, v.occurred_at, v.ip, v.user_agent, v.policy_version, v.source, v.campaign_id, v.details
    from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v(
      n int, subject_id uuid, purpose text, action text, actor_type text, actor_id text, occurred_at timestamptz,
      ip text, user_agent text, policy_version text, source text, campaign_id text, details jsonb)
    order by v.n`.execute(db);
}

/**
 * Appends one person's events, all with the same evidence, in the order given: the acts of the
 * preference center, the confirmation links, staff, erasure.
 */
export async function recordEvents(db: Db, subjectId: string, evidence: Evidence, events: LedgerEvent[]): Promise<void> {
  await appendLedger(
    db,
    events.map((e) => ({ ...e, subjectId, evidence })),
  );
}
