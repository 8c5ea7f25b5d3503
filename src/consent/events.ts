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

/** Appends rows to the consent ledger (never updated, never deleted). */
export async function recordEvents(
  db: Db,
  subjectId: string,
  evidence: Evidence,
  events: { purpose: Purpose | null; action: ConsentAction; details?: Record<string, unknown> }[],
): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('consent_events')
    .values(
      events.map((e) => ({
        subject_id: subjectId,
        purpose: e.purpose,
        action: e.action,
        actor_type: evidence.actorType,
        actor_id: evidence.actorId ?? null,
        occurred_at: evidence.at,
        ip: evidence.ip ?? null,
        user_agent: evidence.userAgent ?? null,
        policy_version: evidence.policyVersion ?? null,
        source: evidence.source ?? null,
        campaign_id: evidence.campaignId ?? null,
        details: e.details ? JSON.stringify(e.details) : null,
      })),
    )
    .execute();
}
