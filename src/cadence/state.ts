import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import type { ConsentState, SubjectStatus } from '../db/schema.js';
import type { CadenceSubject, CapGroup, Frequency } from './policy.js';

/** A send that counts: sent, or reserved and not yet expired; `at` is when sent, else when reserved. */
export interface CountingSend {
  campaignId: string;
  /** The campaign's topic; null: mail of no topic. */
  topic: string | null;
  status: 'reserved' | 'sent';
  at: Date;
}

/** What a cadence decision about one person reads, and where a campaign stands with them. */
export interface CadenceState {
  id: string;
  status: SubjectStatus;
  marketing: ConsentState;
  suppressed: boolean;
  /** As stored: null when the person never chose (the policy then takes `standard`). */
  frequency: Frequency | null;
  pausedUntil: string | null;
  /** The sends that count, oldest reserved first. */
  sends: CountingSend[];
  /** Already reserved (live) or sent for the campaign asked about. */
  already: boolean;
  /** A released or expired row for that campaign exists: re-reserving updates it. */
  hasRow: boolean;
}

/** The person as the cadence policy (`decide`) takes them. Pure. */
export function cadenceSubject(s: CadenceState): CadenceSubject {
  return {
    status: s.status,
    marketing: s.marketing,
    suppressed: s.suppressed,
    frequency: s.frequency ?? 'standard',
    pausedUntil: s.pausedUntil,
    sends: s.sends.map((x) => x.at),
  };
}

interface Row {
  id: string;
  status: SubjectStatus;
  marketing: ConsentState | null;
  suppressed: boolean | null;
  frequency: Frequency | null;
  paused_until: string | null;
  already: boolean | null;
  has_row: boolean;
  send_at: (number | string)[] | null;
  send_campaign: string[] | null;
  send_status: ('reserved' | 'sent')[] | null;
  send_topic: (string | null)[] | null;
}

/**
 * The cadence state of these people, by id (ids nobody has are absent), in one statement
 * whatever their number: the one place that says which sends count. A send counts when it is
 * sent, or reserved and not expired at `now`; released ones never do. Only those reserved after
 * `since` are read (`lookbackStart`: as far back as a decision looks). With `campaignId`, also
 * where that campaign stands with each person. With `mostRecent`, only that many of each
 * person's counting sends up to `now`, the latest by `at`: all a decision needs when it is at
 * least every cap (see {@link decisionSends}). With `capGroup`, only the sends that share a cap
 * with the mail asked about (policy.ts `countsIn`, the same rule in memory).
 *
 * Each person's history is one index range on `sends (subject_id, reserved_at)` (a lateral
 * join, in memory, never one big aggregate of everyone's history sorted to disk).
 *
 * Reads only: the reservation (reservations.ts) releases expired rows itself, under its locks,
 * before it reads; the staff view (view.ts) is a GET and writes nothing.
 */
export async function readCadenceState(
  db: Db,
  ids: readonly string[],
  opts: { since: Date; now: Date; campaignId?: string; mostRecent?: number; capGroup?: CapGroup },
): Promise<Map<string, CadenceState>> {
  const { since, now } = opts;
  const only = opts.capGroup && 'only' in opts.capGroup ? opts.capGroup.only : null;
  const exclude = opts.capGroup && 'exclude' in opts.capGroup ? [...opts.capGroup.exclude] : null;
  // LIMIT NULL is no limit.
  const rows = await sql<Row>`
    select s.id, s.status, m.state as marketing, sup.active as suppressed, p.frequency,
           to_char(p.paused_until, 'YYYY-MM-DD') as paused_until,
           (c.status = 'sent' or (c.status = 'reserved' and c.expires_at > ${now})) as already,
           (c.subject_id is not null) as has_row,
           hist.send_at, hist.send_campaign, hist.send_status, hist.send_topic
    from unnest(${[...ids]}::uuid[]) as req(id)
    join subjects s on s.id = req.id
    left join consents m on m.subject_id = s.id and m.purpose = 'marketing'
    left join suppressions sup on sup.hash = s.email_hash and sup.active
    left join preferences p on p.subject_id = s.id
    left join sends c on c.campaign_id = ${opts.campaignId ?? null} and c.subject_id = s.id
    left join lateral (
      select array_agg((extract(epoch from y.at) * 1000)::float8 order by y.reserved_at) as send_at,
             array_agg(y.campaign_id order by y.reserved_at) as send_campaign,
             array_agg(y.status order by y.reserved_at) as send_status,
             array_agg(y.topic order by y.reserved_at) as send_topic
      from (
        select coalesce(x.sent_at, x.reserved_at) as at, x.reserved_at, x.campaign_id, x.status, x.topic
        from sends x
        where x.subject_id = s.id and x.status <> 'released' and x.reserved_at > ${since}
          and (x.status = 'sent' or x.expires_at > ${now})
          and (${opts.mostRecent ?? null}::bigint is null or coalesce(x.sent_at, x.reserved_at) <= ${now})
          and (${only}::text is null or x.topic = ${only}::text)
          and (${exclude}::text[] is null or x.topic is null or not (x.topic = any(${exclude}::text[])))
        order by coalesce(x.sent_at, x.reserved_at) desc, x.reserved_at desc
        limit ${opts.mostRecent ?? null}::bigint
      ) y
    ) hist on true`.execute(db);
  return new Map(
    rows.rows.map((r) => [
      r.id,
      {
        id: r.id,
        status: r.status,
        marketing: r.marketing ?? 'none',
        suppressed: !!r.suppressed,
        frequency: r.frequency,
        pausedUntil: r.paused_until,
        sends: (r.send_at ?? []).map((ms, i) => ({
          campaignId: r.send_campaign![i]!,
          topic: r.send_topic![i] ?? null,
          status: r.send_status![i]!,
          at: new Date(Number(ms)),
        })),
        already: !!r.already,
        hasRow: r.has_row,
      },
    ]),
  );
}
