import { pausedUntilText } from '../db/dates.js';
import type { Db } from '../db/handle.js';

import { type TopicStanding, topicStandings } from '../topics/queries.js';
import { ALL_PROFILE_COLUMNS, profileOf, type RectifyField } from './profile.js';

/** One person as the API shows them: the profile fields (subjects/profile.ts), state and preferences. */
export type SubjectProfile = { id: string } & Record<RectifyField, string | null> & {
    locale: string;
    status: 'active' | 'restricted' | 'erased';
    createdAt: string;
    updatedAt: string;
    consents: { processing: string; marketing: string };
    preferences: { frequency: 'monthly' | 'standard'; pausedUntil: string | null };
    /** Every live topic: whether they receive it and whether by their own choice. */
    topics: TopicStanding[];
  };

/** One person as the API and the preference center show them (row-to-API mapping in one place). */
export async function subjectProfile(db: Db, id: string): Promise<SubjectProfile | null> {
  const s = await db
    .selectFrom('subjects as s')
    .leftJoin('preferences as p', 'p.subject_id', 's.id')
    .select([...ALL_PROFILE_COLUMNS.map((c) => `s.${c}` as const), 's.id', 's.locale', 's.status', 's.created_at', 's.updated_at', 'p.frequency'])
    .select(pausedUntilText('p.paused_until').as('paused_until'))
    .where('s.id', '=', id)
    .executeTakeFirst();
  if (!s) return null;
  const [consents, topics] = await Promise.all([
    db.selectFrom('consents').select(['purpose', 'state']).where('subject_id', '=', id).execute(),
    topicStandings(db, id),
  ]);
  const state = (p: string) => consents.find((c) => c.purpose === p)?.state ?? 'none';
  // The address first, as the API always listed it.
  const { email, ...rest } = profileOf(s);
  const fields = { email, ...rest };
  return {
    id: s.id,
    ...fields,
    locale: s.locale,
    status: s.status,
    createdAt: new Date(s.created_at).toISOString(),
    updatedAt: new Date(s.updated_at).toISOString(),
    consents: { processing: state('processing'), marketing: state('marketing') },
    preferences: { frequency: s.frequency ?? 'standard', pausedUntil: s.paused_until },
    topics,
  };
}

/**
 * Everything held about a person (right of access): profile, consents, the evidence ledger,
 * sends, suppression state, requests, disclosures and their choices per topic.
 */
export async function subjectExport(db: Db, id: string, now: Date) {
  const profile = await subjectProfile(db, id);
  if (!profile) return null;
  const [events, sends, requests, disclosures, suppression, topics] = await Promise.all([
    db
      .selectFrom('consent_events')
      .select(['purpose', 'action', 'actor_type', 'occurred_at', 'ip', 'user_agent', 'policy_version', 'source', 'campaign_id', 'details'])
      .where('subject_id', '=', id)
      .orderBy('id')
      .execute(),
    db.selectFrom('sends').select(['campaign_id', 'status', 'reserved_at', 'sent_at']).where('subject_id', '=', id).orderBy('reserved_at').execute(),
    db
      .selectFrom('requests')
      .select(['id', 'type', 'status', 'received_at', 'due_at', 'completed_at', 'status_reason', 'body'])
      .where('subject_id', '=', id)
      .orderBy('received_at')
      .execute(),
    db
      .selectFrom('disclosures')
      .select(['recipient', 'legal_basis', 'data_disclosed', 'disclosed_at'])
      .where('subject_id', '=', id)
      .orderBy('disclosed_at')
      .execute(),
    db
      .selectFrom('suppressions as sup')
      .innerJoin('subjects as s', 's.email_hash', 'sup.hash')
      .select(['sup.reason', 'sup.active', 'sup.changed_at'])
      .where('s.id', '=', id)
      .executeTakeFirst(),
    db.selectFrom('topic_choices').select(['topic', 'subscribed', 'updated_at']).where('subject_id', '=', id).orderBy('topic').execute(),
  ]);
  const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
  return {
    exportedAt: now.toISOString(),
    subject: profile,
    consentEvents: events.map((e) => ({
      purpose: e.purpose,
      action: e.action,
      actor: e.actor_type,
      at: iso(e.occurred_at),
      ip: e.ip,
      userAgent: e.user_agent,
      policyVersion: e.policy_version,
      source: e.source,
      campaignId: e.campaign_id,
      ...(e.action === 'topic_unsubscribed' || e.action === 'topic_subscribed'
        ? { topic: String((e.details as { topic?: unknown } | null)?.topic ?? '') }
        : {}),
    })),
    sends: sends.map((x) => ({ campaignId: x.campaign_id, status: x.status, reservedAt: iso(x.reserved_at), sentAt: iso(x.sent_at) })),
    suppression: suppression ? { reason: suppression.reason, active: suppression.active, since: iso(suppression.changed_at) } : null,
    requests: requests.map((r) => ({
      id: r.id,
      type: r.type,
      status: r.status,
      receivedAt: iso(r.received_at),
      dueAt: iso(r.due_at),
      completedAt: iso(r.completed_at),
      statusReason: r.status_reason,
      text: r.body,
    })),
    disclosures: disclosures.map((d) => ({ recipient: d.recipient, legalBasis: d.legal_basis, data: d.data_disclosed, at: iso(d.disclosed_at) })),
    topics: topics.map((c) => ({ topic: c.topic, subscribed: c.subscribed, since: iso(c.updated_at) })),
  };
}
