/**
 * Deliveries per second to local receivers:
 *  - pushes of single suppression changes (one change, one signed POST) to an HTTP receiver:
 *    `singleChange` drains a backlog one change per request (the push pipeline's own rate);
 *    `live` writes a change, then pushes it, one after the other (what a trickle of
 *    unsubscribes sees end to end, the write included);
 *  - `batched`: the same backlog in requests of 1,000 changes (changes per second);
 *  - e-mails from the outbox to an SMTP server.
 *
 *   npm run bench:outbox                      # PostgreSQL at BENCH_DATABASE_URL (default local `test` db)
 *   BENCH_DB=pglite npm run bench:outbox
 *   BENCH_PUSHES=2000 BENCH_MAILS=1000 ...
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../../src/config/index.js';
import { createLinkSigner, generateSigningJwk } from '../../src/links/tokens.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { keepAliveFetch } from '../../src/node/http-post.js';
import { smtpMailer } from '../../src/node/mailer.js';
import { deliverEmails } from '../../src/outbox/deliver.js';
import { enqueue } from '../../src/outbox/queries.js';
import { createPushSigner, pushSuppressions } from '../../src/pushes/push.js';
import { suppress } from '../../src/suppressions/queries.js';
import { systemClock } from '../../src/time/clock.js';
import { benchmark } from '../lib/db.js';
import { seedSubjects } from '../lib/seed.js';

const kind = process.env.BENCH_DB === 'pglite' ? 'pglite' : 'postgres';
const pushes = Number(process.env.BENCH_PUSHES ?? 2000);
const mails = Number(process.env.BENCH_MAILS ?? 1000);
const baseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const RECEIVER = `
  const http = require('node:http');
  let n = 0;
  const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { n++; res.writeHead(200).end(); }); });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (m) => (m === 'count' ? process.send({ count: n }) : process.exit(0)));
`;

async function startReceiver() {
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>() => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)));
  const { port } = await next<{ port: number }>();
  return {
    url: `http://127.0.0.1:${port}/push`,
    received: async () => {
      const reply = next<{ count: number }>();
      child.send('count');
      return (await reply).count;
    },
    close: async () => {
      child.send('exit');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

benchmark(kind, baseUrl, async (db) => {
  // The receiver runs in its own process, as a mail sender's would: it does not share our
  // event loop. `received()` asks it how many requests it has answered.
  const receiver = await startReceiver();
  const endpoint = receiver.url;
  const signer = await createPushSigner([await generateSigningJwk('bench-push')]);
  const pushDeps = {
    db,
    clock: systemClock,
    logger: process.env.BENCH_LOG ? createLogger('debug') : silentLogger,
    signer,
    endpoints: [endpoint],
    fetch: process.env.BENCH_FETCH === 'global' ? fetch : keepAliveFetch(),
  };

  const change = (i: number) =>
    suppress(db, { hash: i.toString(16).padStart(64, '0'), email: null, subjectId: null, reason: 'manual', actorType: 'staff', at: new Date() });
  const timed = async (work: () => Promise<unknown>) => {
    const t = performance.now();
    await work();
    return (performance.now() - t) / 1000;
  };

  // A backlog drained one change per request.
  for (let i = 0; i < pushes; i++) await change(i);
  const before1 = await receiver.received();
  const singleSeconds = await timed(() => pushSuppressions({ ...pushDeps, batchSize: 1 }, { maxBatches: pushes }));
  const singleRequests = (await receiver.received()) - before1;

  // A trickle: each change written, then pushed on its own.
  const before2 = await receiver.received();
  const liveSeconds = await timed(async () => {
    for (let i = 0; i < pushes; i++) {
      await change(pushes + i);
      await pushSuppressions(pushDeps);
    }
  });
  const liveRequests = (await receiver.received()) - before2;

  // A backlog in requests of up to 1,000 changes.
  const batchedChanges = pushes * 10;
  for (let i = 0; i < batchedChanges; i++) await change(2 * pushes + i);
  const before3 = await receiver.received();
  const batchedSeconds = await timed(() => pushSuppressions(pushDeps, { maxBatches: 1_000 }));
  const batchedRequests = (await receiver.received()) - before3;
  await receiver.close();

  let delivered = 0;
  const smtp = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData: (s, _x, cb) => {
      s.resume();
      s.on('end', () => {
        delivered++;
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const port = (smtp.server.address() as AddressInfo).port;
  const now = new Date();
  const ids = await seedSubjects(db, mails, now);
  for (const id of ids) await enqueue(db, { kind: 'unsubscribed', subjectId: id, payload: { subjectId: id }, idempotencyKey: `bench:${id}`, at: now });
  const config = loadConfig({ SUPPRESSION_HASH_KEY: 'bench-suppression-hash-key-0123456789abcdef', LOG_LEVEL: 'silent' });
  const linkSigner = await createLinkSigner([await generateSigningJwk('bench-link')], systemClock);
  const mailer = smtpMailer(`smtp://127.0.0.1:${port}`);
  const t1 = performance.now();
  while (delivered < mails) {
    const r = await deliverEmails({ db, mailer, signer: linkSigner, config, clock: systemClock, logger: silentLogger }, { limit: 100 });
    if (r.sent + r.retried + r.dead === 0) break;
  }
  const mailSeconds = (performance.now() - t1) / 1000;
  await mailer.close();
  smtp.close();

  return {
    pushes: {
      singleChange: { changes: pushes, requests: singleRequests, perSecond: Math.round(singleRequests / singleSeconds) },
      live: { changes: pushes, requests: liveRequests, perSecond: Math.round(liveRequests / liveSeconds) },
      batched: { changes: batchedChanges, requests: batchedRequests, changesPerSecond: Math.round(batchedChanges / batchedSeconds) },
    },
    mails: { count: mails, delivered, perSecond: Math.round(delivered / mailSeconds) },
  };
});
