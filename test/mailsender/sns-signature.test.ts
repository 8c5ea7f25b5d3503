import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { type CertificateFetcher, certificateValidity, createSnsVerifier, snsCertificateUrl, snsStringToSign } from '../../src/mailsender/sns.js';
import { buildDeps } from '../../src/node/bootstrap.js';
import { expectedHash } from '../helpers/feed.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { snapshotDb } from '../helpers/pages.js';
import { certificateServer, OTHER_KEY, signSns, snsHarness, TEST_CERT, TEST_CERT_URL } from './sns-signing.js';

type Json = Record<string, any>;

const PATH = '/v1/events/mail-sender';
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Json;
const text = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

// A genuine pair published by AWS (aws/aws-php-sns-message-validator, tests/FunctionalValidationsTest.php):
// four notifications signed by Amazon SNS in us-east-2 on 2022-07-28, and the certificate they name.
const AWS_MESSAGES = JSON.parse(text('sns-aws-published-messages.json')) as Json[];
const AWS_CERT = text('sns-aws-signing-cert-7ff5318490ec183fbaddaa2a969abfda.pem');
const AWS_CERT_URL = 'https://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem';

/** An SES notification in the documented SNS envelope, signed with the test key. */
function sesInSns(notification: Json, over: Json = {}, version: '1' | '2' = '1'): Json {
  return signSns({ ...fixture('sns-notification.json'), Message: JSON.stringify(notification), ...over }, { version });
}

/** The bounce-with-DSN sample under its own feedbackId, so each use is a new event. */
function bounce(id: string): Json {
  const n = fixture('ses-bounce-with-dsn.json');
  n.bounce.feedbackId = id;
  return n;
}

const SNS_HEADERS = (type = 'Notification') => ({ 'x-amz-sns-message-type': type, 'user-agent': 'Amazon Simple Notification Service Agent' });

function post(app: Harness['app'], body: unknown, auth: string, type = 'Notification') {
  return app.request(PATH, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8', authorization: auth, ...SNS_HEADERS(type) },
    body: JSON.stringify(body),
  });
}

async function suppressionOf(h: Harness, email: string) {
  return h.db.selectFrom('suppressions').select(['reason', 'active']).where('hash', '=', expectedHash(email)).executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------

describe('SNS signatures: the pure parts', () => {
  it('builds the string to sign of a Notification (Subject only when present) and of a SubscriptionConfirmation', () => {
    const n = { Type: 'Notification', MessageId: 'm', TopicArn: 'a', Message: 'x\ny', Timestamp: 't', SignatureVersion: '1', UnsubscribeURL: 'u' };
    expect(snsStringToSign(n)).toEqual({ text: 'Message\nx\ny\nMessageId\nm\nTimestamp\nt\nTopicArn\na\nType\nNotification\n' });
    expect(snsStringToSign({ ...n, Subject: 'S' })).toEqual({
      text: 'Message\nx\ny\nMessageId\nm\nSubject\nS\nTimestamp\nt\nTopicArn\na\nType\nNotification\n',
    });
    expect(snsStringToSign({ ...n, Subject: null })).toEqual(snsStringToSign(n));
    const c = fixture('sns-subscription-confirmation.json');
    expect(snsStringToSign(c)).toEqual({
      text: `Message\n${c.Message}\nMessageId\n${c.MessageId}\nSubscribeURL\n${c.SubscribeURL}\nTimestamp\n${c.Timestamp}\nToken\n${c.Token}\nTopicArn\n${c.TopicArn}\nType\nSubscriptionConfirmation\n`,
    });
    expect(snsStringToSign({ ...n, MessageId: undefined })).toEqual({ missing: 'MessageId' });
    expect(snsStringToSign({ ...c, Token: 42 })).toEqual({ missing: 'Token' });
  });

  it('accepts only https certificate URLs of an Amazon SNS host ending in .pem', () => {
    for (const ok of [
      TEST_CERT_URL,
      AWS_CERT_URL,
      'https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem',
      'https://SNS.EU-WEST-1.amazonaws.com/SimpleNotificationService-abc.pem',
    ]) {
      expect(snsCertificateUrl(ok), ok).not.toBeNull();
    }
    for (const bad of [
      'http://sns.us-west-2.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://sns.us-west-2.amazonaws.com.evil.example/SimpleNotificationService-abc.pem',
      'https://evil.example/sns.us-west-2.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://attacker.example/SimpleNotificationService-abc.pem',
      'https://sns.s3-us-west-2.amazonaws.com/SimpleNotificationService-abc.pem', // an S3 bucket named "sns"
      'https://sns.s3.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://sqs.us-west-2.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-abc.crt',
      'https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&x=.pem',
      'https://sns.us-west-2.amazonaws.com/a.pem?b=c',
      'https://sns.us-west-2.amazonaws.com:8443/SimpleNotificationService-abc.pem',
      'https://user:pw@sns.us-west-2.amazonaws.com/SimpleNotificationService-abc.pem',
      'file:///etc/ssl/cert.pem',
      'not a url',
      '',
      undefined,
      42,
    ]) {
      expect(snsCertificateUrl(bad), String(bad)).toBeNull();
    }
  });

  it('reads the validity period of a certificate, in UTCTime and GeneralizedTime', () => {
    expect(certificateValidity(AWS_CERT)).toEqual({ notBefore: new Date('2021-09-07T00:00:00Z'), notAfter: new Date('2022-08-17T23:59:59Z') });
    // The test certificate ends in 2125: GeneralizedTime.
    expect(certificateValidity(TEST_CERT)).toEqual({ notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2125-01-01T00:00:00Z') });
    for (const junk of ['', 'hello', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', TEST_CERT.replace(/[A-Z]{8}/, 'AAAAAAAA').slice(0, 300)]) {
      expect(certificateValidity(junk)).toBeNull();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('createSnsVerifier', () => {
  const awsServer = () => certificateServer({ [AWS_CERT_URL]: AWS_CERT });

  it('verifies the four notifications Amazon SNS signed (versions 1 and 2, with and without Subject) with the real AWS certificate', async () => {
    const server = awsServer();
    const sns = createSnsVerifier({ fetchCertificate: server.fetchCertificate });
    expect(AWS_MESSAGES.map((m) => `${m.SignatureVersion}${m.Subject ? '+Subject' : ''}`)).toEqual(['1', '2', '1+Subject', '2+Subject']);
    for (const m of AWS_MESSAGES) {
      expect(await sns.check(m, new Date(m.Timestamp)), m.MessageId).toEqual({ ok: true });
    }
    expect(server.calls).toEqual([AWS_CERT_URL]);
  });

  it('refuses the same genuine messages with one character changed, a Subject dropped, or the other signature version claimed', async () => {
    const sns = createSnsVerifier({ fetchCertificate: awsServer().fetchCertificate });
    const [v1, v2, v1s] = AWS_MESSAGES as [Json, Json, Json, Json];
    const at = new Date(v1.Timestamp);
    for (const m of [
      { ...v1, Message: 'Hello world!' },
      { ...v2, TopicArn: v1.TopicArn },
      { ...v1s, Subject: undefined },
      { ...v1, SignatureVersion: '2' },
      { ...v2, Type: 'SubscriptionConfirmation' },
    ]) {
      const r = await sns.check(m, at);
      expect(r.ok).toBe(false);
    }
    expect(await sns.check({ ...v1, Message: 'Hello world!' }, at)).toMatchObject({ ok: false, reason: 'signature_invalid' });
  });

  it('refuses a genuine message once its certificate has expired (AWS rotates them; that one ended on 2022-08-17)', async () => {
    const sns = createSnsVerifier({ fetchCertificate: awsServer().fetchCertificate });
    expect(await sns.check(AWS_MESSAGES[0]!, new Date('2026-03-02T09:00:00Z'))).toEqual({
      ok: false,
      reason: 'certificate_not_current',
      detail: 'The SNS signing certificate is valid from 2021-09-07 to 2022-08-17 only.',
    });
    expect(await sns.check(AWS_MESSAGES[0]!, new Date('2021-09-06T23:59:59Z'))).toMatchObject({ reason: 'certificate_not_current' });
  });

  it('gives up on a certificate fetch after the timeout, even when the fetcher ignores the abort signal, and tries again on the next message', async () => {
    let calls = 0;
    let aborted = false;
    const hanging: CertificateFetcher = (_url, signal) => {
      calls++;
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise<string>(() => {});
    };
    const sns = createSnsVerifier({ fetchCertificate: hanging, timeoutMs: 50 });
    const m = signSns({ ...fixture('sns-notification.json') });
    // On a fake clock: the check answers when, and only when, the 50 ms have passed.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    let answer: unknown;
    const checking = sns.check(m, new Date()).then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(49);
    expect(answer).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await checking;
    expect(answer).toMatchObject({ ok: false, reason: 'certificate_unavailable', cause: 'no answer within 50 ms' });
    expect(aborted).toBe(true);
    vi.useRealTimers();
    await sns.check(m, new Date());
    expect(calls).toBe(2);
  });

  it('refuses a URL that serves something other than an RSA certificate', async () => {
    const m = signSns({ ...fixture('sns-notification.json') });
    for (const served of ['<html>Not found</html>', TEST_CERT.replace('CERTIFICATE', 'PUBLIC KEY')]) {
      const sns = createSnsVerifier({ fetchCertificate: certificateServer({ [TEST_CERT_URL]: served }).fetchCertificate });
      expect(await sns.check(m, new Date('2026-03-02T09:00:00Z'))).toMatchObject({ ok: false, reason: 'certificate_invalid' });
    }
  });

  it('fetches a certificate once for a burst of messages, and keeps a bounded number of certificates', async () => {
    const server = certificateServer({
      [TEST_CERT_URL]: TEST_CERT,
      'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem': TEST_CERT,
      'https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-2.pem': TEST_CERT,
    });
    const sns = createSnsVerifier({ fetchCertificate: server.fetchCertificate, cacheSize: 2 });
    const now = new Date('2026-03-02T09:00:00Z');
    const at = (url: string, i: number) =>
      signSns({ ...fixture('sns-notification.json'), MessageId: `m-${i}`, SigningCertURL: url }, { version: i % 2 ? '2' : '1' });
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => sns.check(at(TEST_CERT_URL, i), now)));
    expect(burst.every((r) => r.ok)).toBe(true);
    expect(server.calls).toEqual([TEST_CERT_URL]);

    await sns.check(at('https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem', 1), now);
    await sns.check(at(TEST_CERT_URL, 2), now); // still cached, and now the most recently used
    await sns.check(at('https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-2.pem', 3), now); // evicts eu-west-1
    await sns.check(at(TEST_CERT_URL, 4), now);
    await sns.check(at('https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem', 5), now);
    expect(server.calls).toEqual([
      TEST_CERT_URL,
      'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem',
      'https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-2.pem',
      'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('POST /v1/events/mail-sender: SNS signatures', () => {
  let h: Awaited<ReturnType<typeof snsHarness>>;
  let auth: string;
  beforeAll(async () => {
    h = await snsHarness();
    auth = await h.bearer('mail-sender:events');
  });
  beforeEach(() => {
    h.certificates.calls.length = 0;
  });
  afterAll(() => h?.close());

  it('applies a bounce signed with SignatureVersion 1 (SHA1withRSA) and one signed with version 2 (SHA256withRSA)', async () => {
    const v1 = await post(h.app, sesInSns(bounce('fb-v1')), auth);
    expect(v1.status, await v1.clone().text()).toBe(200);
    expect(await v1.json()).toMatchObject({ processed: 1, suppressed: 1 });
    expect(await suppressionOf(h, 'jane@example.com')).toEqual({ reason: 'bounced', active: true });

    const n = fixture('ses-bounce-without-dsn.json');
    n.bounce.feedbackId = 'fb-v2';
    const v2 = await post(h.app, sesInSns(n, { MessageId: 'v2-message' }, '2'), auth);
    expect(v2.status).toBe(200);
    expect(await v2.json()).toMatchObject({ processed: 2 });
    expect(await suppressionOf(h, 'richard@example.com')).toEqual({ reason: 'bounced', active: true });
  });

  it('verifies SubscriptionConfirmation and UnsubscribeConfirmation too, and still never fetches the SubscribeURL', async () => {
    const confirmation = signSns(fixture('sns-subscription-confirmation.json'), { version: '2' });
    expect((await post(h.app, confirmation, auth, 'SubscriptionConfirmation')).status).toBe(202);
    const unsubscribed = signSns({ ...fixture('sns-subscription-confirmation.json'), Type: 'UnsubscribeConfirmation' });
    expect((await post(h.app, unsubscribed, auth, 'UnsubscribeConfirmation')).status).toBe(202);
    expect(h.certificates.calls.every((u) => u === TEST_CERT_URL)).toBe(true);

    const forged = { ...confirmation, SubscribeURL: 'https://attacker.example/?Action=ConfirmSubscription' };
    const res = await post(h.app, forged, auth, 'SubscriptionConfirmation');
    expect(res.status).toBe(401);
  });

  it('refuses a tampered, wrongly signed, unsigned or oddly signed bounce with a clear problem, writing nothing', async () => {
    const good = sesInSns(bounce('fb-bad'), { MessageId: 'bad-1' });
    const other = fixture('ses-bounce-with-dsn.json');
    other.bounce.bouncedRecipients[0].emailAddress = 'victim@example.ru';
    const withoutSignature = { ...good };
    delete withoutSignature.Signature;
    const withoutMessageId = { ...good };
    delete withoutMessageId.MessageId;
    const cases: [string, Json, RegExp][] = [
      ['tampered Message', { ...good, Message: JSON.stringify(other) }, /does not verify/],
      ['tampered TopicArn', { ...good, TopicArn: 'arn:aws:sns:us-west-2:123456789012:Other' }, /does not verify/],
      ['Subject added', { ...good, Subject: 'Another subject' }, /does not verify/],
      [
        'signed by another key',
        signSns({ ...fixture('sns-notification.json'), Message: JSON.stringify(bounce('fb-bad')) }, { key: OTHER_KEY }),
        /does not verify/,
      ],
      ['version 1 signature called version 2', { ...good, SignatureVersion: '2' }, /does not verify/],
      ['missing Signature', withoutSignature, /no Signature/],
      ['empty Signature', { ...good, Signature: '' }, /no Signature/],
      ['Signature not base64', { ...good, Signature: '!!not base64!!' }, /not base64/],
      ['unknown SignatureVersion', { ...good, SignatureVersion: '3' }, /SignatureVersion 3 is not supported/],
      ['no SignatureVersion', { ...good, SignatureVersion: undefined }, /no SignatureVersion/],
      ['signed field missing', withoutMessageId, /no MessageId/],
    ];

    const before = await snapshotDb(h);
    for (const [name, body, detail] of cases) {
      const res = await post(h.app, body, auth);
      expect(res.status, name).toBe(401);
      expect(res.headers.get('content-type'), name).toContain('application/problem+json');
      const problem = (await res.json()) as Json;
      expect(problem, name).toMatchObject({ status: 401, code: 'unauthorized', instance: PATH });
      expect(problem.detail, name).toMatch(detail);
      expect(JSON.stringify(problem), name).not.toContain('@');
    }
    expect(await snapshotDb(h)).toEqual(before);
    expect(await suppressionOf(h, 'victim@example.ru')).toBeUndefined();
  });

  it('refuses a certificate URL on another host, over http, or not a .pem, without fetching it', async () => {
    const before = await snapshotDb(h);
    for (const url of [
      'https://attacker.example/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
      'https://sns.us-west-2.amazonaws.com.attacker.example/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
      'http://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
      'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.txt',
    ]) {
      const res = await post(h.app, sesInSns(bounce('fb-url'), { SigningCertURL: url }), auth);
      expect(res.status, url).toBe(401);
      expect(((await res.json()) as Json).detail, url).toMatch(/SigningCertURL is not an Amazon SNS certificate .* it was not fetched/);
    }
    const missing = sesInSns(bounce('fb-url'));
    delete missing.SigningCertURL;
    expect((await post(h.app, missing, auth)).status).toBe(401);
    expect(h.certificates.calls).toEqual([]);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('answers 503 when the certificate cannot be fetched (SNS retries a 5xx), writing nothing', async () => {
    const before = await snapshotDb(h);
    const url = 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-0000000000000000000000000000000.pem';
    const res = await post(h.app, sesInSns(bounce('fb-404'), { SigningCertURL: url }), auth);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await res.json()) as Json).toMatchObject({ code: 'unavailable', detail: expect.stringMatching(/could not be fetched/) });
    expect(h.certificates.calls).toEqual([url]);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('refuses a message once the certificate is no longer valid', async () => {
    const before = await snapshotDb(h);
    const now = h.clock.now();
    h.clock.set('2125-01-01T00:00:01Z');
    try {
      const res = await post(h.app, sesInSns(bounce('fb-late')), auth);
      expect(res.status).toBe(401);
      expect(((await res.json()) as Json).detail).toBe('The SNS signing certificate is valid from 2025-01-01 to 2125-01-01 only.');
    } finally {
      h.clock.set(now);
    }
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('fetches the certificate once for many notifications', async () => {
    const app = createApp({ ...h.deps, fetchCertificate: h.certificates.fetchCertificate });
    const bodies = Array.from({ length: 12 }, (_, i) => sesInSns(bounce(`fb-burst-${i}`), { MessageId: `burst-${i}` }, i % 2 ? '2' : '1'));
    const responses = await Promise.all(bodies.slice(0, 8).map((b) => post(app, b, auth)));
    for (const b of bodies.slice(8)) responses.push(await post(app, b, auth));
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(h.certificates.calls).toEqual([TEST_CERT_URL]);
  });

  it('takes a genuine AWS message through the app while its certificate was valid, and refuses it today', async () => {
    const certificates = certificateServer({ [AWS_CERT_URL]: AWS_CERT });
    const app = createApp({ ...h.deps, fetchCertificate: certificates.fetchCertificate });
    const now = h.clock.now();
    h.clock.set('2022-07-28T23:00:00Z');
    try {
      // The signature holds; "Hello world" is then refused as not an SES notification.
      const res = await post(app, AWS_MESSAGES[3], auth);
      expect(res.status).toBe(422);
      expect(((await res.json()) as Json).detail).toMatch(/not JSON/);
    } finally {
      h.clock.set(now);
    }
    const today = await post(app, AWS_MESSAGES[3], auth);
    expect(today.status).toBe(401);
    expect(((await today.json()) as Json).detail).toMatch(/valid from 2021-09-07 to 2022-08-17/);
  });

  it('logs why a message was refused, with its topic and id but no address', async () => {
    const lines: string[] = [];
    const app = createApp({ ...h.deps, logger: createLogger('debug', (l) => lines.push(l)), fetchCertificate: h.certificates.fetchCertificate });
    const good = sesInSns(bounce('fb-log'), { MessageId: 'log-1' });
    const tampered = { ...good, Message: good.Message.replace('jane@example.com', 'john@example.com') };
    expect((await post(app, tampered, auth)).status).toBe(401);
    const refused = lines.map((l) => JSON.parse(l) as Json).find((l) => l.msg === 'SNS message refused');
    expect(refused).toMatchObject({ level: 'warn', reason: 'signature_invalid', messageId: 'log-1', topicArn: 'arn:aws:sns:us-west-2:123456789012:MyTopic' });
    expect(lines.join('\n')).not.toContain('@');
  });

  it('leaves our own shape, Postmark and raw SES (no SNS envelope, nothing to verify) to the API key', async () => {
    const never = certificateServer({});
    const app = createApp({ ...h.deps, fetchCertificate: never.fetchCertificate });
    const ours = { events: [{ type: 'hard_bounce', email: 'own-shape@example.ru', at: '2026-03-01T10:00:00Z', id: 'own-1' }] };
    const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });
    expect((await app.request(PATH, json(ours))).status).toBe(200);
    const postmark = { ...fixture('postmark-bounce.json'), ID: 4242 };
    expect((await app.request(PATH, json(postmark))).status).toBe(200);
    const raw = bounce('fb-raw');
    expect((await post(app, raw, auth)).status).toBe(200);
    expect(never.calls).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('POST /v1/events/mail-sender: SNS_TOPIC_ARNS', () => {
  let h: Awaited<ReturnType<typeof snsHarness>>;
  let auth: string;
  beforeAll(async () => {
    h = await snsHarness({ env: { SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:ses-bounces, arn:aws:sns:us-west-2:123456789012:ses-complaints' } });
    auth = await h.bearer('mail-sender:events');
  });
  afterAll(() => h?.close());

  it('refuses with 403 a correctly signed message from a topic not listed, before fetching anything, writing nothing', async () => {
    const before = await snapshotDb(h);
    const res = await post(h.app, sesInSns(bounce('fb-topic')), auth); // arn:aws:sns:us-west-2:123456789012:MyTopic
    expect(res.status).toBe(403);
    expect((await res.json()) as Json).toMatchObject({
      code: 'forbidden',
      detail: 'The SNS topic arn:aws:sns:us-west-2:123456789012:MyTopic is not one this service accepts (SNS_TOPIC_ARNS).',
    });
    expect(h.certificates.calls).toEqual([]);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('accepts a listed topic', async () => {
    const res = await post(h.app, sesInSns(bounce('fb-listed'), { TopicArn: 'arn:aws:sns:us-west-2:123456789012:ses-complaints' }), auth);
    expect(res.status).toBe(200);
    expect(await suppressionOf(h, 'jane@example.com')).toEqual({ reason: 'bounced', active: true });
  });

  it('refuses a malformed list at start, naming the variable', () => {
    expect(() => loadConfig({ SNS_TOPIC_ARNS: 'MyTopic' })).toThrow(/SNS_TOPIC_ARNS/);
    expect(() => loadConfig({ SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:a,' })).toThrow(/SNS_TOPIC_ARNS/);
    expect(() => loadConfig({ SNS_VERIFY_SIGNATURES: 'maybe' })).toThrow(/SNS_VERIFY_SIGNATURES/);
    expect(loadConfig({}).sns).toEqual({ verifySignatures: true, topicArns: [] });
  });

  it('refuses to start in production with verification off', () => {
    const prod = {
      NODE_ENV: 'production',
      PUBLIC_BASE_URL: 'https://prefs.example.ru',
      SUPPRESSION_HASH_KEY: 'k'.repeat(40),
      LINK_SIGNING_KEYS: '{"keys":[]}',
    };
    expect(() => loadConfig({ ...prod, SNS_VERIFY_SIGNATURES: 'false' })).toThrow(/SNS_VERIFY_SIGNATURES: may be false only in development/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('SNS_VERIFY_SIGNATURES=false (development)', () => {
  let h: Harness;
  let auth: string;
  beforeAll(async () => {
    h = await createHarness({ env: { SNS_VERIFY_SIGNATURES: 'false', SNS_TOPIC_ARNS: 'arn:aws:sns:us-west-2:123456789012:MyTopic' } });
    auth = await h.bearer('mail-sender:events');
  });
  afterAll(() => h?.close());

  it('takes an unsigned SNS envelope (the documentation sample signature) without fetching anything, but still applies the topic list', async () => {
    const never = certificateServer({});
    const app = createApp({ ...h.deps, fetchCertificate: never.fetchCertificate });
    const unsigned = { ...fixture('sns-notification.json'), Message: JSON.stringify(bounce('fb-dev')) };
    expect((await post(app, unsigned, auth)).status).toBe(200);
    expect(await suppressionOf(h, 'jane@example.com')).toEqual({ reason: 'bounced', active: true });
    expect((await post(app, { ...unsigned, TopicArn: 'arn:aws:sns:us-west-2:123456789012:Other' }, auth)).status).toBe(403);
    expect(never.calls).toEqual([]);
  });

  it('is warned about at start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailprefs-sns-'));
    try {
      for (const [value, warned] of [
        ['false', true],
        ['true', false],
      ] as const) {
        const lines: string[] = [];
        const config = loadConfig({ DATA_DIR: dataDir, SNS_VERIFY_SIGNATURES: value, LOG_LEVEL: 'silent' });
        const built = await buildDeps(
          config,
          h.handle,
          createLogger('warn', (l) => lines.push(l)),
        );
        await built.mailer.close();
        expect(
          lines.some((l) => /SNS_VERIFY_SIGNATURES=false/.test(l)),
          value,
        ).toBe(warned);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
