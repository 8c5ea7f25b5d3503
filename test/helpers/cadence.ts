import { sql } from 'kysely';
import type { CadenceLimits, CadenceSubject } from '../../src/cadence/policy.js';
import type { Db } from '../../src/db/handle.js';
import { type Harness, jsonRequest, registerLead } from './harness.js';

export const SECOND = 1_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** The configured defaults: 3 per rolling 30 days, 72 hours apart, Moscow. */
export const defaultLimits = (over: Partial<CadenceLimits> = {}): CadenceLimits => ({
  maxPerWindow: 3,
  windowDays: 30,
  minGapHours: 72,
  windowMode: 'rolling',
  timeZone: 'Europe/Moscow',
  ...over,
});

/** An active person with granted marketing consent, standard frequency, no pause, no sends. */
export const mailable = (over: Partial<CadenceSubject> = {}): CadenceSubject => ({
  status: 'active',
  marketing: 'granted',
  suppressed: false,
  frequency: 'standard',
  pausedUntil: null,
  sends: [],
  ...over,
});

/** `t` shifted by `ms` (negative: earlier). */
export const at = (t: Date | string, ms = 0): Date => new Date(new Date(t).getTime() + ms);

/** Registers a person through the API and returns the id (marketing granted when DOUBLE_OPT_IN is false). */
export async function createSubject(h: Harness, auth: string, email: string, over: Record<string, unknown> = {}): Promise<string> {
  return (await registerLead(h, email, over, auth)).id;
}

export interface ReservationBody {
  allowed: string[];
  denied: { subject: string; reason: string; nextAllowedAt?: string; email?: string }[];
}

/** POST /v1/campaigns/{campaignId}/{what} with a JSON body. */
export function campaignCall(h: Harness, auth: string | undefined, campaignId: string, what: 'reservations' | 'sent' | 'release', body: unknown) {
  return h.app.request(`/v1/campaigns/${encodeURIComponent(campaignId)}/${what}`, jsonRequest('POST', body, auth));
}

/** Reserves and expects 200; returns the body. */
export async function reserveOk(h: Harness, auth: string, campaignId: string, body: unknown): Promise<ReservationBody> {
  const res = await campaignCall(h, auth, campaignId, 'reservations', body);
  if (res.status !== 200) throw new Error(`reservation answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as ReservationBody;
}

/** Rows in the sends ledger, optionally for one subject and/or campaign. */
export async function sendRows(db: Db, where: { subject?: string; campaign?: string } = {}) {
  let q = db.selectFrom('sends').selectAll();
  if (where.subject) q = q.where('subject_id', '=', where.subject);
  if (where.campaign) q = q.where('campaign_id', '=', where.campaign);
  return q.orderBy('reserved_at').orderBy('campaign_id').execute();
}

export async function countSends(db: Db): Promise<number> {
  const r = await db
    .selectFrom('sends')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Inserts `n` people set-based (subjects, consents, preferences: three statements), each with
 * granted processing and marketing consent. Frequencies cycle through `frequencies`.
 */
export async function seedSubjects(db: Db, n: number, opts: { now: Date; frequencies?: ('monthly' | 'standard')[]; prefix?: string }): Promise<string[]> {
  const ids = Array.from({ length: n }, () => crypto.randomUUID());
  const prefix = opts.prefix ?? 'seed';
  const emails = ids.map((id) => `${prefix}-${id}@example.ru`);
  // The hash only has to be unique here; these people are addressed by id.
  const hashes = ids.map((id) => `${prefix}-hash-${id}`);
  const freqs = ids.map((_, i) => (opts.frequencies ?? ['standard'])[i % (opts.frequencies ?? ['standard']).length]!);
  await sql`
    insert into subjects (id, email, email_hash, locale, status, created_at, updated_at)
    select id, email, hash, 'ru', 'active', ${opts.now}, ${opts.now}
    from unnest(${ids}::uuid[], ${emails}::text[], ${hashes}::text[]) as t(id, email, hash)`.execute(db);
  await sql`
    insert into consents (subject_id, purpose, state, policy_version, updated_at)
    select id, p, 'granted', '2025-06-01', ${opts.now}
    from unnest(${ids}::uuid[]) as id cross join (values ('processing'), ('marketing')) as v(p)`.execute(db);
  await sql`
    insert into preferences (subject_id, frequency, paused_until, updated_at)
    select id, f, null, ${opts.now} from unnest(${ids}::uuid[], ${freqs}::text[]) as t(id, f)`.execute(db);
  return ids;
}

/** Inserts one ledger row as it would be after reserve/markSent/release. */
export async function insertSend(
  db: Db,
  row: {
    campaign: string;
    subject: string;
    status: 'reserved' | 'sent' | 'released';
    reservedAt: Date;
    expiresAt?: Date;
    sentAt?: Date | null;
    releasedAt?: Date | null;
  },
): Promise<void> {
  await db
    .insertInto('sends')
    .values({
      campaign_id: row.campaign,
      subject_id: row.subject,
      status: row.status,
      reserved_at: row.reservedAt,
      expires_at: row.expiresAt ?? new Date(row.reservedAt.getTime() + 24 * HOUR),
      sent_at: row.sentAt ?? null,
      released_at: row.releasedAt ?? null,
    })
    .execute();
}

/** A random v4 uuid that names nobody. */
export const randomId = (): string => crypto.randomUUID();
