import { CompactSign, importJWK, type CryptoKey as JoseKey, type JWK } from 'jose';
import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import { backoffMs } from '../jobs/backoff.js';
import type { Logger } from '../log.js';
import { sequenceSuppressions } from '../suppressions/queries.js';
import type { Clock } from '../time/clock.js';
import { publicJwks } from './jwks.js';

export const PUSH_BATCH = 1000;

/** Signs pushes with the service's asymmetric key; the public half is at /.well-known/jwks.json. */
export interface PushSigner {
  sign(payload: unknown): Promise<string>;
  readonly publicJwks: { keys: JWK[] };
}

export async function createPushSigner(jwks: JWK[]): Promise<PushSigner> {
  const first = jwks[0]!;
  if (first.kty === 'oct') throw new Error('push keys must be asymmetric: the receiver verifies with the public half');
  const alg = first.alg ?? (first.kty === 'OKP' ? 'EdDSA' : first.kty === 'EC' ? 'ES256' : 'RS256');
  const key = (await importJWK(first, alg)) as JoseKey;
  // Verifying keys only: a symmetric key in the set (not first, or it would have been refused)
  // is never published, and private members are stripped.
  const publicKeys = publicJwks(jwks).keys.map((k) => ({ ...k, use: 'sig', alg: k.alg ?? alg }));
  const enc = new TextEncoder();
  return {
    publicJwks: { keys: publicKeys },
    sign: (payload) => new CompactSign(enc.encode(JSON.stringify(payload))).setProtectedHeader({ alg, kid: first.kid!, typ: 'suppression-push+jws' }).sign(key),
  };
}

export interface PushDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  signer: PushSigner;
  endpoints: string[];
  /** Changes per request, 1 to 1,000 (default 1,000). */
  batchSize?: number;
  fetch?: typeof fetch;
  random?: () => number;
  timeoutMs?: number;
}

export interface PushOptions {
  /** Requests per endpoint in this run at most (default 100). */
  maxBatches?: number;
  /** How long a run may hold an endpoint before another instance may take it (renewed as it goes). */
  leaseMs?: number;
  /** How often the cursor is written while pushing (default 250 ms; always at the end). */
  persistEveryMs?: number;
}

interface PushChange {
  seq: number;
  hash: string;
  /** The topic the record is scoped to; null: all advertising mail. */
  topic: string | null;
  reason: string;
  active: boolean;
  at: string;
}

/**
 * Pushes suppression changes to every configured endpoint, in seq order, up to 1,000 per
 * request, each request a JWS the receiver verifies against our JWKS. Pushes carry keyed
 * hashes, never addresses.
 *
 * Delivery is at least once, in order, with no gaps: the cursor only ever moves past what an
 * endpoint answered 2xx to; a failure resends from there after a backoff. While pushing, the
 * cursor is written every `persistEveryMs` rather than after each request (a write per request
 * would halve the rate of single-change pushes), so a crash resends what went out since the
 * last write: the receiver drops changes whose `seq` it already holds. Each request says
 * `after` (the seq it continues from), so a receiver that finds `after` beyond its last seq
 * knows it missed something.
 *
 * An endpoint is leased for the run, and the lease is renewed with each cursor write and
 * fenced by its expiry time: an instance that lost its lease stops instead of writing.
 */
export async function pushSuppressions(deps: PushDeps, opts: PushOptions = {}): Promise<{ pushed: number; failed: number }> {
  const results = await Promise.all(deps.endpoints.map((endpoint) => pushTo(deps, endpoint, opts)));
  return results.reduce((a, r) => ({ pushed: a.pushed + r.pushed, failed: a.failed + r.failed }), { pushed: 0, failed: 0 });
}

async function pushTo(deps: PushDeps, endpoint: string, opts: PushOptions): Promise<{ pushed: number; failed: number }> {
  const doFetch = deps.fetch ?? fetch;
  const batchSize = Math.min(PUSH_BATCH, Math.max(1, deps.batchSize ?? PUSH_BATCH));
  const leaseMs = opts.leaseMs ?? 60_000;
  const persistEveryMs = opts.persistEveryMs ?? 250;
  const host = new URL(endpoint).host;

  let now = deps.clock.now();
  let lease = new Date(now.getTime() + leaseMs);
  // Create the cursor or take its lease, in one statement; nothing back means not due or not ours.
  const leased = await sql<{ last_seq: string | number; attempts: number }>`
    insert into push_cursors as c (endpoint, next_attempt_at, locked_until) values (${endpoint}, ${now}, ${lease})
    on conflict (endpoint) do update set locked_until = excluded.locked_until
      where c.next_attempt_at <= ${now} and (c.locked_until is null or c.locked_until < ${now})
    returning last_seq, attempts`.execute(deps.db);
  const cursor = leased.rows[0];
  if (!cursor) return { pushed: 0, failed: 0 };

  let lastSeq = Number(cursor.last_seq);
  let attempts = cursor.attempts;
  let pushed = 0;
  let failed = 0;
  let persistedAt = performance.now();
  let dirty = false;

  /** Writes the cursor and renews the lease, only if the lease is still ours. */
  const persist = async (set: { attempts?: number; last_error?: string | null; next_attempt_at?: Date; last_success_at?: Date }, release = false) => {
    now = deps.clock.now();
    const renewed = release ? null : new Date(now.getTime() + leaseMs);
    const r = await deps.db
      .updateTable('push_cursors')
      .set({ last_seq: lastSeq, locked_until: renewed, ...set })
      .where('endpoint', '=', endpoint)
      .where('locked_until', '=', lease)
      .executeTakeFirst();
    if (renewed) lease = renewed;
    persistedAt = performance.now();
    dirty = false;
    if (Number(r.numUpdatedRows) === 0) {
      deps.logger.warn('suppression push lease lost, stopping', { endpoint: host, lastSeq });
      return false;
    }
    return true;
  };

  /** What a cursor write after successful requests records. */
  const succeeded = () => ({ attempts: 0, last_error: null, last_success_at: deps.clock.now(), next_attempt_at: deps.clock.now() });

  const signed = (changes: PushChange[], after: number) => {
    const p = deps.signer.sign({
      type: 'suppressions',
      after,
      first: changes[0]!.seq,
      last: changes.at(-1)!.seq,
      count: changes.length,
      changes,
      sentAt: deps.clock.now().toISOString(),
    });
    p.catch(() => {}); // awaited below, or dropped with the run
    return p;
  };
  const maxBatches = opts.maxBatches ?? 100;
  const batches = batchesAfter(deps.db, lastSeq, batchSize);
  let owned = true;
  try {
    let next = await batches.next();
    let jws = next.done ? null : signed(next.value, lastSeq);
    for (let batch = 0; !next.done && batch < maxBatches; batch++) {
      const changes = next.value;
      const first = changes[0]!.seq;
      const last = changes.at(-1)!.seq;
      const posting = post(doFetch, endpoint, await jws!, `suppressions-${first}-${last}`, deps.timeoutMs ?? 15_000);
      // Read and sign the next request while this one is on the wire.
      next = batch + 1 < maxBatches ? await batches.next() : { done: true, value: undefined };
      jws = next.done ? null : signed(next.value, last);
      const error = await posting;
      if (error) {
        attempts++;
        const wait = backoffMs(attempts, { baseMs: 1_000, capMs: 15 * 60_000, random: deps.random ?? Math.random });
        failed++;
        deps.logger.warn('suppression push failed, will retry', { endpoint: host, attempt: attempts, first, last, error: error.slice(0, 200) });
        owned = false; // released by this write
        await persist({ attempts, last_error: error.slice(0, 500), next_attempt_at: new Date(deps.clock.now().getTime() + wait) }, true);
        break;
      }
      lastSeq = last;
      attempts = 0;
      pushed += changes.length;
      dirty = true;
      if (performance.now() - persistedAt >= persistEveryMs) {
        owned = await persist(succeeded());
        if (!owned) break;
      }
    }
  } finally {
    await batches.return(undefined);
    if (owned) await persist(dirty ? succeeded() : {}, true);
  }
  return { pushed, failed };
}

/**
 * The changes after `from`, in seq order, as requests of up to `batchSize`: read a page of
 * 1,000 at a time; numbered (the sequencer) only on reaching the end of what is numbered.
 */
async function* batchesAfter(db: Db, from: number, batchSize: number): AsyncGenerator<PushChange[], void> {
  let after = from;
  let renumber = true;
  for (;;) {
    // Number new changes only when what is numbered runs out: while a backlog lasts there is
    // no need; and a short page read right after numbering is the end, for this run.
    const numbered = renumber;
    if (numbered) await sequenceSuppressions(db);
    const page = await readChanges(db, after, PUSH_BATCH);
    for (let i = 0; i < page.length; i += batchSize) yield page.slice(i, i + batchSize);
    if (page.length < PUSH_BATCH && numbered) return;
    renumber = page.length < PUSH_BATCH;
    if (page.length > 0) after = page.at(-1)!.seq;
  }
}

async function readChanges(db: Db, after: number, limit: number): Promise<PushChange[]> {
  // The global list and the topic records, one sequence (suppressions/queries.ts readFeed).
  const r = await sql<{ seq: string; hash: string; topic: string | null; reason: string; active: boolean; changed_at: Date }>`
    (select seq, hash, null::text as topic, reason, active, changed_at from suppressions where seq > ${String(after)} order by seq limit ${limit})
    union all
    (select seq, hash, topic, reason, active, changed_at from topic_suppressions where seq > ${String(after)} order by seq limit ${limit})
    order by seq limit ${limit}`.execute(db);
  return r.rows.map((r) => ({
    seq: Number(r.seq),
    hash: r.hash,
    topic: r.topic,
    reason: r.reason,
    active: r.active,
    at: new Date(r.changed_at).toISOString(),
  }));
}

/** One signed request; the error text, or null on a 2xx. */
async function post(doFetch: typeof fetch, endpoint: string, jws: string, idempotencyKey: string, timeoutMs: number): Promise<string | null> {
  try {
    const res = await doFetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/jose', 'idempotency-key': idempotencyKey },
      body: jws,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
}
