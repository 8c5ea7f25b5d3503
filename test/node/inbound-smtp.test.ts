import { createConnection } from 'node:net';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InboundSmtp, startInboundSmtp } from '../../src/node/inbound-smtp.js';
import { unsubscribeByMail } from '../../src/unsubscribe/by-mail.js';
import { createHarness, createTestDb, type Harness, jsonRequest } from '../helpers/harness.js';
import { captureLogs, findSecrets } from '../helpers/log-capture.js';
import { consentState, createConfirmedSubject, eventsOf, flipSignatureChar, snapshotDb, suppressionOf } from '../helpers/pages.js';

const ADDRESS = 'unsubscribe@prefs.example.ru';
const LIMITS = { maxBytes: 64 * 1024, maxClients: 5, socketTimeoutMs: 5_000 };

let h: Harness;
let smtp: InboundSmtp;
const logs = captureLogs();

beforeAll(async () => {
  h = await createHarness({ env: { UNSUBSCRIBE_MAILTO: ADDRESS }, logger: logs.logger });
  smtp = await startInboundSmtp({
    port: 0,
    host: '127.0.0.1',
    unsubscribeAddress: ADDRESS,
    logger: logs.logger,
    limits: LIMITS,
    handle: (mail) => unsubscribeByMail(h.deps, mail, 'smtp'),
  });
});
afterAll(async () => {
  await smtp?.close();
  await h?.close();
});

const transport = (port = smtp.port) =>
  nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 5_000, socketTimeout: 5_000 });

/** The mailto: entry POST /v1/links hands the mail sender for this person: where to write and the subject. */
async function mailtoOf(id: string): Promise<{ to: string; subject: string; header: string }> {
  const res = await h.app.request('/v1/links', jsonRequest('POST', { subjects: [id], campaignId: 'spring' }, await h.bearer('links:write')));
  expect(res.status).toBe(200);
  const header = ((await res.json()) as { links: { headers: { 'List-Unsubscribe': string } }[] }).links[0]!.headers['List-Unsubscribe'];
  const mailto = /<mailto:([^?>]+)\?subject=([^>]*)>/.exec(header);
  expect(mailto).not.toBeNull();
  return { to: mailto![1]!, subject: decodeURIComponent(mailto![2]!), header };
}

describe('the built-in SMTP listener (INBOUND_SMTP_PORT)', () => {
  it('unsubscribes the person whose header a mailbox followed: a real message over SMTP, suppressed as by the one-click POST, evidence without a relay IP', async () => {
    const id = await createConfirmedSubject(h, 'smtp.person@example.ru');
    const { to, subject, header } = await mailtoOf(id);
    // https first (RFC 8058), then the mailto entry carrying the token in the subject (too long for a local part).
    expect(header).toMatch(/^<https:\/\/prefs\.example\.ru\/u\/[^>]+>, <mailto:unsubscribe@prefs\.example\.ru\?subject=unsubscribe%20[A-Za-z0-9_.-]+>$/);

    const info = await transport().sendMail({ from: 'smtp.person@example.ru', to, subject, text: 'unsubscribe' });
    expect(info.response).toMatch(/^250 /);

    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    const sup = await suppressionOf(h, id);
    expect(sup).toMatchObject({ active: true, reason: 'unsubscribed', actor_type: 'subject' });
    const events = (await eventsOf(h, id)).filter((e) => e.action === 'unsubscribed' || e.action === 'suppressed');
    expect(events.map((e) => e.action)).toEqual(['unsubscribed', 'suppressed']);
    for (const e of events) expect(e).toMatchObject({ actor_type: 'subject', source: 'mailto:smtp', ip: null, user_agent: null, campaign_id: 'spring' });

    // A second message is a repeated act: nothing more is written.
    const before = await snapshotDb(h);
    await transport().sendMail({ from: 'smtp.person@example.ru', to, subject: `Re: ${subject}`, text: 'again' });
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('refuses a local part over 64 octets at RCPT (RFC 5321), which is why a link token rides in the subject; a +detail that fits is accepted', async () => {
    const id = await createConfirmedSubject(h, 'smtp.plus@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    expect(`unsubscribe+${token}`.length).toBeGreaterThan(64);
    const err = await transport()
      .sendMail({ envelope: { from: 'smtp.plus@example.ru', to: [`unsubscribe+${token}@prefs.example.ru`] }, raw: plain('unsubscribe') })
      .then(
        () => null,
        (e: { responseCode?: number }) => e,
      );
    expect(err?.responseCode).toBe(501);
    expect(await consentState(h, id, 'marketing')).toBe('granted');
    // The address with a short detail is ours (the token in its subject decides).
    await transport().sendMail({
      envelope: { from: 'smtp.plus@example.ru', to: ['Unsubscribe+yahoo@PREFS.example.ru'] },
      raw: plain('unsubscribe', `Subject: unsubscribe ${token}\r\n`),
    });
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
  });

  it("lets the token decide, not From: another person's address in From unsubscribes the token's person and leaves the From person alone", async () => {
    const owner = await createConfirmedSubject(h, 'smtp.owner@example.ru');
    const other = await createConfirmedSubject(h, 'smtp.other@example.ru');
    const { to, subject } = await mailtoOf(owner);
    await transport().sendMail({ from: 'smtp.other@example.ru', to, subject, text: 'forwarded' });
    expect(await consentState(h, owner, 'marketing')).toBe('withdrawn');
    expect(await consentState(h, other, 'marketing')).toBe('granted');
    expect(await suppressionOf(h, other)).toBeUndefined();
  });

  it('changes nothing, and answers 250, for a forged, a missing, an expired, a foreign-purpose or a damaged token', async () => {
    const id = await createConfirmedSubject(h, 'smtp.forged@example.ru');
    const good = await h.deps.signer.sign({ sub: id, p: 'u' });
    const expiring = await h.deps.signer.sign({ sub: id, p: 'u', ttlSeconds: 60 });
    const preferences = await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 3600 });
    const before = await snapshotDb(h);
    h.clock.advance(3_600_000);
    try {
      for (const subject of [
        `unsubscribe ${flipSignatureChar(good)}`,
        'unsubscribe',
        `unsubscribe ${id}`,
        `unsubscribe ${expiring}`,
        `unsubscribe ${preferences}`,
        `unsubscribe ${good.slice(0, -4)}`,
      ]) {
        const info = await transport().sendMail({ from: 'smtp.forged@example.ru', to: ADDRESS, subject, text: 'x' });
        expect(info.response).toMatch(/^250 /);
      }
    } finally {
      h.clock.advance(-3_600_000);
    }
    expect(await snapshotDb(h)).toEqual(before);
    expect(await consentState(h, id, 'marketing')).toBe('granted');
  });

  it('ignores a bounce (MAIL FROM:<>) and auto-replies (Auto-Submitted, Precedence, X-Autoreply, multipart/report), even with a valid token', async () => {
    const id = await createConfirmedSubject(h, 'smtp.auto@example.ru');
    const { to, subject } = await mailtoOf(id);
    const before = await snapshotDb(h);
    const bounce = await transport().sendMail({ envelope: { from: '', to: [to] }, raw: plain('returned mail', `Subject: ${subject}\r\n`) });
    expect(bounce.response).toMatch(/^250 /);
    for (const headers of <Record<string, string>[]>[
      { 'Auto-Submitted': 'auto-replied' },
      { 'Auto-Submitted': 'auto-generated; owner-email="x@example.ru"' },
      { Precedence: 'auto_reply' },
      { Precedence: 'bulk' },
      { 'X-Autoreply': 'yes' },
      { 'X-Auto-Response-Suppress': 'All' },
    ]) {
      await transport().sendMail({ from: 'smtp.auto@example.ru', to, subject: `Out of office: ${subject}`, text: 'away', headers });
    }
    const report = [
      'From: MAILER-DAEMON@example.ru',
      `To: ${to}`,
      `Subject: ${subject}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'Delivery failed',
      '--b--',
      '',
    ].join('\r\n');
    await transport().sendMail({ envelope: { from: 'smtp.auto@example.ru', to: [to] }, raw: report });
    expect(await snapshotDb(h)).toEqual(before);
    // Not automated: Auto-Submitted: no is a person's message.
    await transport().sendMail({ from: 'smtp.auto@example.ru', to, subject, text: 'me', headers: { 'Auto-Submitted': 'no' } });
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
  });

  it('refuses RCPT for any other address with 550, at RCPT, and writes nothing', async () => {
    const before = await snapshotDb(h);
    for (const to of ['postmaster@prefs.example.ru', 'unsubscribe@other.example.ru', 'someone@example.ru', 'unsubscribes@prefs.example.ru']) {
      const err = await transport()
        .sendMail({ from: 'a@example.ru', to, subject: 'x', text: 'x' })
        .then(
          () => null,
          (e: { responseCode?: number; command?: string }) => e,
        );
      expect(err?.responseCode, to).toBe(550);
      expect(err?.command).toBe('RCPT TO');
    }
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('advertises SIZE, refuses a declared or an actual message over it with 552, and writes nothing', async () => {
    const id = await createConfirmedSubject(h, 'smtp.huge@example.ru');
    const { to, subject } = await mailtoOf(id);
    const ehlo = await converse(['EHLO test.example', 'MAIL FROM:<a@example.ru> SIZE=100000000', 'QUIT']);
    expect(ehlo).toMatch(new RegExp(`\\r\\n250[- ]SIZE ${LIMITS.maxBytes}\\r\\n`));
    expect(ehlo).not.toMatch(/AUTH|STARTTLS/);
    expect(ehlo).toMatch(/\r\n552 /);
    const err = await transport()
      .sendMail({ from: 'smtp.huge@example.ru', to, subject, text: 'x'.repeat(LIMITS.maxBytes * 2) })
      .then(
        () => null,
        (e: { responseCode?: number }) => e,
      );
    expect(err?.responseCode).toBe(552);
    expect(await consentState(h, id, 'marketing')).toBe('granted');
  });

  it('answers a malformed message without failing and writes nothing', async () => {
    const before = await snapshotDb(h);
    const broken = [
      'Subject: =?UTF-8?B?!!!not-base64?=',
      'Content-Type: multipart/mixed; boundary=',
      'Content-Transfer-Encoding: x-unknown',
      '',
      '--\r\n\u0000\u00ff garbage without an end',
      '',
    ].join('\r\n');
    const info = await transport().sendMail({ envelope: { from: 'a@example.ru', to: [ADDRESS] }, raw: broken });
    expect(info.response).toMatch(/^(250|554) /);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('answers 451 (try again later) when the database is out of reach, so the sender keeps the message', async () => {
    const handle = await createTestDb();
    const down = await createHarness({ env: { UNSUBSCRIBE_MAILTO: ADDRESS }, handle });
    const id = await createConfirmedSubject(down, 'smtp.down@example.ru');
    const token = await down.deps.signer.sign({ sub: id, p: 'u' });
    await handle.close();
    const listener = await startInboundSmtp({
      port: 0,
      host: '127.0.0.1',
      unsubscribeAddress: ADDRESS,
      logger: logs.logger,
      limits: LIMITS,
      handle: (mail) => unsubscribeByMail(down.deps, mail, 'smtp'),
    });
    try {
      const err = await transport(listener.port)
        .sendMail({ from: 'smtp.down@example.ru', to: ADDRESS, subject: `unsubscribe ${token}`, text: 'x' })
        .then(
          () => null,
          (e: { responseCode?: number }) => e,
        );
      expect(err?.responseCode).toBe(451);
    } finally {
      await listener.close();
    }
  });

  it('bounds connections (the one over the limit is answered 421) and closes an idle one', async () => {
    const tight = await startInboundSmtp({
      port: 0,
      host: '127.0.0.1',
      unsubscribeAddress: ADDRESS,
      logger: logs.logger,
      limits: { maxBytes: 1024, maxClients: 1, socketTimeoutMs: 1_000 },
      handle: (mail) => unsubscribeByMail(h.deps, mail, 'smtp'),
    });
    try {
      const first = createConnection({ host: '127.0.0.1', port: tight.port });
      const firstSaid = new Promise<string>((res) => {
        let text = '';
        first.setEncoding('utf8');
        first.on('data', (d: string) => (text += d));
        first.on('close', () => res(text));
      });
      await new Promise((r) => first.once('data', r));
      const second = await new Promise<string>((res) => {
        const socket = createConnection({ host: '127.0.0.1', port: tight.port });
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (d: string) => (text += d));
        socket.on('close', () => res(text));
        socket.on('error', () => res(text));
      });
      expect(second).toMatch(/^421 /);
      // The first one, idle, is closed after the timeout with a 421 of its own.
      const started = Date.now();
      expect(await firstSaid).toMatch(/^220 [^\r]*\r\n421 /);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await tight.close();
    }
  });

  it('logs ids and outcomes only: no address, subject line or token', () => {
    const addresses = [
      'smtp.person@example.ru',
      'smtp.plus@example.ru',
      'smtp.owner@example.ru',
      'smtp.other@example.ru',
      'smtp.forged@example.ru',
      'smtp.auto@example.ru',
      'smtp.down@example.ru',
    ];
    expect(logs.lines.some((l) => l.includes('"mailto message"'))).toBe(true);
    expect(findSecrets(logs.lines, [...addresses.map((value) => ({ label: value, kind: 'email' as const, value }))])).toEqual([]);
    expect(logs.lines.join('\n')).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });
});

/** A minimal RFC 5322 message (headers may be added before the blank line). */
function plain(body: string, headers = 'Subject: unsubscribe\r\n'): string {
  return `From: someone@example.ru\r\n${headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`;
}

/** Speaks SMTP line by line on a raw socket and returns everything the server said. */
function converse(lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port: smtp.port });
    let heard = '';
    let sent = 0;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      heard += d;
      // One command per complete reply (a final line has a space after the code).
      const finals = heard.split('\r\n').filter((l) => /^\d{3} /.test(l)).length;
      if (finals > sent && sent < lines.length) socket.write(`${lines[sent++]}\r\n`);
    });
    socket.on('end', () => resolve(heard));
    socket.on('close', () => resolve(heard));
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      resolve(heard);
    }, 5_000).unref();
  });
}
