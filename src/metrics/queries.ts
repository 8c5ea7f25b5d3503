import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import { deadlineGauges } from '../requests/actions.js';

/** What the database holds that an operator watches: read at scrape time, never cached. */
export interface DatabaseGauges {
  /** Outbox rows waiting to be delivered (due now or retrying later). */
  outboxPending: number;
  /** Outbox rows given up on (attempts spent) or cancelled. */
  outboxDead: number;
  /** Per push endpoint: how far the mail sender's copy of the suppression list lags. */
  pushLag: { endpoint: string; records: number; seconds: number }[];
  requestsOpen: number;
  requestsOverdue: number;
  requestsDueSoon: number;
}

/**
 * Reads every gauge in a few set-based statements. The push lag of an endpoint is the number
 * of feed records past its cursor and the age of the oldest of them (0 when it is caught up);
 * an endpoint never pushed to lags by the whole feed. Changes not yet numbered by the
 * sequencer (a moment after their commit; the push numbers them first) are not counted.
 *
 * @example
 * const g = await readDatabaseGauges(db, config.pushEndpoints, clock.now());
 */
export async function readDatabaseGauges(db: Db, endpoints: readonly string[], now: Date): Promise<DatabaseGauges> {
  const outbox = await sql<{ pending: string; dead: string }>`
    select count(*) filter (where status = 'pending')::text as pending,
           count(*) filter (where status = 'dead')::text as dead
    from outbox`.execute(db);
  const requests = await deadlineGauges(db, now);
  const pushLag: DatabaseGauges['pushLag'] = [];
  if (endpoints.length > 0) {
    // One statement for every endpoint: each cursor's records behind (the global list and the
    // topic records share one sequence, as the push reads them), and the oldest one's time.
    const rows = await sql<{ endpoint: string; records: string; oldest: Date | null }>`
      select e.endpoint, count(f.seq)::text as records, min(f.changed_at) as oldest
      from unnest(${sql.val([...endpoints])}::text[]) as e(endpoint)
      left join push_cursors pc on pc.endpoint = e.endpoint
      left join (
        select seq, changed_at from suppressions where seq is not null
        union all
        select seq, changed_at from topic_suppressions where seq is not null
      ) f on f.seq > coalesce(pc.last_seq, 0)
      group by e.endpoint`.execute(db);
    for (const r of rows.rows) {
      const oldest = r.oldest ? new Date(r.oldest).getTime() : null;
      pushLag.push({ endpoint: r.endpoint, records: Number(r.records), seconds: oldest === null ? 0 : Math.max(0, (now.getTime() - oldest) / 1000) });
    }
  }
  return {
    outboxPending: Number(outbox.rows[0]?.pending ?? 0),
    outboxDead: Number(outbox.rows[0]?.dead ?? 0),
    pushLag,
    requestsOpen: requests.open,
    requestsOverdue: requests.overdue,
    requestsDueSoon: requests.dueSoon,
  };
}

/**
 * {@link readDatabaseGauges} within `boundMs`, or null (`onFailure` hears why): a scrape must answer even when the
 * database does not (a hung scrape tells the operator less than `mailprefs_database_up 0`).
 * The statements run in one read-only transaction with that statement timeout, so PostgreSQL
 * stops them too rather than working on for nobody; the timer covers the wait for a
 * connection, which no statement timeout sees.
 *
 * @example
 * const g = await readDatabaseGaugesWithin(db, config.pushEndpoints, clock.now(), 2_000);
 */
export async function readDatabaseGaugesWithin(
  db: Db,
  endpoints: readonly string[],
  now: Date,
  boundMs: number,
  onFailure: (reason: unknown) => void = () => {},
): Promise<DatabaseGauges | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const read = db
    .transaction()
    .setAccessMode('read only')
    .execute(async (trx) => {
      // SET takes no parameters; the bound is an integer from configuration.
      await sql`set local statement_timeout = ${sql.raw(String(Math.max(1, Math.floor(boundMs))))}`.execute(trx);
      return readDatabaseGauges(trx, endpoints, now);
    });
  // One failure reported per scrape: a read cut by its statement timeout after the timer fired
  // is the same failure.
  let reported = false;
  const fail = (e: unknown) => {
    if (!reported) onFailure(e);
    reported = true;
    return null;
  };
  try {
    return await Promise.race([
      read.catch(fail),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(fail(new Error(`no answer within ${boundMs} ms`))), boundMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
