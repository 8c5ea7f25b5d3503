import type { AddressInfo } from 'node:net';
import { type HeaderValue, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { isUnavailable } from '../db/handle.js';
import type { Logger } from '../log.js';
import type { MailUnsubscribeOutcome } from '../unsubscribe/by-mail.js';
import { mailOutcomeLog } from '../unsubscribe/by-mail.js';
import { type InboundMail, isUnsubscribeAddress } from '../unsubscribe/mailto.js';

/** The listener's bounds (INBOUND_SMTP_*: README "Configuration"). */
export interface InboundSmtpLimits {
  /** Largest message accepted, advertised as SIZE (RFC 1870) and enforced. */
  maxBytes: number;
  /** Connections open at once; the next one is answered 421. */
  maxClients: number;
  /** Idle time on a connection before it is closed. */
  socketTimeoutMs: number;
}

/** Recipients one message may name: an unsubscribe is addressed to one address, maybe twice. */
const MAX_RECIPIENTS = 10;

export interface InboundSmtp {
  port: number;
  close(): Promise<void>;
}

/** An SMTP reply for the sender: the code decides whether it retries (4xx) or gives up (5xx). */
function reply(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

/**
 * The built-in SMTP listener for the `mailto:` entry of `List-Unsubscribe` (`INBOUND_SMTP_PORT`):
 * a receiving MX for the unsubscribe address only. It takes RCPT only for that address (with or
 * without `+detail`; every other address 550 at RCPT, so it relays nothing and stores nothing
 * for anyone else), has no AUTH and no STARTTLS, advertises SIZE and refuses bigger messages
 * (552), bounds connections and idle time. Each message is parsed with mailparser and handed to
 * `handle` (unsubscribe/by-mail.ts: the same act as the one-click POST); the answer is 250 once
 * that is done, whatever it decided (a message without a valid token is not the sender's fault
 * to retry), 451 when the database is out of reach so the sender retries later, 554 when the
 * message cannot be read at all. The log names the session id and the outcome, never an address.
 *
 * @example
 * const smtp = await startInboundSmtp({ port: 2525, unsubscribeAddress, logger, limits, handle: (m) => unsubscribeByMail(deps, m, 'smtp') });
 */
export async function startInboundSmtp(opts: {
  port: number;
  host?: string;
  unsubscribeAddress: string;
  logger: Logger;
  limits: InboundSmtpLimits;
  handle: (mail: InboundMail) => Promise<MailUnsubscribeOutcome>;
}): Promise<InboundSmtp> {
  const { logger, limits, unsubscribeAddress } = opts;
  const server = new SMTPServer({
    banner: 'unsubscribe only',
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    disableReverseLookup: true,
    size: limits.maxBytes,
    rejectOversized: true,
    maxClients: limits.maxClients,
    socketTimeout: limits.socketTimeoutMs,
    closeTimeout: limits.socketTimeoutMs,
    logger: false,
    onRcptTo(address, session, callback) {
      if (!isUnsubscribeAddress(address.address, unsubscribeAddress)) return callback(reply(550, '5.1.1 No such recipient here'));
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) return callback(reply(452, '4.5.3 Too many recipients'));
      callback();
    },
    onData(stream, session, callback) {
      readMessage(stream, limits.maxBytes)
        .then(async (raw) => {
          if (raw === null) return callback(reply(552, '5.3.4 Message too big'));
          let mail: InboundMail;
          try {
            mail = await toInboundMail(raw, session);
          } catch {
            logger.info('mailto message unreadable', { session: session.id });
            return callback(reply(554, '5.6.0 Message could not be read'));
          }
          const outcome = await opts.handle(mail);
          logger.info('mailto message', { session: session.id, way: 'smtp', ...mailOutcomeLog(outcome) });
          callback(null, 'Processed');
        })
        .catch((e: unknown) => {
          const unavailable = isUnavailable(e);
          logger.error('mailto message failed', { session: session.id, unavailable, error: e instanceof Error ? e.name : 'unknown' });
          // A database out of reach is for later; anything else too: the sender's queue keeps the
          // message and tries again, and nothing was written.
          callback(reply(451, '4.3.0 Try again later'));
        });
    },
  });
  server.on('error', (e) => logger.warn('inbound SMTP error', { code: (e as { code?: string }).code ?? e.name }));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The message's bytes, or null once it is over `maxBytes` (the rest is read and dropped). */
async function readMessage(stream: SMTPServerDataStream, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  }
  if (stream.sizeExceeded || size > maxBytes) return null;
  return Buffer.concat(chunks);
}

/** A parsed message as the unsubscribe rules read it: the envelope from the session, the rest from the message. */
async function toInboundMail(raw: Buffer, session: SMTPServerSession): Promise<InboundMail> {
  const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true });
  const headers = new Map<string, string[]>();
  for (const { key, line } of parsed.headerLines) {
    const colon = line.indexOf(':');
    const value = (colon < 0 ? '' : line.slice(colon + 1)).replace(/\r?\n[ \t]+/g, ' ').trim();
    headers.set(key.toLowerCase(), [...(headers.get(key.toLowerCase()) ?? []), value]);
  }
  const contentType: HeaderValue | undefined = parsed.headers.get('content-type');
  const mailFrom = session.envelope.mailFrom;
  return {
    envelopeFrom: mailFrom === false ? null : mailFrom.address,
    recipients: session.envelope.rcptTo.map((r) => r.address),
    subject: parsed.subject ?? '',
    headers,
    contentType: typeof contentType === 'object' && contentType && 'value' in contentType ? String(contentType.value) : null,
  };
}
