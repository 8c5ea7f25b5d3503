import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonRequest } from '../helpers/harness.js';
import { captureLogs, findSecrets } from '../helpers/log-capture.js';
import { consentState, createConfirmedSubject, eventsOf, flipSignatureChar, snapshotDb, suppressionOf } from '../helpers/pages.js';
import { OTHER_KEY, signSns, snsHarness } from '../mailsender/sns-signing.js';

type Json = Record<string, any>;

const ADDRESS = 'unsubscribe@prefs.example.ru';
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const snsFixture = (name: string): Json => JSON.parse(readFileSync(new URL(`../mailsender/fixtures/${name}`, import.meta.url), 'utf8'));

let h: Awaited<ReturnType<typeof snsHarness>>;
let auth: string;
const logs = captureLogs();

beforeAll(async () => {
  h = await snsHarness({ env: { UNSUBSCRIBE_MAILTO: ADDRESS }, logger: logs.logger });
  auth = await h.bearer('mail-sender:events');
});
afterAll(() => h.close());

/** AWS's published receipt notification, addressed to the unsubscribe address with this subject (and any other change). */
function sesReceipt(subject: string, over: { source?: string; headers?: { name: string; value: string }[] } = {}): Json {
  const n = fixture('ses-receipt-sns-action.json');
  n.receipt.recipients = [ADDRESS];
  n.mail.destination = [ADDRESS];
  n.mail.commonHeaders.subject = subject;
  n.mail.headers = [...n.mail.headers.map((x: Json) => (x.name === 'Subject' ? { ...x, value: subject } : x)), ...(over.headers ?? [])];
  if (over.source !== undefined) n.mail.source = over.source;
  return n;
}

/** The receipt notification inside an SNS Notification, signed with the test key, as SNS posts it. */
function snsPost(message: Json, opts: { key?: string } = {}): RequestInit {
  const signed = signSns({ ...snsFixture('sns-notification.json'), Message: JSON.stringify(message) }, { version: '2', key: opts.key });
  return {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification', authorization: auth },
    body: JSON.stringify(signed),
  };
}

/** Postmark's published inbound sample, sent to the unsubscribe address with this subject. */
function postmark(subject: string, over: Json = {}): Json {
  const p = fixture('postmark-inbound.json');
  p.OriginalRecipient = ADDRESS;
  p.To = ADDRESS;
  p.ToFull = [{ Email: ADDRESS, Name: '', MailboxHash: '' }];
  p.MailboxHash = '';
  p.Subject = subject;
  return { ...p, ...over };
}

const post = (body: unknown, authorization = auth) => h.app.request('/v1/events/inbound', jsonRequest('POST', body, authorization));

describe('POST /v1/events/inbound', () => {
  it('unsubscribes from an Amazon SES receipt notification over SNS (signature checked), with the evidence of a mailed act', async () => {
    const id = await createConfirmedSubject(h, 'ses.inbound@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'autumn' });
    const res = await h.app.request('/v1/events/inbound', snsPost(sesReceipt(`unsubscribe ${token}`)));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({ outcome: 'unsubscribed' });
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'unsubscribed', actor_type: 'subject' });
    const acts = (await eventsOf(h, id)).filter((e) => e.action === 'unsubscribed');
    expect(acts).toEqual([expect.objectContaining({ actor_type: 'subject', source: 'mailto:ses', ip: null, user_agent: null, campaign_id: 'autumn' })]);
    // SNS retries a delivery it thinks failed: the same message again changes nothing.
    const before = await snapshotDb(h);
    const again = await h.app.request('/v1/events/inbound', snsPost(sesReceipt(`unsubscribe ${token}`)));
    expect(await again.json()).toEqual({ outcome: 'already' });
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('unsubscribes from a Postmark inbound webhook', async () => {
    const id = await createConfirmedSubject(h, 'pm.inbound@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    const res = await post(postmark(`Re: unsubscribe ${token}`));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ outcome: 'unsubscribed' });
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect((await eventsOf(h, id)).find((e) => e.action === 'unsubscribed')).toMatchObject({ source: 'mailto:postmark', ip: null });
  });

  it('reads the samples as published: not for the unsubscribe address, nothing written', async () => {
    const before = await snapshotDb(h);
    const ses = await h.app.request('/v1/events/inbound', snsPost(fixture('ses-receipt-sns-action.json')));
    expect(await ses.json()).toEqual({ outcome: 'not_for_us' });
    const pm = await post(fixture('postmark-inbound.json'));
    expect(await pm.json()).toEqual({ outcome: 'not_for_us' });
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('changes nothing for a forged or missing token, a bounce or an auto-reply, and says which', async () => {
    const id = await createConfirmedSubject(h, 'inbound.forged@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    const before = await snapshotDb(h);
    const outcomes = [];
    for (const body of [
      postmark(`unsubscribe ${flipSignatureChar(token)}`),
      postmark('unsubscribe'),
      postmark(`unsubscribe ${token}`, { Headers: [{ Name: 'Auto-Submitted', Value: 'auto-replied' }] }),
      postmark(`unsubscribe ${token}`, { Headers: [{ Name: 'Return-Path', Value: '<>' }] }),
    ]) {
      const res = await post(body);
      expect(res.status).toBe(200);
      outcomes.push(((await res.json()) as { outcome: string }).outcome);
    }
    for (const message of [
      sesReceipt(`unsubscribe ${token}`, { source: '' }),
      sesReceipt(`unsubscribe ${token}`, { headers: [{ name: 'Precedence', value: 'bulk' }] }),
    ]) {
      const res = await h.app.request('/v1/events/inbound', snsPost(message));
      outcomes.push(((await res.json()) as { outcome: string }).outcome);
    }
    expect(outcomes).toEqual(['invalid_token', 'no_token', 'ignored', 'ignored', 'ignored', 'ignored']);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('refuses a bad SNS signature with 401, garbage with 400 or 422 problems, and no key with 401; nothing written', async () => {
    const id = await createConfirmedSubject(h, 'inbound.bad@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    const linksKey = await h.bearer('links:write');
    const before = await snapshotDb(h);

    const forged = await h.app.request('/v1/events/inbound', snsPost(sesReceipt(`unsubscribe ${token}`), { key: OTHER_KEY }));
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const notJson = await h.app.request('/v1/events/inbound', jsonRequest('POST', '{"Subject": ', auth));
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    for (const garbage of [[1, 2, 3], '"text"', 'null', { hello: 'world' }, { MessageID: 7, Subject: null }, { notificationType: 'Received', mail: 'x' }]) {
      const res = await post(garbage);
      expect(res.status, JSON.stringify(garbage)).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    // An SNS Notification that is not an SES receipt (a bounce notification posted here by mistake).
    const wrong = await h.app.request('/v1/events/inbound', snsPost({ notificationType: 'Bounce', mail: {}, bounce: {} }));
    expect(wrong.status).toBe(422);

    expect((await post(postmark(`unsubscribe ${token}`), '')).status).toBe(401);
    expect((await post(postmark(`unsubscribe ${token}`), linksKey)).status).toBe(403);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('takes the key as the Basic password, as the mail-sender webhook does', async () => {
    const id = await createConfirmedSubject(h, 'inbound.basic@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    const key = auth.replace(/^Bearer /, '');
    const res = await post(postmark(`unsubscribe ${token}`), `Basic ${btoa(`postmark:${key}`)}`);
    expect(res.status).toBe(200);
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
  });

  it('answers 202 to an SNS SubscriptionConfirmation and fetches nothing', async () => {
    const confirmation = signSns(snsFixture('sns-subscription-confirmation.json'), { version: '2' });
    const res = await h.app.request('/v1/events/inbound', {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'SubscriptionConfirmation', authorization: auth },
      body: JSON.stringify(confirmation),
    });
    expect(res.status).toBe(202);
  });

  it('logs ids only: no address, subject or token', () => {
    const addresses = ['ses.inbound@example.ru', 'pm.inbound@example.ru', 'inbound.forged@example.ru', 'inbound.bad@example.ru', 'inbound.basic@example.ru'];
    expect(logs.lines.some((l) => l.includes('"mailto message"'))).toBe(true);
    expect(
      findSecrets(
        logs.lines,
        addresses.map((value) => ({ label: value, kind: 'email' as const, value })),
      ),
    ).toEqual([]);
    expect(logs.lines.join('\n')).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });
});
