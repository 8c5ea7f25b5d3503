// The HTTP mail API adapter against a real HTTP server on loopback: the documented JSON shape,
// Postmark's shape, and which answers are final and which are retried.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpMailer, refusesForGood } from '../../src/emails/http-mailer.js';
import { type OutgoingMail, PermanentMailError } from '../../src/emails/mailer.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

let server: Server;
let base: string;
const received: Received[] = [];
let answer: { status: number; body: string; delayMs?: number } = { status: 200, body: '{}' };

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: JSON.parse(data || '{}') });
      setTimeout(() => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body), answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

beforeEach(() => {
  received.length = 0;
  answer = { status: 200, body: '{}' };
});

const mail: OutgoingMail = {
  to: 'anna@example.org',
  from: 'News <news@example.ru>',
  subject: 'Подтвердите подписку',
  html: '<p>Здравствуйте</p>',
  text: 'Здравствуйте',
  messageId: '<outbox-7.abc@prefs.example.ru>',
  headers: { 'List-Unsubscribe': '<https://prefs.example.ru/u/t>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  subjectId: '7a2f4968-f9a7-477e-8e0f-59f943286d93',
};

describe('httpMailer, json format', () => {
  it('POSTs the documented body with the key as a bearer token and the Message-ID as the idempotency key', async () => {
    const mailer = httpMailer({ url: `${base}/send`, key: 'secret-key', format: 'json' });
    await mailer.send(mail);
    expect(received).toHaveLength(1);
    const [r] = received;
    expect(r!.method).toBe('POST');
    expect(r!.url).toBe('/send');
    expect(r!.headers.authorization).toBe('Bearer secret-key');
    expect(r!.headers['content-type']).toBe('application/json');
    expect(r!.headers['idempotency-key']).toBe(mail.messageId);
    expect(r!.body).toEqual({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      messageId: mail.messageId,
      headers: mail.headers,
    });
    // The subject id is ours, not the mail API's business.
    expect(JSON.stringify(r!.body)).not.toContain(mail.subjectId);
  });

  it('says where it sends without the key', () => {
    const mailer = httpMailer({ url: `${base}/send`, key: 'secret-key', format: 'json' });
    expect(mailer.describe).toContain('/send');
    expect(mailer.describe).not.toContain('secret-key');
  });
});

describe('httpMailer, postmark format', () => {
  it("POSTs Postmark's body with its server token, the Message-ID among the headers", async () => {
    const mailer = httpMailer({ url: `${base}/email`, key: 'pm-token', format: 'postmark' });
    await mailer.send(mail);
    const [r] = received;
    expect(r!.headers['x-postmark-server-token']).toBe('pm-token');
    expect(r!.headers.authorization).toBeUndefined();
    expect(r!.body).toEqual({
      From: mail.from,
      To: mail.to,
      Subject: mail.subject,
      HtmlBody: mail.html,
      TextBody: mail.text,
      Headers: [
        { Name: 'List-Unsubscribe', Value: '<https://prefs.example.ru/u/t>' },
        { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
        { Name: 'Message-ID', Value: mail.messageId },
      ],
    });
  });
});

describe('httpMailer, failures', () => {
  it('a refusal of the message (Postmark 422: inactive recipient) is final', async () => {
    answer = { status: 422, body: '{"ErrorCode":406,"Message":"You tried to send to recipient(s) that have been marked as inactive."}' };
    const mailer = httpMailer({ url: `${base}/email`, key: 'k', format: 'postmark' });
    const err = await mailer.send(mail).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentMailError);
    expect((err as Error).message).toContain('422');
  });

  it.each([401, 403, 408, 429, 500, 503])('%i (a bad key, a limit, the API in trouble) is retried, not final', async (status) => {
    answer = { status, body: '{}' };
    const mailer = httpMailer({ url: `${base}/send`, key: 'k', format: 'json' });
    const err = await mailer.send(mail).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(PermanentMailError);
  });

  it('a hung API fails the try within the timeout (retried)', async () => {
    answer = { status: 200, body: '{}', delayMs: 2_000 };
    const mailer = httpMailer({ url: `${base}/send`, key: 'k', format: 'json', timeoutMs: 200 });
    const started = Date.now();
    const err = await mailer.send(mail).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(PermanentMailError);
  });

  it('nothing listening is retried, not final', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    const err = await httpMailer({ url: `http://127.0.0.1:${port}/send`, key: 'k', format: 'json' })
      .send(mail)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(PermanentMailError);
  });

  it('only refusals of the message are final', () => {
    expect([400, 404, 410, 413, 422].every(refusesForGood)).toBe(true);
    expect([401, 403, 408, 409, 429, 500, 502, 503].some(refusesForGood)).toBe(false);
  });
});
