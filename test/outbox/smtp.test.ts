import { type AddressInfo, createServer, type Socket } from 'node:net';
import type { SMTPServerOptions } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer } from '../../src/emails/mailer.js';
import { silentLogger } from '../../src/log.js';
import { smtpMailer } from '../../src/node/mailer.js';
import { claimDue } from '../../src/outbox/claim.js';
import { deliverEmails } from '../../src/outbox/deliver.js';
import { createHarness, type Harness, jsonRequest, lead } from '../helpers/harness.js';
import { type Inbox, startSmtp } from '../helpers/smtp.js';

/** A hand-rolled SMTP peer for the failures a well-behaved server library will not produce. */
async function rawSmtp(onLine: (socket: Socket, line: string, state: { inData: boolean }) => void, opts: { greet?: boolean } = {}) {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const state = { inData: false };
    if (opts.greet !== false) socket.write('220 relay.test ESMTP\r\n');
    let buf = '';
    socket.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        if (!socket.destroyed) onLine(socket, line, state);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

let h: Harness;
let auth: string;
const inboxes: Inbox[] = [];
beforeAll(async () => {
  h = await createHarness({ env: { MAIL_FROM: 'Рассылка <news@example.ru>' } });
  auth = await h.bearer('leads:write');
});
afterAll(() => h.close());
afterEach(async () => {
  await Promise.all(mailers.splice(0).map((m) => m.close()));
  await Promise.all(inboxes.splice(0).map((i) => i.close()));
  // Leave nothing due for the next test.
  await h.db.updateTable('outbox').set({ status: 'done' }).where('status', '=', 'pending').execute();
});

async function inbox(behaviour?: Partial<SMTPServerOptions>) {
  const i = await startSmtp(behaviour);
  inboxes.push(i);
  return i;
}

const mailers: Mailer[] = [];
/** An SMTP mailer closed after the test, so the relay's close() need not wait for its pool. */
function mailerFor(port: number, timeoutMs = 5_000): Mailer {
  const m = smtpMailer(`smtp://127.0.0.1:${port}`, { timeoutMs });
  mailers.push(m);
  return m;
}

const deliver = (port: number, timeoutMs = 5_000) =>
  deliverEmails({
    db: h.db,
    mailer: mailerFor(port, timeoutMs),
    signer: h.deps.signer,
    config: h.config,
    clock: h.clock,
    logger: silentLogger,
    random: () => 0.5,
  });

async function register(email: string, extra: Record<string, unknown> = {}) {
  const res = await h.app.request('/v1/subjects', jsonRequest('POST', lead(email, extra), auth));
  return (await res.json()).id as string;
}

describe('e-mail delivery from the outbox over real SMTP', () => {
  it('sends the double opt-in mail whose link confirms the subscription', async () => {
    const box = await inbox();
    const id = await register('Olga@Example.ru', { firstName: 'Ольга <b>', locale: 'ru' });
    expect(await deliver(box.port)).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(box.mails).toHaveLength(1);
    const m = box.mails[0]!;
    expect((m.to as { text: string }).text).toBe('olga@example.ru');
    expect(m.from?.text).toContain('news@example.ru');
    expect(m.text).toBeTruthy();
    expect(m.html).toContain('&lt;b&gt;');
    const row = await h.db
      .selectFrom('outbox')
      .select(['id', 'status', 'idempotency_key', 'message_token'])
      .where('subject_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('done');
    expect(m.messageId).toBe(`<outbox-${row.id}.${row.message_token}@prefs.example.ru>`);
    expect(m.headers.get('x-idempotency-key')).toBe(row.idempotency_key);
    const url = /https:\/\/prefs\.example\.ru\/c\/[A-Za-z0-9_.-]+/.exec(m.text!)![0];
    const confirm = await h.app.request(url.replace('https://prefs.example.ru', ''), { method: 'POST' });
    expect(confirm.status).toBe(200);
    const consent = await h.db.selectFrom('consents').select('state').where('subject_id', '=', id).where('purpose', '=', 'marketing').executeTakeFirstOrThrow();
    expect(consent.state).toBe('granted');
  });

  it('parks a message as dead when the relay refuses the recipient for good (550)', async () => {
    const box = await inbox({
      onRcptTo(_addr, _s, cb) {
        const e = new Error('No such user') as Error & { responseCode: number };
        e.responseCode = 550;
        cb(e);
      },
    });
    const id = await register('gone@example.ru');
    expect(await deliver(box.port)).toEqual({ sent: 0, retried: 0, dead: 1 });
    const row = await h.db.selectFrom('outbox').select(['status', 'last_error', 'attempts']).where('subject_id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'dead', attempts: 1 });
    expect(row.last_error).toContain('550');
  });

  it('retries later with backoff when the relay defers (451), then delivers once', async () => {
    let refuse = true;
    const box = await inbox({
      onRcptTo(_addr, _s, cb) {
        if (!refuse) return cb();
        const e = new Error('Try again later') as Error & { responseCode: number };
        e.responseCode = 451;
        cb(e);
      },
    });
    const id = await register('later@example.ru');
    expect(await deliver(box.port)).toEqual({ sent: 0, retried: 1, dead: 0 });
    const row = await h.db.selectFrom('outbox').select(['status', 'available_at', 'attempts']).where('subject_id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(new Date(row.available_at).getTime()).toBeGreaterThan(h.clock.now().getTime());
    // Not due yet: nothing is tried.
    refuse = false;
    expect(await deliver(box.port)).toEqual({ sent: 0, retried: 0, dead: 0 });
    h.clock.set(new Date(new Date(row.available_at).getTime() + 1));
    expect(await deliver(box.port)).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(box.mails).toHaveLength(1);
  });

  it('retries when the relay drops the connection mid-message', async () => {
    const relay = await rawSmtp((socket, line, state) => {
      if (state.inData) return socket.destroy(); // the message body starts: hang up
      if (/^(EHLO|HELO)/i.test(line)) socket.write('250 relay.test\r\n');
      else if (/^DATA/i.test(line)) {
        state.inData = true;
        socket.write('354 go ahead\r\n');
      } else socket.write('250 ok\r\n');
    });
    const id = await register('dropped@example.ru');
    expect(await deliver(relay.port, 2_000)).toEqual({ sent: 0, retried: 1, dead: 0 });
    const row = await h.db.selectFrom('outbox').select(['status', 'last_error']).where('subject_id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(row.last_error).toBeTruthy();
    await relay.close();
  });

  it('retries when the relay accepts the connection and never answers', async () => {
    const relay = await rawSmtp(() => {}, { greet: false });
    const id = await register('hung@example.ru');
    expect(await deliver(relay.port, 500)).toEqual({ sent: 0, retried: 1, dead: 0 });
    const row = await h.db.selectFrom('outbox').select(['status', 'last_error']).where('subject_id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(row.last_error).toMatch(/timeout|timed out/i);
    await relay.close();
  });

  it('writes nothing to anyone when the person was erased before delivery', async () => {
    const box = await inbox();
    const id = await register('erased-before@example.ru');
    await h.db.updateTable('subjects').set({ status: 'erased', email: null }).where('id', '=', id).execute();
    expect(await deliver(box.port)).toEqual({ sent: 0, retried: 0, dead: 1 });
    expect(box.mails).toHaveLength(0);
  });

  it('a worker that dies after claiming leaves the message to the next one once the lease runs out', async () => {
    const box = await inbox();
    const id = await register('crash-claim@example.ru');
    // The first worker claims and dies before sending anything.
    const claimed = await claimDue(h.db, { now: h.clock.now(), leaseMs: 60_000, limit: 10 });
    expect(claimed.map((r) => r.subject_id)).toContain(id);
    expect(await deliver(box.port)).toEqual({ sent: 0, retried: 0, dead: 0 }); // still leased
    h.clock.advance(60_001);
    expect(await deliver(box.port)).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(box.mails).toHaveLength(1);
  });

  it('a worker that dies after sending but before recording it causes a duplicate the receiver can drop', async () => {
    const box = await inbox();
    await register('crash-send@example.ru');
    const real = mailerFor(box.port);
    const crashing: Mailer = {
      describe: 'crashing',
      close: async () => {},
      send: async (m: Parameters<typeof real.send>[0]) => {
        await real.send(m);
        throw new Error('worker died after send');
      },
    };
    const run = (mailer: Mailer) =>
      deliverEmails({ db: h.db, mailer, signer: h.deps.signer, config: h.config, clock: h.clock, logger: silentLogger, random: () => 0.5 });
    expect(await run(crashing)).toEqual({ sent: 0, retried: 1, dead: 0 });
    const row = await h.db.selectFrom('outbox').select(['available_at']).where('status', '=', 'pending').executeTakeFirstOrThrow();
    h.clock.set(new Date(new Date(row.available_at).getTime() + 1));
    expect(await run(real)).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(box.mails).toHaveLength(2);
    const deduplicated = new Set(box.mails.map((m) => m.messageId));
    expect(deduplicated.size).toBe(1);
  });
});
