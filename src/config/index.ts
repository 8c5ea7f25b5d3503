import { z } from 'zod';
import { parseTrustProxy, type TrustProxy } from '../privacy/client-ip.js';
import { settingMax } from '../requests/deadlines.js';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const validTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/**
 * The environment as the service reads it. Every variable is optional so that
 * `npm start` works on a fresh machine; production refuses to run on generated secrets
 * (see {@link loadConfig}).
 */
export const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: int(3000, 0, 65535),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DB_POOL_MAX: int(10, 1, 200),
  // Bounds on the database (README "Timeouts and limits"): past them a request answers 503.
  DB_ACQUIRE_TIMEOUT_MS: int(5_000, 100, 120_000),
  DB_STATEMENT_TIMEOUT_MS: int(15_000, 100, 3_600_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: int(30_000, 100, 3_600_000),
  // Slow clients: behind a proxy these only ever meet the proxy, which buffers for the client.
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 100, 600_000),
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 100, 3_600_000),
  // Above the usual proxy idle timeout (60 s), so the proxy, not us, closes an idle connection.
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(65_000, 100, 600_000),
  HTTP_MAX_CONNECTIONS: int(1_024, 1, 1_000_000),
  MIGRATE_ON_START: bool(true),
  LINK_SIGNING_KEYS: z.string().min(1).optional(),
  SUPPRESSION_HASH_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  DOUBLE_OPT_IN: bool(true),
  CADENCE_MAX_PER_WINDOW: int(3, 1, 100),
  CADENCE_WINDOW_DAYS: int(30, 1, 366),
  CADENCE_MIN_GAP_HOURS: int(72, 0, 24 * 366),
  CADENCE_WINDOW_MODE: z.enum(['rolling', 'calendar_month']).default('rolling'),
  CADENCE_RESERVATION_TTL_HOURS: int(24, 1, 24 * 30),
  CADENCE_LEDGER_RETENTION_DAYS: int(400, 31, 3660),
  PREFERENCES_LINK_TTL_DAYS: int(90, 1, 3660),
  WITHDRAWAL_LINK_TTL_DAYS: int(365, 1, 3660),
  CONFIRMATION_LINK_TTL_DAYS: int(30, 1, 3660),
  ERASURE_DUE_BUSINESS_DAYS: int(2, 1, 30),
  ERASURE_GRACE_HOURS: int(24, 0, 24 * 30),
  REQUEST_DUE_BUSINESS_DAYS: int(10, 1, 60),
  CALENDAR_DIR: z.string().min(1).optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  // An HTTP mail API instead of SMTP (the Workers entry's way out; see emails/http-mailer.ts).
  MAIL_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  MAIL_API_KEY: z.string().min(1).optional(),
  MAIL_API_FORMAT: z.enum(['json', 'postmark']).default('json'),
  MAIL_FROM: z.string().min(3).default('Mailing preferences <no-reply@localhost>'),
  UNSUBSCRIBE_MAILTO: z
    .email()
    .refine((v) => !v.split('@')[0]!.includes('+'), 'the address without a +detail: the link token takes that place')
    .optional(),
  // The built-in listener for the mailto: entry (src/node/inbound-smtp.ts); unset: none.
  INBOUND_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  INBOUND_SMTP_HOST: z.string().min(1).optional(),
  INBOUND_SMTP_MAX_BYTES: int(256 * 1024, 1024, 32 * 1024 * 1024),
  INBOUND_SMTP_MAX_CLIENTS: int(50, 1, 10_000),
  INBOUND_SMTP_TIMEOUT_MS: int(30_000, 1_000, 600_000),
  OUTBOX_MAX_ATTEMPTS: int(10, 1, 100),
  PUSH_BATCH_SIZE: int(1000, 1, 1000),
  SOFT_BOUNCE_THRESHOLD: int(3, 1, 100),
  SOFT_BOUNCE_WINDOW_DAYS: int(30, 1, 365),
  SNS_VERIFY_SIGNATURES: bool(true),
  SNS_TOPIC_ARNS: z
    .string()
    .refine(
      (v) => v.split(',').every((a) => /^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(a.trim())),
      'one or more SNS topic ARNs (arn:aws:sns:<region>:<account>:<topic>), comma-separated',
    )
    .optional(),
  MAIL_SENDER_PUSH_URL: z
    .string()
    .refine((v) => v.split(',').every((u) => /^https?:\/\/[^\s]+$/.test(u.trim())), 'one or more http(s) URLs, comma-separated')
    .optional(),
  PUSH_SIGNING_KEYS: z.string().min(1).optional(),
  DEFAULT_LOCALE: z.enum(['ru', 'en']).default('ru'),
  TIME_ZONE: z.string().refine(validTimeZone, 'must be an IANA time zone such as Europe/Moscow').default('Europe/Moscow'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  JOBS_INTERVAL_SECONDS: int(60, 0, 86_400),
  API_BODY_LIMIT_BYTES: int(1024 * 1024, 1024, 64 * 1024 * 1024),
  // The staff import routes (POST /v1/imports/...) stream their CSV body; this bounds it (1 GiB by default).
  IMPORT_BODY_LIMIT_BYTES: z.coerce
    .number({ message: 'must be a number of bytes' })
    .int('must be a whole number of bytes')
    .min(1024, 'must be at least 1024 bytes')
    .max(64 * 1024 * 1024 * 1024, 'must be at most 64 GiB')
    .default(1024 * 1024 * 1024),
  // Which proxies in front of the service may name the client (X-Forwarded-For, read right to
  // left): false, a hop count (true = 1) or the proxies' CIDRs. See src/privacy/client-ip.ts.
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v, ctx) => {
      const t = parseTrustProxy(v);
      if (typeof t !== 'string') return t;
      ctx.addIssue({ code: 'custom', message: t });
      return z.NEVER;
    }),
  // The operator: whose mail this is and how to reach a person. Required in production
  // (OPERATOR_VARIABLES); in development, placeholders that say they are placeholders.
  ORG_NAME: z.string().trim().min(1).max(200).optional(),
  ORG_URL: z.url({ protocol: /^https?$/ }).optional(),
  SUPPORT_EMAIL: z.email().optional(),
  POLICY_URL: z.url({ protocol: /^https?$/ }).optional(),
  // After a one-click unsubscribe nothing more is mailed unless the operator opts in.
  NOTIFY_ON_UNSUBSCRIBE: bool(false),
  // Prometheus metrics (README "Metrics"): on a port of their own without auth, else on the
  // public port to a key with `metrics:read`. The database's gauges are read within the bound.
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  METRICS_DB_TIMEOUT_MS: int(2_000, 50, 60_000),
  // SIGTERM: in-flight requests and the job in hand get this long, then the process exits 1.
  SHUTDOWN_GRACE_MS: int(10_000, 100, 600_000),
  // The dashboard's session cookie (src/admin/session.ts): its HMAC key, else one derived from
  // SUPPRESSION_HASH_KEY with HKDF; and how long a sign-in lasts.
  ADMIN_SESSION_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  ADMIN_SESSION_HOURS: int(8, 1, 24 * 7),
});

/** The operator's identity, required when NODE_ENV=production. */
export const OPERATOR_VARIABLES = ['ORG_NAME', 'ORG_URL', 'SUPPORT_EMAIL', 'POLICY_URL'] as const;

/**
 * Development stand-ins for the operator's identity: plainly placeholders on every page and in
 * every mail (the `.example` domain is reserved and never resolves), so nobody mistakes a
 * development instance for a real operator.
 */
export const OPERATOR_PLACEHOLDERS = {
  name: 'Example Operator (set ORG_NAME)',
  url: 'https://operator.example/',
  supportEmail: 'support@operator.example',
} as const;

/** The bare address of a `MAIL_FROM` such as `Рассылка <news@example.ru>`. */
export function mailFromAddress(mailFrom: string): string {
  return (/<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom).trim();
}

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: string;
  production: boolean;
  port: number;
  publicBaseUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  dbPoolMax: number;
  /**
   * PostgreSQL bounds, in ms: the wait for a pool connection, any one statement, a transaction
   * left idle. Migrations have no statement bound (db/handle.ts `withoutStatementTimeout`).
   */
  db: { acquireTimeoutMs: number; statementTimeoutMs: number; idleInTransactionTimeoutMs: number };
  /** The Node HTTP server's limits on slow and numerous clients (node/http-server.ts). */
  http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number; maxConnections: number };
  migrateOnStart: boolean;
  /** Raw JWK set (JSON) from configuration; undefined means "generate and keep in DATA_DIR". */
  linkSigningKeys: string | undefined;
  suppressionHashKey: string | undefined;
  doubleOptIn: boolean;
  cadence: {
    maxPerWindow: number;
    windowDays: number;
    minGapHours: number;
    windowMode: 'rolling' | 'calendar_month';
    reservationTtlHours: number;
    ledgerRetentionDays: number;
  };
  linkTtlDays: { preferences: number; withdrawal: number; confirmation: number };
  erasureDueBusinessDays: number;
  /**
   * Hours between a withdrawal and its erasure, for the person to download a copy and for staff
   * to answer open requests; never past the due time (see erasure/schedule.ts).
   */
  erasureGraceHours: number;
  requestDueBusinessDays: number;
  /** Extra production-calendar years (xmlcalendar files) an operator adds without a release. */
  calendarDir: string | undefined;
  smtpUrl: string | undefined;
  /** The HTTP mail API (`MAIL_API_URL`, `MAIL_API_KEY`, `MAIL_API_FORMAT`); undefined without a URL. */
  mailApi: { url: string; key: string; format: 'json' | 'postmark' } | undefined;
  mailFrom: string;
  /** The `mailto:` entry of `List-Unsubscribe` (`UNSUBSCRIBE_MAILTO`); unset: the header has the https link only. */
  unsubscribeMailto: string | undefined;
  /** The built-in SMTP listener for that address (`INBOUND_SMTP_*`); null: none. */
  inboundSmtp: { port: number; host: string | undefined; maxBytes: number; maxClients: number; socketTimeoutMs: number } | null;
  /** The operator (`ORG_NAME`), named on every page and in every mail. */
  orgName: string;
  /** The operator's site (`ORG_URL`): where a person subscribes again. */
  orgUrl: string;
  /** A person who answers (`SUPPORT_EMAIL`), on every page and in every mail; never the no-reply sender. */
  supportEmail: string;
  /** Where the privacy policy is published: `POLICY_URL`, or this service's template at `/privacy`. */
  policyUrl: string;
  /** Whether `policyUrl` is the operator's own policy (`POLICY_URL` set elsewhere) rather than the built-in template. */
  ownPolicy: boolean;
  /** True while any of the operator's settings is a development placeholder. */
  operatorPlaceholders: boolean;
  outboxMaxAttempts: number;
  /** Soft bounces of one address within the window that suppress it as bounced. */
  softBounces: { threshold: number; windowDays: number };
  /** Amazon SNS deliveries: signatures verified (off only in development); topics accepted (empty: any). */
  sns: { verifySignatures: boolean; topicArns: string[] };
  /** Endpoints that receive signed suppression pushes (none: no pushes). */
  pushEndpoints: string[];
  /** Changes per push request (1 to 1,000), for receivers that want small requests. */
  pushBatchSize: number;
  /** Raw JWK set for signing pushes; undefined means "generate and keep in DATA_DIR". */
  pushSigningKeys: string | undefined;
  defaultLocale: 'ru' | 'en';
  timeZone: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  apiBodyLimitBytes: number;
  /** The most bytes a staff import's streamed CSV body may have (IMPORT_BODY_LIMIT_BYTES). */
  importBodyLimitBytes: number;
  /** Take the client IP (evidence, rate limits) from `X-Forwarded-For`; only behind your own proxy. */
  /** Which proxies may name the client's address (`TRUST_PROXY`). */
  trustProxy: TrustProxy;
  /** How often the server runs background jobs in-process; 0 turns the loop off. */
  jobsIntervalSeconds: number;
  /** Mail the `unsubscribed` notice after a one-click unsubscribe (off: stop means stop). */
  notifyOnUnsubscribe: boolean;
  /**
   * `/metrics`: `port` set (`METRICS_PORT`) serves it there on `host` without auth and not on
   * the public port; null serves it on the public port to a key with `metrics:read`.
   * `dbTimeoutMs` bounds the database's gauges at each scrape.
   */
  metrics: { port: number | null; host: string; dbTimeoutMs: number };
  /** How long a SIGTERM may take (in-flight requests, the job in hand) before the process exits 1. */
  shutdownGraceMs: number;
  /** The dashboard (`/admin`): the session cookie's key (`ADMIN_SESSION_KEY`; unset: derived) and lifetime. */
  admin: { sessionKey: string | undefined; sessionHours: number };
}

/** Thrown when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment into a {@link Config}, collecting every problem at once.
 *
 * `sendsMail: false` is for an entry that never delivers mail itself, so production does not
 * ask it for `SMTP_URL`. `mail: 'http'` is for an entry that sends through the HTTP mail API
 * (the Workers entry): production asks it for `MAIL_API_URL` and `MAIL_API_KEY` instead.
 *
 * @example
 * const config = loadConfig(process.env);
 */
export function loadConfig(env: Record<string, string | undefined>, opts: { sendsMail?: boolean; mail?: 'smtp' | 'http' } = {}): Config {
  // Empty strings are treated as unset: `FOO= npm start` should mean the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '(environment)');
      problems.push(`${name}: ${issue.message}`);
    }
  }
  // Checked on the raw values too, so one start names every problem, not the first round.
  if (cleaned.NODE_ENV === 'production') {
    for (const name of ['LINK_SIGNING_KEYS', 'SUPPRESSION_HASH_KEY', 'PUBLIC_BASE_URL']) {
      if (!cleaned[name]) problems.push(`${name}: required when NODE_ENV=production`);
    }
    for (const name of OPERATOR_VARIABLES) {
      if (!cleaned[name]) problems.push(`${name}: required when NODE_ENV=production (the operator's identity on every page and mail)`);
    }
    if (cleaned.MAIL_SENDER_PUSH_URL && !cleaned.PUSH_SIGNING_KEYS)
      problems.push('PUSH_SIGNING_KEYS: required with MAIL_SENDER_PUSH_URL when NODE_ENV=production');
    // RFC 8058: the one-click List-Unsubscribe URI must be https; every link we sign starts here.
    // Loopback too: a production instance signs links for mailboxes, never for this machine.
    if (cleaned.PUBLIC_BASE_URL && !/^https:\/\//i.test(cleaned.PUBLIC_BASE_URL))
      problems.push('PUBLIC_BASE_URL: must be https when NODE_ENV=production (RFC 8058 requires an https List-Unsubscribe URI)');
    if (parsed.success && !parsed.data.SNS_VERIFY_SIGNATURES)
      problems.push('SNS_VERIFY_SIGNATURES: may be false only in development, not when NODE_ENV=production');
  }
  // Mail in production must reach people: without a relay it would pile up as .eml files nobody reads.
  if (cleaned.NODE_ENV === 'production' && opts.sendsMail !== false && opts.mail !== 'http' && !cleaned.SMTP_URL && !cleaned.MAIL_API_URL) {
    problems.push('SMTP_URL: required when NODE_ENV=production, or MAIL_API_URL (without either, mail is only written as .eml files under DATA_DIR)');
  }
  if (cleaned.NODE_ENV === 'production' && (opts.mail === 'http' || cleaned.MAIL_API_URL)) {
    if (!cleaned.MAIL_API_URL) problems.push('MAIL_API_URL: required when NODE_ENV=production on this runtime (mail goes out through the HTTP mail API)');
    // The key travels with every message: only over TLS, or to this machine (a local relay).
    else if (!/^https:\/\//i.test(cleaned.MAIL_API_URL) && !isLoopbackUrl(cleaned.MAIL_API_URL))
      problems.push('MAIL_API_URL: must be https when NODE_ENV=production (http only to a loopback address)');
  }
  if (cleaned.MAIL_API_URL && !cleaned.MAIL_API_KEY) problems.push('MAIL_API_KEY: required with MAIL_API_URL (the mail API authenticates every message)');
  // A deadline may be configured shorter than the law's, never longer (src/requests/deadlines.ts).
  for (const name of ['ERASURE_DUE_BUSINESS_DAYS', 'REQUEST_DUE_BUSINESS_DAYS'] as const) {
    const max = settingMax(name);
    if (parsed.success && parsed.data[name] > max) problems.push(`${name}: at most ${max} (the deadline 152-FZ sets); shorter is allowed, longer is not`);
  }
  if (parsed.success && parsed.data.CADENCE_LEDGER_RETENTION_DAYS < Math.max(parsed.data.CADENCE_WINDOW_DAYS, 31)) {
    problems.push('CADENCE_LEDGER_RETENTION_DAYS: must be at least CADENCE_WINDOW_DAYS (and 31): sends still counting must not be deleted');
  }
  // A listener for an address nobody is told about would only collect other people's mail.
  if (cleaned.INBOUND_SMTP_PORT && !cleaned.UNSUBSCRIBE_MAILTO) {
    problems.push('INBOUND_SMTP_PORT: needs UNSUBSCRIBE_MAILTO (the only address the listener accepts mail for)');
  }
  // Node refuses a header timeout longer than the whole request's.
  if (parsed.success && parsed.data.HTTP_HEADERS_TIMEOUT_MS > parsed.data.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  }
  const base = parsed.success ? (parsed.data.PUBLIC_BASE_URL ?? `http://localhost:${parsed.data.PORT}`).replace(/\/+$/, '') : '';
  if (parsed.success && parsed.data.SUPPORT_EMAIL && parsed.data.SUPPORT_EMAIL.toLowerCase() === mailFromAddress(parsed.data.MAIL_FROM).toLowerCase()) {
    problems.push('SUPPORT_EMAIL: must be an address a person reads, not the MAIL_FROM sender');
  }
  // In production the policy must be the operator's own: the built-in page is a template.
  if (parsed.success && cleaned.NODE_ENV === 'production' && parsed.data.POLICY_URL && sameUrl(parsed.data.POLICY_URL, `${base}/privacy`)) {
    problems.push(`POLICY_URL: must be your own published policy, not this service's template at ${base}/privacy`);
  }
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const ownPolicy = !!e.POLICY_URL && !sameUrl(e.POLICY_URL, `${base}/privacy`);

  return {
    env: e.NODE_ENV,
    production,
    port: e.PORT,
    publicBaseUrl: base,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    dbPoolMax: e.DB_POOL_MAX,
    db: {
      acquireTimeoutMs: e.DB_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      idleInTransactionTimeoutMs: e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
    },
    migrateOnStart: e.MIGRATE_ON_START,
    linkSigningKeys: e.LINK_SIGNING_KEYS,
    suppressionHashKey: e.SUPPRESSION_HASH_KEY,
    doubleOptIn: e.DOUBLE_OPT_IN,
    cadence: {
      maxPerWindow: e.CADENCE_MAX_PER_WINDOW,
      windowDays: e.CADENCE_WINDOW_DAYS,
      minGapHours: e.CADENCE_MIN_GAP_HOURS,
      windowMode: e.CADENCE_WINDOW_MODE,
      reservationTtlHours: e.CADENCE_RESERVATION_TTL_HOURS,
      ledgerRetentionDays: e.CADENCE_LEDGER_RETENTION_DAYS,
    },
    linkTtlDays: {
      preferences: e.PREFERENCES_LINK_TTL_DAYS,
      withdrawal: e.WITHDRAWAL_LINK_TTL_DAYS,
      confirmation: e.CONFIRMATION_LINK_TTL_DAYS,
    },
    erasureDueBusinessDays: e.ERASURE_DUE_BUSINESS_DAYS,
    erasureGraceHours: e.ERASURE_GRACE_HOURS,
    requestDueBusinessDays: e.REQUEST_DUE_BUSINESS_DAYS,
    calendarDir: e.CALENDAR_DIR,
    smtpUrl: e.SMTP_URL,
    mailApi: e.MAIL_API_URL ? { url: e.MAIL_API_URL, key: e.MAIL_API_KEY!, format: e.MAIL_API_FORMAT } : undefined,
    mailFrom: e.MAIL_FROM,
    unsubscribeMailto: e.UNSUBSCRIBE_MAILTO,
    inboundSmtp:
      e.INBOUND_SMTP_PORT === undefined
        ? null
        : {
            port: e.INBOUND_SMTP_PORT,
            host: e.INBOUND_SMTP_HOST,
            maxBytes: e.INBOUND_SMTP_MAX_BYTES,
            maxClients: e.INBOUND_SMTP_MAX_CLIENTS,
            socketTimeoutMs: e.INBOUND_SMTP_TIMEOUT_MS,
          },
    orgName: e.ORG_NAME ?? OPERATOR_PLACEHOLDERS.name,
    orgUrl: e.ORG_URL ?? OPERATOR_PLACEHOLDERS.url,
    supportEmail: e.SUPPORT_EMAIL ?? OPERATOR_PLACEHOLDERS.supportEmail,
    policyUrl: ownPolicy ? e.POLICY_URL! : `${base}/privacy`,
    ownPolicy,
    operatorPlaceholders: !e.ORG_NAME || !e.ORG_URL || !e.SUPPORT_EMAIL,
    outboxMaxAttempts: e.OUTBOX_MAX_ATTEMPTS,
    softBounces: { threshold: e.SOFT_BOUNCE_THRESHOLD, windowDays: e.SOFT_BOUNCE_WINDOW_DAYS },
    sns: {
      verifySignatures: e.SNS_VERIFY_SIGNATURES,
      topicArns: (e.SNS_TOPIC_ARNS ?? '')
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    },
    pushEndpoints: (e.MAIL_SENDER_PUSH_URL ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean),
    pushBatchSize: e.PUSH_BATCH_SIZE,
    pushSigningKeys: e.PUSH_SIGNING_KEYS,
    defaultLocale: e.DEFAULT_LOCALE,
    timeZone: e.TIME_ZONE,
    logLevel: e.LOG_LEVEL,
    apiBodyLimitBytes: e.API_BODY_LIMIT_BYTES,
    importBodyLimitBytes: e.IMPORT_BODY_LIMIT_BYTES,
    jobsIntervalSeconds: e.JOBS_INTERVAL_SECONDS,
    notifyOnUnsubscribe: e.NOTIFY_ON_UNSUBSCRIBE,
    trustProxy: e.TRUST_PROXY,
    metrics: { port: e.METRICS_PORT ?? null, host: e.METRICS_HOST, dbTimeoutMs: e.METRICS_DB_TIMEOUT_MS },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    admin: { sessionKey: e.ADMIN_SESSION_KEY, sessionHours: e.ADMIN_SESSION_HOURS },
  };
}

/** Whether a URL names this machine (127.0.0.0/8, ::1, localhost). */
function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/** Two URLs naming the same page (trailing slash and case of the host aside). */
function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      const x = new URL(u);
      return `${x.protocol}//${x.host}${x.pathname.replace(/\/+$/, '')}${x.search}`;
    } catch {
      return u;
    }
  };
  return norm(a) === norm(b);
}

/**
 * What a production start should hear about but may go on with, one line each: the embedded
 * database belongs to one process on one disk, with no replication or point-in-time recovery.
 */
export function productionWarnings(config: Pick<Config, 'production' | 'databaseUrl' | 'dataDir'>): string[] {
  if (!config.production || config.databaseUrl) return [];
  return [
    `NODE_ENV=production on the embedded database in ${config.dataDir} (no DATABASE_URL): one process, no replication; set DATABASE_URL to a PostgreSQL for production`,
  ];
}
