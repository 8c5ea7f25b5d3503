import { CompactSign, type CryptoKey as JoseKey, type JWK } from 'jose';
import { sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../db/handle.js';
import type { Logger } from '../log.js';
import { backoffMs } from '../outbox/claim.js';
import { readFeed, sequenceSuppressions } from '../suppressions/queries.js';

export const PUSH_BATCH = 1000;

/** Signs pushes with the service's asymmetric key; the public half is at /.well-known/jwks.json. */
export interface PushSigner {
  sign(payload: unknown): Promise<string>;
  readonly publicJwks: { keys: JWK[] };
}

export async function createPushSigner(jwks: JWK[]): Promise<PushSigner> {
  const { importJWK } = await import('jose');
  const first = jwks[0]!;
  if (first.kty === 'oct') throw new Error('push keys must be asymmetric: the receiver verifies with the public half');
  const alg = first.alg ?? (first.kty === 'OKP' ? 'EdDSA' : first.kty === 'EC' ? 'ES256' : 'RS256');
  const key = (await importJWK(first, alg)) as JoseKey;
  const publicKeys = jwks.map((k) => {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = k;
    return { ...pub, use: 'sig', alg: k.alg ?? alg };
  });
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
  fetch?: typeof fetch;
  random?: () => number;
  timeoutMs?: number;
}

/**
 * Pushes suppression changes to every configured endpoint, in seq order, up to 1,000 per
 * request, each request a JWS the receiver verifies against our JWKS. The endpoint's cursor
 * advances only on a 2xx, so a failure resends the same batch (same `Idempotency-Key`) after a
 * backoff: every change arrives, in order, at least once. Pushes carry keyed hashes, never
 * addresses. A cursor is leased while in use, so one instance pushes to an endpoint at a time.
 */
export async function pushSuppressions(deps: PushDeps, opts: { maxBatches?: number; leaseMs?: number } = {}): Promise<{ pushed: number; failed: number }> {
  const doFetch = deps.fetch ?? fetch;
  let pushed = 0;
  let failed = 0;
  for (const endpoint of deps.endpoints) {
    const now = deps.clock.now();
    await sql`insert into push_cursors (endpoint, next_attempt_at) values (${endpoint}, ${now}) on conflict (endpoint) do nothing`.execute(deps.db);
    const leased = await sql<{ last_seq: string | number; attempts: number }>`
      update push_cursors set locked_until = ${new Date(now.getTime() + (opts.leaseMs ?? 60_000))}
      where endpoint = ${endpoint} and next_attempt_at <= ${now} and (locked_until is null or locked_until < ${now})
      returning last_seq, attempts`.execute(deps.db);
    const cursor = leased.rows[0];
    if (!cursor) continue;
    let lastSeq = Number(cursor.last_seq);
    let attempts = cursor.attempts;
    try {
      for (let batch = 0; batch < (opts.maxBatches ?? 100); batch++) {
        const hwm = await sequenceSuppressions(deps.db);
        if (hwm <= lastSeq) break;
        const changes = [];
        for await (const r of readFeed(deps.db, lastSeq, hwm, PUSH_BATCH)) {
          changes.push({ seq: r.seq, hash: r.hash, reason: r.reason, active: r.active, at: r.createdAt.toISOString() });
        }
        if (changes.length === 0) break;
        const first = changes[0]!.seq;
        const last = changes[changes.length - 1]!.seq;
        const jws = await deps.signer.sign({ type: 'suppressions', after: lastSeq, first, last, count: changes.length, changes, sentAt: deps.clock.now().toISOString() });
        let error: string | null = null;
        try {
          const res = await doFetch(endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/jose', 'idempotency-key': `suppressions-${first}-${last}` },
            body: jws,
            signal: AbortSignal.timeout(deps.timeoutMs ?? 15_000),
          });
          await res.body?.cancel();
          if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
        } catch (e) {
          error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        }
        if (error) {
          attempts++;
          const wait = backoffMs(attempts, { baseMs: 1_000, capMs: 15 * 60_000, random: deps.random ?? Math.random });
          await deps.db
            .updateTable('push_cursors')
            .set({ attempts, last_error: error.slice(0, 500), next_attempt_at: new Date(deps.clock.now().getTime() + wait) })
            .where('endpoint', '=', endpoint)
            .execute();
          deps.logger.warn('suppression push failed, will retry', { endpoint: new URL(endpoint).host, attempt: attempts, first, last, error: error.slice(0, 200) });
          failed++;
          break;
        }
        lastSeq = last;
        attempts = 0;
        pushed += changes.length;
        await deps.db
          .updateTable('push_cursors')
          .set({ last_seq: lastSeq, attempts: 0, last_error: null, last_success_at: deps.clock.now(), next_attempt_at: deps.clock.now() })
          .where('endpoint', '=', endpoint)
          .execute();
      }
    } finally {
      await deps.db.updateTable('push_cursors').set({ locked_until: null }).where('endpoint', '=', endpoint).execute();
    }
  }
  return { pushed, failed };
}
