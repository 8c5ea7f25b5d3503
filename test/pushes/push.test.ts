import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { compactVerify, createRemoteJWKSet } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { generateSigningJwk } from '../../src/links/tokens.js';
import { silentLogger } from '../../src/log.js';
import { keepAliveFetch } from '../../src/node/http-post.js';
import { createPushSigner, type PushSigner, pushSuppressions } from '../../src/pushes/push.js';
import { lift, sequenceSuppressions, suppress } from '../../src/suppressions/queries.js';
import { createHarness, type Harness } from '../helpers/harness.js';

/** What a receiver found wrong in a push (a wrong typ, a gap); must stay empty. */
const receiverProblems: string[] = [];
afterEach(() => {
  expect(receiverProblems.splice(0)).toEqual([]);
});

interface Change {
  seq: number;
  hash: string;
  reason: string;
  active: boolean;
}

/**
 * A mail sender's receiver, as the README tells one to build it: verifies every push against
 * our JWKS, drops changes whose seq it already holds (a resend after a crash or a timeout),
 * and calls it a gap when a request continues from a seq beyond the last one it holds.
 */
async function startReceiver(jwksUrl: string, failFirst: number, opts: { delayMs?: (call: number) => number } = {}) {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  const seen: Change[] = [];
  const requests: number[] = [];
  let calls = 0;
  let rejectedSignatures = 0;
  let duplicates = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const call = ++calls;
      if (call <= failFirst) {
        res.writeHead(500).end('not now');
        return;
      }
      let verified: Awaited<ReturnType<typeof compactVerify>>;
      try {
        verified = await compactVerify(body, jwks, { algorithms: ['EdDSA'] });
      } catch {
        rejectedSignatures++;
        res.writeHead(400).end('bad');
        return;
      }
      // A failed check here is the pusher's fault, not the sender's: the server would swallow an
      // exception, so it is recorded and fails the test in afterEach.
      const problem = (text: string) => {
        receiverProblems.push(`call ${call}: ${text}`);
        res.writeHead(400).end('bad');
      };
      if (verified.protectedHeader.typ !== 'suppression-push+jws') return problem(`typ ${verified.protectedHeader.typ}`);
      const msg = JSON.parse(new TextDecoder().decode(verified.payload)) as { changes: Change[]; after: number };
      const last = seen.at(-1)?.seq ?? 0;
      if (msg.after > last) return problem(`gap: have ${last}, batch after ${msg.after}`);
      for (const c of msg.changes) {
        if (c.seq > (seen.at(-1)?.seq ?? 0)) seen.push(c);
        else duplicates++;
      }
      requests.push(msg.changes.length);
      const delay = opts.delayMs?.(call) ?? 0;
      if (delay) await new Promise((r) => setTimeout(r, delay));
      if (!res.destroyed) res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/suppressions`,
    seen,
    requests,
    stats: () => ({ calls, rejectedSignatures }),
    duplicates: () => duplicates,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

let h: Harness;
let signer: PushSigner;
let jwksServer: ReturnType<typeof serve>;
let jwksUrl: string;
beforeAll(async () => {
  h = await createHarness();
  signer = await createPushSigner([await generateSigningJwk('push-test-1')]);
  // The app's own JWKS endpoint, served on a real loopback port.
  const app = createApp({ ...h.deps, pushJwks: signer.publicJwks });
  jwksServer = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => jwksServer.once('listening', r));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(async () => {
  await new Promise((r) => jwksServer.close(r));
  await h.close();
});

const hashOf = (i: number) => i.toString(16).padStart(64, '0');

describe('suppression pushes to the mail sender', () => {
  it('publishes only public keys at /.well-known/jwks.json', async () => {
    const res = await fetch(jwksUrl);
    const body = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({ kid: 'push-test-1', kty: 'OKP', crv: 'Ed25519' });
    expect(body.keys[0]!.d).toBeUndefined();
  });

  it('delivers every change in seq order, in batches of at most 1,000, through failures', async () => {
    const receiver = await startReceiver(jwksUrl, 2);
    const deps = { db: h.db, clock: h.clock, logger: silentLogger, signer, endpoints: [receiver.url], random: () => 0.5 };
    for (let i = 1; i <= 2500; i++) {
      await suppress(h.db, { hash: hashOf(i), email: `p${i}@example.ru`, subjectId: null, reason: 'bounced', actorType: 'mail_sender', at: h.clock.now() });
    }
    await lift(h.db, { hash: hashOf(7), reasons: ['bounced'], actorType: 'staff', at: h.clock.now() });

    // Two failures: each backs off; nothing is skipped.
    expect(await pushSuppressions(deps)).toEqual({ pushed: 0, failed: 1 });
    h.clock.advance(60_000);
    expect(await pushSuppressions(deps)).toEqual({ pushed: 0, failed: 1 });
    h.clock.advance(60_000);
    const ok = await pushSuppressions(deps);
    expect(ok).toEqual({ pushed: 2500, failed: 0 });
    expect(receiver.stats()).toEqual({ calls: 5, rejectedSignatures: 0 }); // 2 failures + 3 batches

    const seqs = receiver.seen.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(receiver.seen.map((c) => c.hash)).size).toBe(2500);
    expect(receiver.seen.find((c) => c.hash === hashOf(7))).toMatchObject({ active: false });
    // Keyed hashes only: no address ever leaves in a push.
    expect(JSON.stringify(receiver.seen)).not.toContain('@');

    // Nothing new: nothing sent.
    expect(await pushSuppressions(deps)).toEqual({ pushed: 0, failed: 0 });
    // A new change goes out on its own.
    await suppress(h.db, { hash: hashOf(9999), email: null, subjectId: null, reason: 'manual', actorType: 'staff', at: h.clock.now() });
    expect(await pushSuppressions(deps)).toEqual({ pushed: 1, failed: 0 });
    expect(receiver.seen.at(-1)).toMatchObject({ hash: hashOf(9999), active: true });
    await receiver.close();
  });

  it('a receiver refuses a push signed with a key not in our JWKS', async () => {
    const receiver = await startReceiver(jwksUrl, 0);
    const impostor = await createPushSigner([await generateSigningJwk('push-test-1')]);
    const res = await fetch(receiver.url, { method: 'POST', body: await impostor.sign({ changes: [], after: 0 }) });
    expect(res.status).toBe(400);
    expect(receiver.stats().rejectedSignatures).toBe(1);
    await receiver.close();
  });

  it('retries a receiver that times out, without losing the batch', async () => {
    const slow = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`;
    await suppress(h.db, { hash: hashOf(50_000), email: null, subjectId: null, reason: 'manual', actorType: 'staff', at: h.clock.now() });
    const r = await pushSuppressions({ db: h.db, clock: h.clock, logger: silentLogger, signer, endpoints: [url], timeoutMs: 300, random: () => 0.5 });
    expect(r).toEqual({ pushed: 0, failed: 1 });
    const cursor = await h.db.selectFrom('push_cursors').selectAll().where('endpoint', '=', url).executeTakeFirstOrThrow();
    expect(Number(cursor.last_seq)).toBe(0);
    expect(cursor.last_error).toMatch(/timeout|abort/i);
    slow.closeAllConnections();
    await new Promise<void>((res) => slow.close(() => res()));
  });

  const feedSeqs = async () =>
    (await sequenceSuppressions(h.db).then(() => h.db.selectFrom('suppressions').select('seq').where('seq', 'is not', null).orderBy('seq').execute())).map(
      (r) => Number(r.seq),
    );
  let nextHash = 100_000;
  const change = () => suppress(h.db, { hash: hashOf(nextHash++), email: null, subjectId: null, reason: 'manual', actorType: 'staff', at: h.clock.now() });

  it('a 200 that comes after our timeout counts as a failure: the batch is resent and the receiver drops what it holds', async () => {
    const receiver = await startReceiver(jwksUrl, 0, { delayMs: (call) => (call === 1 ? 1_500 : 0) });
    for (let i = 0; i < 3; i++) await change();
    const deps = { db: h.db, clock: h.clock, logger: silentLogger, signer, endpoints: [receiver.url], timeoutMs: 300, random: () => 0.5 };
    expect(await pushSuppressions(deps)).toEqual({ pushed: 0, failed: 1 });
    h.clock.advance(60_000);
    const all = await feedSeqs();
    expect(await pushSuppressions(deps)).toEqual({ pushed: all.length, failed: 0 });
    expect(receiver.seen.map((c) => c.seq)).toEqual(all);
    expect(receiver.duplicates()).toBe(Math.min(1000, all.length)); // the first, timed-out request had arrived
    await receiver.close();
  });

  it('a receiver that answers slowly but within the timeout is not sent anything twice', async () => {
    const receiver = await startReceiver(jwksUrl, 0, { delayMs: () => 200 });
    await change();
    const deps = { db: h.db, clock: h.clock, logger: silentLogger, signer, endpoints: [receiver.url], timeoutMs: 5_000, random: () => 0.5 };
    const all = await feedSeqs();
    expect(await pushSuppressions(deps)).toEqual({ pushed: all.length, failed: 0 });
    expect(receiver.duplicates()).toBe(0);
    expect(receiver.seen.map((c) => c.seq)).toEqual(all);
    await receiver.close();
  });

  it('pushes one change per request when the batch size is 1, in seq order', async () => {
    const receiver = await startReceiver(jwksUrl, 0);
    const deps = { db: h.db, clock: h.clock, logger: silentLogger, signer, endpoints: [receiver.url] };
    await pushSuppressions(deps); // catch up in batches
    const caughtUp = receiver.requests.length;
    for (let i = 0; i < 5; i++) await change();
    expect(await pushSuppressions({ ...deps, batchSize: 1 })).toEqual({ pushed: 5, failed: 0 });
    expect(receiver.requests.slice(caughtUp)).toEqual([1, 1, 1, 1, 1]);
    expect(receiver.seen.map((c) => c.seq)).toEqual(await feedSeqs());
    await receiver.close();
  });

  it('a crash before the cursor is written resends from the last written cursor: duplicates the receiver drops, no gap', async () => {
    const receiver = await startReceiver(jwksUrl, 0);
    const deps = { db: h.db, clock: h.clock, logger: silentLogger, signer, endpoints: [receiver.url], batchSize: 1 };
    const all = await feedSeqs();
    // Catch up, then four more changes pushed by a run whose cursor writes are lost.
    await pushSuppressions({ ...deps, batchSize: 1000 });
    expect(receiver.seen).toHaveLength(all.length);
    for (let i = 0; i < 4; i++) await change();
    const before = await h.db.selectFrom('push_cursors').selectAll().where('endpoint', '=', receiver.url).executeTakeFirstOrThrow();
    expect(await pushSuppressions(deps, { persistEveryMs: Number.POSITIVE_INFINITY })).toEqual({ pushed: 4, failed: 0 });
    await h.db.updateTable('push_cursors').set({ last_seq: before.last_seq, locked_until: null }).where('endpoint', '=', receiver.url).execute();

    expect(await pushSuppressions(deps)).toEqual({ pushed: 4, failed: 0 });
    expect(receiver.duplicates()).toBe(4);
    expect(receiver.seen.map((c) => c.seq)).toEqual(await feedSeqs());
    await receiver.close();
  });

  it('an instance whose lease was taken over stops and never writes over the new holder', async () => {
    const receiver = await startReceiver(jwksUrl, 0);
    for (let i = 0; i < 3; i++) await change();
    let calls = 0;
    const takeover = new Date(h.clock.now().getTime() + 3_600_000);
    const stealing: typeof fetch = async (input, init) => {
      if (++calls === 2) {
        // Another instance takes the endpoint (say our lease ran out while we were stalled).
        await h.db.updateTable('push_cursors').set({ locked_until: takeover, last_seq: '999999' }).where('endpoint', '=', receiver.url).execute();
      }
      return fetch(input, init);
    };
    const r = await pushSuppressions(
      { db: h.db, clock: h.clock, logger: silentLogger, signer, endpoints: [receiver.url], batchSize: 1, fetch: stealing },
      { persistEveryMs: 0 },
    );
    // The first change, then the second (sent while the lease was being taken); the third never.
    expect(r.pushed).toBe(2);
    expect(calls).toBe(2);
    expect(receiver.seen).toHaveLength(2);
    const cursor = await h.db.selectFrom('push_cursors').selectAll().where('endpoint', '=', receiver.url).executeTakeFirstOrThrow();
    expect(Number(cursor.last_seq)).toBe(999999);
    expect(new Date(cursor.locked_until!).getTime()).toBe(takeover.getTime());
    await receiver.close();
  });
});

describe('pushes over the Node keep-alive client (what the server uses on Node)', () => {
  const nodeFetch = keepAliveFetch();
  const feedSeqs = async () =>
    (await sequenceSuppressions(h.db).then(() => h.db.selectFrom('suppressions').select('seq').where('seq', 'is not', null).orderBy('seq').execute())).map(
      (r) => Number(r.seq),
    );

  it('delivers everything, in order, through 500s, one change per request as asked', async () => {
    const receiver = await startReceiver(jwksUrl, 2);
    await suppress(h.db, { hash: hashOf(200_001), email: null, subjectId: null, reason: 'manual', actorType: 'staff', at: h.clock.now() });
    const deps = { db: h.db, clock: h.clock, logger: silentLogger, signer, endpoints: [receiver.url], random: () => 0.5, fetch: nodeFetch };
    expect(await pushSuppressions(deps)).toEqual({ pushed: 0, failed: 1 });
    h.clock.advance(60_000);
    expect(await pushSuppressions(deps)).toEqual({ pushed: 0, failed: 1 });
    h.clock.advance(60_000);
    const all = await feedSeqs();
    expect(await pushSuppressions(deps, { maxBatches: 1_000 })).toEqual({ pushed: all.length, failed: 0 });
    expect(receiver.seen.map((c) => c.seq)).toEqual(all);
    expect(receiver.stats().rejectedSignatures).toBe(0);

    for (let i = 2; i <= 4; i++)
      await suppress(h.db, { hash: hashOf(200_000 + i), email: null, subjectId: null, reason: 'manual', actorType: 'staff', at: h.clock.now() });
    const before = receiver.requests.length;
    expect(await pushSuppressions({ ...deps, batchSize: 1 })).toEqual({ pushed: 3, failed: 0 });
    expect(receiver.requests.slice(before)).toEqual([1, 1, 1]);
    expect(receiver.seen.map((c) => c.seq)).toEqual(await feedSeqs());
    await receiver.close();
  });

  it('gives up on a receiver that answers after the timeout, and resends: nothing lost, duplicates dropped', async () => {
    const receiver = await startReceiver(jwksUrl, 0, { delayMs: (call) => (call === 1 ? 1_500 : 0) });
    const deps = { db: h.db, clock: h.clock, logger: silentLogger, signer, endpoints: [receiver.url], timeoutMs: 300, random: () => 0.5, fetch: nodeFetch };
    const r = await pushSuppressions(deps);
    expect(r).toEqual({ pushed: 0, failed: 1 });
    const cursor = await h.db.selectFrom('push_cursors').selectAll().where('endpoint', '=', receiver.url).executeTakeFirstOrThrow();
    expect(cursor.last_error).toMatch(/abort|timeout/i);
    h.clock.advance(60_000);
    const all = await feedSeqs();
    expect(await pushSuppressions(deps, { maxBatches: 1_000 })).toEqual({ pushed: all.length, failed: 0 });
    expect(receiver.seen.map((c) => c.seq)).toEqual(all);
    await receiver.close();
  });

  it('counts a refused connection as a failure to retry', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await pushSuppressions({ db: h.db, clock: h.clock, logger: silentLogger, signer, endpoints: [url], random: () => 0.5, fetch: nodeFetch });
    expect(r).toEqual({ pushed: 0, failed: 1 });
    const cursor = await h.db.selectFrom('push_cursors').selectAll().where('endpoint', '=', url).executeTakeFirstOrThrow();
    expect(cursor.last_error).toMatch(/ECONNREFUSED/);
    expect(Number(cursor.last_seq)).toBe(0);
  });
});
