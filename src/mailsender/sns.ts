/**
 * Amazon SNS message signatures ("Verifying the signatures of Amazon SNS messages",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html).
 *
 * WebCrypto and jose only, no node:crypto: the same code runs on Node and on Workers. The
 * signing certificate is fetched from the URL the message names, but only from an Amazon SNS
 * host over HTTPS; what vouches for it is that TLS connection to AWS (WebCrypto cannot walk a
 * certificate chain, and AWS's own validators do not either).
 */
import { exportSPKI, importX509 } from 'jose';
import type { ErrorCode } from '../errors/index.js';

/**
 * Fetches the PEM text of an SNS signing certificate. Injected (see `AppDeps.fetchCertificate`)
 * so tests serve their own certificate and nothing leaves the machine.
 */
export type CertificateFetcher = (url: string, signal: AbortSignal) => Promise<string>;

/** A signing certificate is about 2 KB; anything much larger is not one. */
const MAX_CERTIFICATE_CHARS = 64 * 1024;

/**
 * The default {@link CertificateFetcher}: the runtime's `fetch`, no redirects followed (the URL
 * was checked, where a redirect leads would not be).
 *
 * @example
 * const pem = await fetchCertificateOverHttps('https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-….pem', AbortSignal.timeout(5000));
 */
export const fetchCertificateOverHttps: CertificateFetcher = async (url, signal) => {
  const res = await fetch(url, { signal, redirect: 'manual' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_CERTIFICATE_CHARS) throw new Error('response too large for a certificate');
  return text;
};

// ---------------------------------------------------------------------------------------------
// Pure parts: what is signed, which certificate URLs are acceptable, when a certificate is valid.

const NOTIFICATION_FIELDS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const;
const CONFIRMATION_FIELDS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const;

/**
 * The text SNS signed: each signed field as `Name\nvalue\n`, in byte order of the names;
 * `Subject` only when the message has one. `missing` names the first signed field absent.
 *
 * @example
 * snsStringToSign({ Type: 'Notification', Message: 'hi', MessageId: 'm', Timestamp: 't', TopicArn: 'a' })
 * // { text: 'Message\nhi\nMessageId\nm\nTimestamp\nt\nTopicArn\na\nType\nNotification\n' }
 */
export function snsStringToSign(m: Record<string, unknown>): { text: string } | { missing: string } {
  const fields =
    m.Type === 'Notification'
      ? NOTIFICATION_FIELDS
      : m.Type === 'SubscriptionConfirmation' || m.Type === 'UnsubscribeConfirmation'
        ? CONFIRMATION_FIELDS
        : null;
  if (!fields) return { missing: 'Type' };
  let text = '';
  for (const name of fields) {
    const value = m[name];
    if (name === 'Subject' && (value === undefined || value === null)) continue;
    if (typeof value !== 'string') return { missing: name };
    text += `${name}\n${value}\n`;
  }
  return { text };
}

// `sns.<region>.amazonaws.com(.cn)`, the region spelled as AWS spells regions (us-east-1,
// us-gov-west-1, cn-north-1). A looser `sns.<anything>.amazonaws.com` would also match S3's
// legacy bucket hosts such as `sns.s3-us-west-2.amazonaws.com`, where anyone owning the bucket
// "sns" could serve a certificate.
const SNS_HOST = /^sns\.[a-z]{2}(-[a-z]+){1,2}-\d{1,2}\.amazonaws\.com(\.cn)?$/;

/**
 * The certificate URL as it will be fetched, or null when it is not an https URL of an Amazon SNS
 * host ending in `.pem` (no port, credentials, query or fragment). Nothing else is ever fetched.
 *
 * @example
 * snsCertificateUrl('https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem') // the same URL
 * snsCertificateUrl('http://sns.eu-west-1.amazonaws.com/x.pem') // null
 */
export function snsCertificateUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 2048) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  const ok =
    u.protocol === 'https:' && SNS_HOST.test(u.hostname) && !u.port && !u.username && !u.password && !u.search && !u.hash && u.pathname.endsWith('.pem');
  return ok ? u.href : null;
}

function decodeBase64(s: string): Uint8Array<ArrayBuffer> | null {
  if (s.length === 0 || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return null;
  try {
    return Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

function pemBody(pem: string, label: string): Uint8Array<ArrayBuffer> | null {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  return m ? decodeBase64(m[1]!.replace(/\s+/g, '')) : null;
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** The DER element at `at`, its content between start and end; null if it overruns `limit`. */
function tlv(der: Uint8Array, at: number, limit: number): Tlv | null {
  if (at + 2 > limit) return null;
  const tag = der[at]!;
  let len = der[at + 1]!;
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 4 || p + n > limit) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[p++]!;
  }
  return p + len > limit ? null : { tag, start: p, end: p + len };
}

function derTime(der: Uint8Array, t: Tlv | null): Date | null {
  if (!t) return null;
  const s = String.fromCharCode(...der.subarray(t.start, t.end));
  // RFC 5280 4.1.2.5: UTCTime (two-digit years 50-99 are 19xx) until 2049, GeneralizedTime after; always Z.
  const m =
    t.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : t.tag === 0x18 ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : null;
  if (!m) return null;
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year >= 50 ? 1900 : 2000;
  const ms = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) ? null : new Date(ms);
}

/**
 * The validity period of a PEM certificate, read straight from its DER (tbsCertificate:
 * version, serialNumber, signature, issuer, validity), or null when it is not one.
 *
 * @example
 * certificateValidity(pem) // { notBefore: 2021-09-07T00:00:00.000Z, notAfter: 2022-08-17T23:59:59.000Z }
 */
export function certificateValidity(pem: string): { notBefore: Date; notAfter: Date } | null {
  const der = pemBody(pem, 'CERTIFICATE');
  if (!der) return null;
  const cert = tlv(der, 0, der.length);
  const tbs = cert?.tag === 0x30 ? tlv(der, cert.start, cert.end) : null;
  if (tbs?.tag !== 0x30) return null;
  const children = (parent: Tlv) => {
    let p = parent.start;
    return () => {
      const t = tlv(der, p, parent.end);
      if (t) p = t.end;
      return t;
    };
  };
  const next = children(tbs);
  let t = next();
  if (t?.tag === 0xa0) t = next(); // [0] version, absent in v1 certificates
  if (t?.tag !== 0x02 || next()?.tag !== 0x30 || next()?.tag !== 0x30) return null; // serial, signature, issuer
  const validity = next();
  if (validity?.tag !== 0x30) return null;
  const times = children(validity);
  const notBefore = derTime(der, times());
  const notAfter = derTime(der, times());
  return notBefore && notAfter ? { notBefore, notAfter } : null;
}

// ---------------------------------------------------------------------------------------------

/** Why a message was refused; the route maps each to a problem (see routes.ts). */
export type SnsRefusalReason =
  | 'topic_not_allowed'
  | 'signature_missing'
  | 'signature_version_unsupported'
  | 'field_missing'
  | 'certificate_url_refused'
  | 'certificate_unavailable'
  | 'certificate_invalid'
  | 'certificate_not_current'
  | 'signature_invalid';

/**
 * The problem a refused SNS message gets, on every route that takes SNS deliveries: only a
 * failed certificate fetch may work on a retry (a 503, which SNS retries); a topic outside
 * SNS_TOPIC_ARNS is forbidden; any other refusal is unauthorized.
 */
export const snsRefusalCode = (reason: SnsRefusalReason): ErrorCode =>
  reason === 'certificate_unavailable' ? 'unavailable' : reason === 'topic_not_allowed' ? 'forbidden' : 'unauthorized';

export type SnsCheck =
  | { ok: true }
  | {
      ok: false;
      reason: SnsRefusalReason;
      /** For the client: what is wrong, never message content. */
      detail: string;
      /** For the log: the underlying error (e.g. "HTTP 404"), when there is one. */
      cause?: string;
    };

export interface SnsVerifierOptions {
  fetchCertificate: CertificateFetcher;
  /** Off only in development: then only the topic allowlist is applied. Default true. */
  verifySignatures?: boolean;
  /** Topics accepted; empty or absent means any topic. */
  topicArns?: readonly string[];
  /** How long a certificate fetch may take (default 5 s). */
  timeoutMs?: number;
  /** Certificates kept in memory, by URL, least recently used dropped first (default 16). */
  cacheSize?: number;
}

export interface SnsVerifier {
  /** Checks one SNS message (any Type) against the topic allowlist and its signature, at `now`. */
  check(message: Record<string, unknown>, now: Date): Promise<SnsCheck>;
}

class CertificateProblem extends Error {
  constructor(
    readonly reason: 'certificate_unavailable' | 'certificate_invalid',
    readonly why: string,
  ) {
    super(why);
  }
}

interface SigningCertificate {
  notBefore: Date;
  notAfter: Date;
  key(hash: 'SHA-1' | 'SHA-256'): Promise<CryptoKey>;
}

async function readCertificate(pem: string): Promise<SigningCertificate> {
  const validity = certificateValidity(pem);
  if (!validity) throw new CertificateProblem('certificate_invalid', 'not a PEM X.509 certificate');
  let spki: Uint8Array<ArrayBuffer> | null;
  try {
    // jose reads the SubjectPublicKeyInfo out of the certificate; 'RS256' only makes it insist on
    // an RSA key. The hash SNS used is chosen per message below.
    spki = pemBody(await exportSPKI(await importX509(pem, 'RS256', { extractable: true })), 'PUBLIC KEY');
  } catch (e) {
    throw new CertificateProblem('certificate_invalid', e instanceof Error ? e.message : String(e));
  }
  if (!spki) throw new CertificateProblem('certificate_invalid', 'no public key');
  const keys = new Map<string, Promise<CryptoKey>>();
  return {
    ...validity,
    key(hash) {
      let k = keys.get(hash);
      if (!k) {
        k = crypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']);
        keys.set(hash, k);
      }
      return k;
    },
  };
}

async function fetchWithin(fetcher: CertificateFetcher, url: string, ms: number): Promise<string> {
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Raced, not only signalled: a fetcher that ignores the signal still cannot hold the request.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([fetcher(url, abort.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const clip = (v: unknown, max = 256) => (typeof v === 'string' ? (v.length > max ? `${v.slice(0, max)}…` : v) : String(v));
const day = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Makes the verifier the mail-sender route applies to SNS messages. Certificates are cached
 * by URL, in flight too, so a burst of notifications fetches each certificate once; a failed
 * fetch is not cached (the next message tries again).
 *
 * @example
 * const sns = createSnsVerifier({ fetchCertificate: fetchCertificateOverHttps, topicArns: ['arn:aws:sns:eu-west-1:123456789012:ses-bounces'] });
 * const result = await sns.check(JSON.parse(body), new Date());
 * if (!result.ok) console.log(result.reason, result.detail);
 */
export function createSnsVerifier(opts: SnsVerifierOptions): SnsVerifier {
  const verifySignatures = opts.verifySignatures ?? true;
  const topics = new Set(opts.topicArns ?? []);
  const timeoutMs = opts.timeoutMs ?? 5000;
  const cacheSize = Math.max(1, opts.cacheSize ?? 16);
  const cache = new Map<string, Promise<SigningCertificate>>();

  const certificate = (url: string): Promise<SigningCertificate> => {
    const hit = cache.get(url);
    if (hit) {
      // Least recently used goes first: move the hit to the end.
      cache.delete(url);
      cache.set(url, hit);
      return hit;
    }
    const loading = fetchWithin(opts.fetchCertificate, url, timeoutMs).then(
      (pem) => readCertificate(pem),
      (e: unknown) => {
        throw new CertificateProblem('certificate_unavailable', e instanceof Error ? e.message : String(e));
      },
    );
    cache.set(url, loading);
    while (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
    loading.catch(() => {
      if (cache.get(url) === loading) cache.delete(url);
    });
    return loading;
  };

  const refuse = (reason: SnsRefusalReason, detail: string, cause?: string): SnsCheck => ({ ok: false, reason, detail, ...(cause ? { cause } : {}) });

  return {
    async check(m, now) {
      if (topics.size > 0 && !(typeof m.TopicArn === 'string' && topics.has(m.TopicArn))) {
        return refuse('topic_not_allowed', `The SNS topic ${clip(m.TopicArn)} is not one this service accepts (SNS_TOPIC_ARNS).`);
      }
      if (!verifySignatures) return { ok: true };

      if (typeof m.Signature !== 'string' || m.Signature === '') return refuse('signature_missing', 'The SNS message has no Signature.');
      const version = m.SignatureVersion;
      if (version !== '1' && version !== '2') {
        const which =
          version === undefined || version === null ? 'The SNS message has no SignatureVersion' : `SignatureVersion ${clip(version, 20)} is not supported`;
        return refuse('signature_version_unsupported', `${which}; Amazon SNS signs with version 1 (SHA1withRSA) or 2 (SHA256withRSA).`);
      }
      const signature = decodeBase64(m.Signature);
      if (!signature) return refuse('signature_invalid', 'The SNS Signature is not base64.');
      const signed = snsStringToSign(m);
      if ('missing' in signed) return refuse('field_missing', `The SNS message has no ${signed.missing}, which its signature covers.`);
      const url = snsCertificateUrl(m.SigningCertURL);
      if (!url) {
        return refuse(
          'certificate_url_refused',
          'SigningCertURL is not an Amazon SNS certificate (https://sns.<region>.amazonaws.com/….pem); it was not fetched.',
        );
      }

      let cert: SigningCertificate;
      try {
        cert = await certificate(url);
      } catch (e) {
        if (!(e instanceof CertificateProblem)) throw e;
        return e.reason === 'certificate_unavailable'
          ? refuse(e.reason, 'The SNS signing certificate could not be fetched; nothing was applied. Amazon SNS retries the delivery.', e.why)
          : refuse(e.reason, 'SigningCertURL does not serve an RSA X.509 certificate.', e.why);
      }
      if (now < cert.notBefore || now > cert.notAfter) {
        return refuse('certificate_not_current', `The SNS signing certificate is valid from ${day(cert.notBefore)} to ${day(cert.notAfter)} only.`);
      }
      const key = await cert.key(version === '1' ? 'SHA-1' : 'SHA-256');
      const valid = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, new TextEncoder().encode(signed.text));
      return valid
        ? { ok: true }
        : refuse('signature_invalid', 'The SNS message signature does not verify: the message was changed after signing, or not signed by Amazon SNS.');
    },
  };
}
