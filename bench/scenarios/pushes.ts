/**
 * Deliveries per second to local receivers:
 *  - pushes of single suppression changes (one change, one signed POST) to an HTTP receiver:
 *    `singleChange` drains a backlog one change per request (the push pipeline's own rate);
 *    `live` writes a change, then pushes it, one after the other (what a trickle of
 *    unsubscribes sees end to end, the write included);
 *  - `batched`: the same backlog in requests of 1,000 changes (changes per second);
 *  - e-mails from the outbox to an SMTP server.
 * The limit of single-change pushes, interleaved: the same number of POSTs, one after the
 * other, with the same keep-alive fetch to the same receiver, of a body the size of one push
 * (no database, no signing).
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../../src/config/index.js';
import type { Db } from '../../src/db/handle.js';
import { createLinkSigner, generateSigningJwk } from '../../src/links/tokens.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { keepAliveFetch } from '../../src/node/http-post.js';
import { smtpMailer } from '../../src/node/mailer.js';
import { deliverEmails } from '../../src/outbox/deliver.js';
import { enqueue } from '../../src/outbox/queries.js';
import { createPushSigner, pushSuppressions } from '../../src/pushes/push.js';
import { suppress } from '../../src/suppressions/queries.js';
import { systemClock } from '../../src/time/clock.js';
import { openSchema } from '../lib/env.js';
import { fmtInt, median, ratio, type ScenarioResult } from '../lib/harness.js';
import { seedSubjects } from '../lib/seed.js';

const RECEIVER = `
  const http = require('node:http');
  let n = 0;
  let bytes = 0;
  const server = http.createServer((req, res) => { req.on('data', (c) => { bytes += c.length; }); req.on('end', () => { n++; res.writeHead(200).end(); }); });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (m) => (m === 'count' ? process.send({ count: n, bytes }) : process.exit(0)));
`;

async function startReceiver() {
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>() => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)));
  const { port } = await next<{ port: number }>();
  const receiver = () => {
    const reply = next<{ count: number; bytes: number }>();
    child.send('count');
    return reply;
  };
  return {
    url: `http://127.0.0.1:${port}/push`,
    received: async () => (await receiver()).count,
    bytes: async () => (await receiver()).bytes,
    close: async () => {
      child.send('exit');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export async function pushes(opts: { quick: boolean }): Promise<ScenarioResult> {
  const s = await openSchema('pushes');
  try {
    return await measure(s.handle.db, opts.quick ? 300 : 2_000, opts.quick ? 200 : 1_000, opts.quick ? 1 : 3);
  } finally {
    await s.drop();
  }
}

async function measure(db: Db, pushes: number, mails: number, rounds: number): Promise<ScenarioResult> {
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

  // A backlog drained one change per request, beside bare POSTs of the same size, interleaved.
  const bareFetch = keepAliveFetch();
  let written = 0;
  const single: number[] = [];
  const bare: number[] = [];
  let singleRequests = 0;
  let pushBytes = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < pushes; i++) await change(written++);
    const before1 = await receiver.received();
    const bytesBefore = await receiver.bytes();
    const seconds = await timed(() => pushSuppressions({ ...pushDeps, batchSize: 1 }, { maxBatches: pushes }));
    const n = (await receiver.received()) - before1;
    singleRequests += n;
    single.push(n / seconds);
    if (!pushBytes) pushBytes = Math.round(((await receiver.bytes()) - bytesBefore) / Math.max(1, n));
    const payload = 'x'.repeat(pushBytes);
    const bareSeconds = await timed(async () => {
      for (let i = 0; i < pushes; i++) {
        const res = await bareFetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
        await res.arrayBuffer();
      }
    });
    bare.push(pushes / bareSeconds);
  }

  // A trickle: each change written, then pushed on its own.
  const before2 = await receiver.received();
  const liveSeconds = await timed(async () => {
    for (let i = 0; i < pushes; i++) {
      await change(written++);
      await pushSuppressions(pushDeps);
    }
  });
  const liveRequests = (await receiver.received()) - before2;

  // A backlog in requests of up to 1,000 changes.
  const batchedChanges = pushes * 10;
  for (let i = 0; i < batchedChanges; i++) await change(written++);
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

  const sRate = median(single);
  const lRate = median(bare);
  const liveRate = liveRequests / liveSeconds;
  const batchedRate = batchedChanges / batchedSeconds;
  const mailRate = delivered / mailSeconds;
  return {
    rows: [
      {
        scenario: 'pushes single-change',
        service: `${fmtInt(sRate)} pushes/s`,
        limit: `${fmtInt(lRate)} POSTs/s`,
        ratio: ratio(sRate, lRate),
        goal: '—',
        met: null,
        notes: `${rounds} × a backlog of ${fmtInt(pushes)} changes, one signed POST each, to a receiver in its own process; limit: bare keep-alive POSTs of ${pushBytes} bytes; trickle (write, push, repeat) ${fmtInt(liveRate)}/s`,
      },
      {
        scenario: 'pushes batched',
        service: `${fmtInt(batchedRate)} changes/s`,
        limit: '—',
        ratio: null,
        goal: '—',
        met: null,
        notes: `a backlog of ${fmtInt(batchedChanges)} changes in requests of up to 1,000 (${batchedRequests} requests)`,
      },
      {
        scenario: 'outbox mails',
        service: `${fmtInt(mailRate)} mails/s`,
        limit: '—',
        ratio: null,
        goal: '—',
        met: null,
        notes: `${fmtInt(delivered)} of ${fmtInt(mails)} delivered to a local SMTP server`,
      },
    ],
    figures: {
      singleChange: { perSecond: single, bare, requests: singleRequests },
      live: { changes: pushes, requests: liveRequests, perSecond: liveRate },
      batched: { changes: batchedChanges, requests: batchedRequests, changesPerSecond: batchedRate },
      mails: { count: mails, delivered, perSecond: mailRate },
    },
  };
}
