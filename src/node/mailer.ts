// Node-only: SMTP through nodemailer, or .eml files in DATA_DIR/outbox for development.
import { chmodSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { type Mailer, type OutgoingMail, PermanentMailError } from '../emails/mailer.js';

function toNodemailer(m: OutgoingMail) {
  return { from: m.from, to: m.to, subject: m.subject, html: m.html, text: m.text, messageId: m.messageId, headers: m.headers };
}

/**
 * SMTP from a URL (`smtp://user:pass@host:587`, `smtps://…:465`). Timeouts are short so a hung
 * relay fails the try (and it is retried) instead of stalling the worker.
 */
export function smtpMailer(url: string, opts: { timeoutMs?: number } = {}): Mailer {
  const t = opts.timeoutMs ?? 30_000;
  // nodemailer ignores every other option when given a URL, timeouts included: parse it here.
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  const transport = nodemailer.createTransport({
    host: u.hostname,
    port: Number(u.port) || (secure ? 465 : 587),
    secure,
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    connectionTimeout: t,
    greetingTimeout: t,
    socketTimeout: t,
    // One SMTP session carries many messages: a handshake per mail would cap delivery.
    pool: true,
    maxConnections: 4,
    maxMessages: 500,
    // SMTP is a dialogue of small writes: with Nagle's algorithm on, each message waits out the
    // relay's delayed ACK (about 40 ms), which caps a connection near 20 mails/s. nodemailer has no
    // option for it, so the pool gets sockets we open (it still does the TLS and the greeting).
    getSocket: (_o: unknown, done: (err: Error | null, s?: { connection: Socket }) => void) =>
      openSocket(u.hostname, Number(u.port) || (secure ? 465 : 587), t, done),
  });
  return {
    describe: `${u.protocol}//${u.hostname}:${u.port || (u.protocol === 'smtps:' ? 465 : 587)}`,
    async send(mail) {
      try {
        await transport.sendMail(toNodemailer(mail));
      } catch (e) {
        const err = e as { responseCode?: number; message?: string };
        // 5xx for the recipient is final; 4xx, timeouts and dropped connections are worth a retry.
        if (err.responseCode && err.responseCode >= 500 && err.responseCode < 600)
          throw new PermanentMailError(`SMTP ${err.responseCode}: ${err.message ?? ''}`);
        throw e;
      }
    },
    async close() {
      transport.close();
    },
  };
}

function openSocket(host: string, port: number, timeoutMs: number, done: (err: Error | null, s?: { connection: Socket }) => void): void {
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  socket.setTimeout(timeoutMs, () => socket.destroy(Object.assign(new Error(`Connection timeout to ${host}:${port}`), { code: 'ETIMEDOUT' })));
  socket.once('error', done);
  socket.once('connect', () => {
    socket.off('error', done);
    socket.setTimeout(0);
    done(null, { connection: socket });
  });
}

/** A subject id as it starts a file name (uuids are safe; anything else is made so). */
const filePrefix = (subjectId: string | null | undefined) => `${(subjectId ?? 'none').replace(/[^A-Za-z0-9-]/g, '_')}--`;

/**
 * Writes each message as an .eml file (development default without SMTP_URL), owner-only.
 * Files are named `<subject id>--<message id>.eml`, so erasure finds and deletes a person's
 * mail (`forget`): the files hold their address, name and links.
 */
export function fileMailer(dir: string): Mailer {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    describe: dir,
    async send(mail) {
      const info = await transport.sendMail(toNodemailer(mail));
      const name = mail.messageId.replace(/[<>]/g, '').replace(/[^A-Za-z0-9@._-]/g, '_');
      writeFileSync(join(dir, `${filePrefix(mail.subjectId)}${name}.eml`), info.message as Buffer, { mode: 0o600 });
    },
    async close() {},
    async forget(subjectId) {
      const prefix = filePrefix(subjectId);
      const mine = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.eml'));
      for (const f of mine) rmSync(join(dir, f), { force: true });
      return mine.length;
    },
  };
}
