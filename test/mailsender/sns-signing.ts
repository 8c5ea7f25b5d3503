// Signing SNS messages as Amazon SNS does, with the test key in fixtures/ (see its README), and
// serving the matching certificate to the app instead of AWS.
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createApp } from '../../src/app.js';
import type { CertificateFetcher } from '../../src/mailsender/sns.js';
import { createHarness, type Harness } from '../helpers/harness.js';

type Json = Record<string, any>;

const read = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

export const TEST_KEY = read('sns-test-key.pem');
export const TEST_CERT = read('sns-test-cert.pem');
/** A key the test certificate does not belong to. */
export const OTHER_KEY = read('sns-other-key.pem');

/** The SigningCertURL of the published samples (fixtures/sns-*.json); the test server answers it with TEST_CERT. */
export const TEST_CERT_URL = 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem';

// Written out again here rather than imported from src/, so the tests check the code against
// the AWS documentation, not against itself.
const SIGNED_FIELDS: Record<string, string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/**
 * The message with SignatureVersion and Signature set as SNS would set them
 * (1: SHA1withRSA, 2: SHA256withRSA), signed with `key` (the test key by default).
 */
export function signSns(message: Json, opts: { version?: '1' | '2'; key?: string } = {}): Json {
  const version = opts.version ?? (message.SignatureVersion === '2' ? '2' : '1');
  const fields = SIGNED_FIELDS[message.Type as string];
  if (!fields) throw new Error(`cannot sign an SNS message of Type ${message.Type}`);
  const text = fields
    .filter((f) => message[f] !== undefined && message[f] !== null)
    .map((f) => `${f}\n${message[f]}\n`)
    .join('');
  const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  signer.update(text, 'utf8');
  return { ...message, SignatureVersion: version, Signature: signer.sign(opts.key ?? TEST_KEY, 'base64') };
}

/** A certificate fetcher over a fixed table of URLs, counting what it was asked for. */
export function certificateServer(certs: Record<string, string> = { [TEST_CERT_URL]: TEST_CERT }) {
  const calls: string[] = [];
  const fetchCertificate: CertificateFetcher = async (url) => {
    calls.push(url);
    const pem = certs[url];
    if (pem === undefined) throw new Error('HTTP 404');
    return pem;
  };
  return { fetchCertificate, calls };
}

/** A harness whose app fetches SNS certificates from {@link certificateServer}, never from the network. */
export async function snsHarness(opts: Parameters<typeof createHarness>[0] = {}): Promise<Harness & { certificates: ReturnType<typeof certificateServer> }> {
  const h = await createHarness(opts);
  const certificates = certificateServer();
  h.app = createApp({ ...h.deps, clientIp: () => opts.clientIp ?? '198.51.100.7', fetchCertificate: certificates.fetchCertificate });
  return Object.assign(h, { certificates });
}
