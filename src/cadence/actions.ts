import { normalizeEmail } from '../consent/email.js';
import type { Db } from '../db/handle.js';
import type { Metrics } from '../metrics/metrics.js';
import { liveSubjectsByHashes } from '../subjects/lookup.js';
import { findTopic, topicsOutsideCap } from '../topics/queries.js';
import { type CadenceLimits, capGroup } from './policy.js';
import { type Denial, markSent, release, reserve } from './reservations.js';

/** A campaign's recipients as the sender names them: by subject id, or by address (exactly one; the schema checks). */
export type Recipients = { subjects?: string[]; emails?: string[] };

/** An address that matched nobody live, denied as given. */
export type Unmatched = { subject: string; email: string; reason: 'unknown_subject' };

/**
 * Subject ids for the recipients: addresses are normalized and matched by keyed hash to the
 * live person who has them, in one statement; those that match nobody (or are no address) come
 * back as `unmatched`. `emailOf` gives the address as given for each matched id.
 */
export async function resolveRecipients(
  db: Db,
  body: Recipients,
  hasher: { hash: (email: string) => Promise<string> },
): Promise<{ ids: string[]; unmatched: Unmatched[]; emailOf: Map<string, string> }> {
  if (body.subjects) return { ids: body.subjects, unmatched: [], emailOf: new Map() };
  const emails = [...new Set(body.emails ?? [])];
  const normalized = emails.map((e) => ({ given: e, email: normalizeEmail(e) }));
  const hashes = await Promise.all(normalized.map(async (n) => (n.email ? hasher.hash(n.email) : null)));
  const found = await liveSubjectsByHashes(
    db,
    hashes.filter((h): h is string => !!h),
  );
  const ids: string[] = [];
  const unmatched: Unmatched[] = [];
  const emailOf = new Map<string, string>();
  normalized.forEach((n, i) => {
    const id = hashes[i] ? found.get(hashes[i]!)?.id : undefined;
    if (id) {
      ids.push(id);
      emailOf.set(id, n.given);
    } else unmatched.push({ subject: n.given, email: n.given, reason: 'unknown_subject' });
  });
  return { ids, unmatched, emailOf };
}

/**
 * Decides and reserves a campaign's recipients (reservations.ts); denials of recipients named
 * by address carry the address as given, and addresses that matched nobody are denied as
 * `unknown_subject`. With `topic` (the campaign's), an unknown or removed one reserves nothing
 * (`unknown_topic`).
 */
export async function reserveRecipients(
  db: Db,
  campaignId: string,
  body: Recipients & { topic?: string },
  deps: {
    hasher: { hash: (email: string) => Promise<string> };
    limits: CadenceLimits;
    ttlHours: number;
    now: Date;
    metrics?: Pick<Metrics, 'reservations'>;
  },
): Promise<
  | { kind: 'decided'; allowed: string[]; denied: (Denial | (Denial & { email: string }) | Unmatched)[]; requested: number }
  | { kind: 'unknown_topic'; removed: boolean }
> {
  const topic = body.topic !== undefined ? await findTopic(db, body.topic) : null;
  if (topic === undefined || topic?.removedAt) return { kind: 'unknown_topic', removed: !!topic };
  const group = capGroup(topic, await topicsOutsideCap(db));
  const { ids, unmatched, emailOf } = await resolveRecipients(db, body, deps.hasher);
  const result = ids.length
    ? await reserve(db, {
        campaignId,
        subjectIds: ids,
        limits: deps.limits,
        ttlHours: deps.ttlHours,
        now: deps.now,
        topic: topic?.key ?? null,
        capGroup: group,
      })
    : { allowed: [], denied: [] };
  const denied = [...result.denied.map((d) => (emailOf.has(d.subject) ? { ...d, email: emailOf.get(d.subject)! } : d)), ...unmatched];
  // Counted once the reservation committed: a failed call reserved nothing and counts nothing.
  if (deps.metrics) {
    const byReason: Record<string, number> = {};
    for (const d of denied) byReason[d.reason] = (byReason[d.reason] ?? 0) + 1;
    deps.metrics.reservations(result.allowed.length, byReason);
  }
  return { kind: 'decided', allowed: result.allowed, denied, requested: ids.length + unmatched.length };
}

/**
 * Marks a campaign's reservations sent, or releases those not sent. `notReserved`: the
 * recipients with no live reservation, addresses that matched nobody among them.
 */
export async function settleRecipients(
  db: Db,
  campaignId: string,
  what: 'sent' | 'release',
  body: Recipients,
  deps: { hasher: { hash: (email: string) => Promise<string> }; now: Date },
): Promise<{ updated: number; notReserved: string[] }> {
  const { ids, unmatched } = await resolveRecipients(db, body, deps.hasher);
  const r = ids.length ? (what === 'sent' ? await markSent(db, campaignId, ids, deps.now) : await release(db, campaignId, ids, deps.now)) : { notReserved: [] };
  const updated = 'updated' in r ? r.updated : 'released' in r ? r.released : 0;
  return { updated, notReserved: [...r.notReserved, ...unmatched.map((u) => u.email)] };
}
