import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { automatedReason, type InboundMail, isUnsubscribeAddress, mailtoUri, tokenCandidates } from '../../src/unsubscribe/mailto.js';
import { createHarness } from '../helpers/harness.js';

const ADDRESS = 'unsubscribe@prefs.example.ru';
// A token-shaped string short enough for a local part (real link tokens are about 200 characters).
const SHORT = 'aaaaaaaa.bbbbbbbb.cccccccccccccccc';
const LONG = `${'h'.repeat(40)}.${'p'.repeat(90)}.${'s'.repeat(86)}`;

const mail = (over: Partial<InboundMail> = {}): InboundMail => ({
  envelopeFrom: 'person@example.ru',
  recipients: [ADDRESS],
  subject: 'unsubscribe',
  headers: new Map(),
  contentType: 'text/plain',
  ...over,
});
const headers = (h: Record<string, string>) => new Map(Object.entries(h).map(([k, v]) => [k.toLowerCase(), [v]]));

describe('mailtoUri', () => {
  it('puts a token that fits a 64-octet local part in the address, and a longer one in the subject', () => {
    expect(mailtoUri(ADDRESS, SHORT)).toBe(`mailto:unsubscribe+${SHORT}@prefs.example.ru?subject=unsubscribe`);
    expect(mailtoUri(ADDRESS, LONG)).toBe(`mailto:${ADDRESS}?subject=unsubscribe%20${LONG}`);
    // 64 octets exactly fits; 65 does not.
    const local = 'unsubscribe+'.length;
    const at64 = `aaaaaaaa.bbbbbbbb.${'c'.repeat(64 - local - 18)}`;
    expect(mailtoUri(ADDRESS, at64)).toContain(`unsubscribe+${at64}@`);
    expect(mailtoUri(ADDRESS, `${at64}c`)).toContain('?subject=unsubscribe%20');
  });

  it('is read back by tokenCandidates in both forms', () => {
    for (const token of [SHORT, LONG]) {
      const uri = new URL(mailtoUri(ADDRESS, token));
      const to = decodeURIComponent(uri.pathname);
      const subject = uri.searchParams.get('subject') ?? '';
      expect(tokenCandidates({ recipients: [to], subject }, ADDRESS)).toEqual([token]);
    }
  });
});

describe('isUnsubscribeAddress', () => {
  it('matches the address with or without a +detail, domain and base case-insensitively, nothing else', () => {
    expect(isUnsubscribeAddress(ADDRESS, ADDRESS)).toBe(true);
    expect(isUnsubscribeAddress('Unsubscribe+x@PREFS.Example.RU', ADDRESS)).toBe(true);
    expect(isUnsubscribeAddress('<unsubscribe@prefs.example.ru>', ADDRESS)).toBe(true);
    for (const other of [
      'unsubscribes@prefs.example.ru',
      'unsubscribe@example.ru',
      'unsubscribe@prefs.example.ru.evil',
      'x+unsubscribe@prefs.example.ru',
      '',
      '@',
      'unsubscribe',
    ]) {
      expect(isUnsubscribeAddress(other, ADDRESS), other).toBe(false);
    }
  });
});

describe('tokenCandidates', () => {
  it('finds the token after Re:/Fwd: and tags, reads only our recipients and never the body, at most three', () => {
    expect(tokenCandidates({ recipients: [ADDRESS], subject: `Re: Fwd: [EXT] unsubscribe ${LONG}` }, ADDRESS)).toEqual([LONG]);
    expect(tokenCandidates({ recipients: [`someone+${SHORT}@example.ru`], subject: 'unsubscribe' }, ADDRESS)).toEqual([]);
    expect(tokenCandidates({ recipients: [ADDRESS], subject: 'unsubscribe me please' }, ADDRESS)).toEqual([]);
    expect(tokenCandidates({ recipients: [ADDRESS], subject: 'unsubscribe 3f2a8c1e-0000-4000-8000-000000000000' }, ADDRESS)).toEqual([]);
    const many = Array.from({ length: 10 }, (_, i) => `${SHORT}${i}`).join(' ');
    expect(tokenCandidates({ recipients: [ADDRESS], subject: many }, ADDRESS)).toHaveLength(3);
    // The address first, then the subject; each once.
    expect(tokenCandidates({ recipients: [`unsubscribe+${SHORT}@prefs.example.ru`], subject: `${LONG} ${SHORT}` }, ADDRESS)).toEqual([SHORT, LONG]);
  });
});

describe('automatedReason', () => {
  it("is null for a person's message, Auto-Submitted: no included", () => {
    expect(automatedReason(mail())).toBeNull();
    expect(automatedReason(mail({ headers: headers({ 'Auto-Submitted': 'no' }) }))).toBeNull();
    expect(automatedReason(mail({ envelopeFrom: null, headers: headers({ 'Return-Path': '<person@example.ru>' }) }))).toBeNull();
    expect(automatedReason(mail({ headers: headers({ Precedence: 'first-class' }) }))).toBeNull();
  });

  it('names bounces and auto-replies', () => {
    const cases: [Partial<InboundMail>, string][] = [
      [{ envelopeFrom: '' }, 'null_sender'],
      [{ envelopeFrom: null, headers: headers({ 'Return-Path': '<>' }) }, 'null_sender'],
      [{ headers: headers({ 'Auto-Submitted': 'auto-replied' }) }, 'auto_submitted'],
      [{ headers: headers({ 'Auto-Submitted': 'Auto-Generated' }) }, 'auto_submitted'],
      [{ headers: headers({ Precedence: 'bulk' }) }, 'precedence'],
      [{ headers: headers({ Precedence: 'junk' }) }, 'precedence'],
      [{ headers: headers({ Precedence: 'list' }) }, 'precedence'],
      [{ headers: headers({ Precedence: 'auto_reply' }) }, 'precedence'],
      [{ headers: headers({ 'X-Autoreply': 'yes' }) }, 'autoreply_header'],
      [{ headers: headers({ 'X-Autorespond': 'yes' }) }, 'autoreply_header'],
      [{ headers: headers({ 'X-Auto-Response-Suppress': 'DR, OOF, AutoReply' }) }, 'autoreply_header'],
      [{ headers: headers({ 'X-Failed-Recipients': 'x@example.ru' }) }, 'delivery_report'],
      [{ contentType: 'multipart/report; report-type=delivery-status' }, 'delivery_report'],
      [{ envelopeFrom: 'MAILER-DAEMON@mx.example.ru' }, 'mailer_daemon'],
      [{ envelopeFrom: 'postmaster@mx.example.ru' }, 'mailer_daemon'],
    ];
    for (const [over, reason] of cases) expect(automatedReason(mail(over)), JSON.stringify({ ...over, headers: [...(over.headers ?? [])] })).toBe(reason);
  });
});

describe('configuration', () => {
  it('refuses INBOUND_SMTP_PORT without UNSUBSCRIBE_MAILTO, and an UNSUBSCRIBE_MAILTO with a +detail', () => {
    expect(() => loadConfig({ INBOUND_SMTP_PORT: '2525' })).toThrow(/INBOUND_SMTP_PORT: needs UNSUBSCRIBE_MAILTO/);
    expect(() => loadConfig({ UNSUBSCRIBE_MAILTO: 'unsubscribe+x@prefs.example.ru' })).toThrow(/UNSUBSCRIBE_MAILTO/);
    expect(() => loadConfig({ UNSUBSCRIBE_MAILTO: 'not an address' })).toThrow(/UNSUBSCRIBE_MAILTO/);
    expect(loadConfig({}).inboundSmtp).toBeNull();
    expect(loadConfig({ UNSUBSCRIBE_MAILTO: ADDRESS, INBOUND_SMTP_PORT: '2525' }).inboundSmtp).toEqual({
      port: 2525,
      host: undefined,
      maxBytes: 256 * 1024,
      maxClients: 50,
      socketTimeoutMs: 30_000,
    });
  });
});

describe('the damaged-link page', () => {
  it('offers the support address to write to, never the machine-read unsubscribe address', async () => {
    const h = await createHarness({ env: { UNSUBSCRIBE_MAILTO: ADDRESS, SUPPORT_EMAIL: 'help@prefs.example.ru' } });
    try {
      const html = await (await h.app.request('/u/not-a-token')).text();
      expect(html).toContain('href="mailto:help@prefs.example.ru?subject=unsubscribe"');
      expect(html).not.toContain(ADDRESS);
    } finally {
      await h.close();
    }
  });
});
