import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, productionWarnings } from '../../src/config/index.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  LINK_SIGNING_KEYS: '{"keys":[]}',
  SUPPRESSION_HASH_KEY: 'k'.repeat(40),
  PUBLIC_BASE_URL: 'https://prefs.example.ru',
  ORG_NAME: 'ООО «Ромашка»',
  ORG_URL: 'https://romashka.example.ru/',
  SUPPORT_EMAIL: 'privacy@romashka.example.ru',
  POLICY_URL: 'https://romashka.example.ru/privacy',
  SMTP_URL: 'smtps://mailer:secret@smtp.romashka.example.ru:465',
};

function configError(env: Record<string, string | undefined>, opts?: Parameters<typeof loadConfig>[1]): ConfigError {
  try {
    loadConfig(env, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.publicBaseUrl).toBe('http://localhost:3000');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe('./data');
    expect(c.linkSigningKeys).toBeUndefined();
    expect(c.suppressionHashKey).toBeUndefined();
    expect(c.doubleOptIn).toBe(true);
    expect(c.cadence).toMatchObject({ maxPerWindow: 3, windowDays: 30, minGapHours: 72 });
    expect(c.smtpUrl).toBeUndefined();
    expect(c.pushEndpoints).toEqual([]);
    expect(c.defaultLocale).toBe('ru');
    expect(c.timeZone).toBe('Europe/Moscow');
    expect(c.logLevel).toBe('info');
    expect(c.production).toBe(false);
  });

  it('derives the public base URL from PORT, and strips a trailing slash from PUBLIC_BASE_URL', () => {
    expect(loadConfig({ PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://prefs.example.ru/' }).publicBaseUrl).toBe('https://prefs.example.ru');
  });

  it('treats empty variables as unset', () => {
    const c = loadConfig({ PORT: '', DOUBLE_OPT_IN: '', DATABASE_URL: '', TIME_ZONE: '' });
    expect(c.port).toBe(3000);
    expect(c.doubleOptIn).toBe(true);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.timeZone).toBe('Europe/Moscow');
  });

  it('reads the values it is given', () => {
    const c = loadConfig({
      PORT: '8081',
      DATABASE_URL: 'postgresql://u@db/prefs',
      DOUBLE_OPT_IN: 'false',
      CADENCE_MAX_PER_WINDOW: '1',
      CADENCE_WINDOW_DAYS: '7',
      CADENCE_MIN_GAP_HOURS: '0',
      DEFAULT_LOCALE: 'en',
      TIME_ZONE: 'Asia/Yekaterinburg',
    });
    expect(c).toMatchObject({
      port: 8081,
      databaseUrl: 'postgresql://u@db/prefs',
      doubleOptIn: false,
      cadence: { maxPerWindow: 1, windowDays: 7, minGapHours: 0 },
      defaultLocale: 'en',
      timeZone: 'Asia/Yekaterinburg',
    });
  });

  it('reads TRUST_PROXY as off, a hop count (true = 1 hop, as before) or a list of proxy CIDRs, refusing anything else', () => {
    expect(loadConfig({}).trustProxy).toEqual({ kind: 'none' });
    expect(loadConfig({ TRUST_PROXY: 'no' }).trustProxy).toEqual({ kind: 'none' });
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toEqual({ kind: 'hops', hops: 1 });
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toEqual({ kind: 'hops', hops: 1 });
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toEqual({ kind: 'hops', hops: 2 });
    const cidrs = loadConfig({ TRUST_PROXY: '10.0.0.0/8, 2001:db8::/32, 192.0.2.1' }).trustProxy;
    expect(cidrs.kind === 'cidrs' && cidrs.ranges.length).toBe(3);
    for (const bad of ['on', '11', '10.0.0.0/40', 'proxy.internal']) {
      const e = configError({ TRUST_PROXY: bad });
      expect(
        e.problems.map((p) => p.split(':')[0]),
        bad,
      ).toEqual(['TRUST_PROXY']);
    }
  });

  it('names every bad variable in one ConfigError', () => {
    const e = configError({ PORT: 'abc', TIME_ZONE: 'Mars/Base', DATABASE_URL: 'mysql://x', DEFAULT_LOCALE: 'de', DOUBLE_OPT_IN: 'maybe' });
    for (const name of ['PORT', 'TIME_ZONE', 'DATABASE_URL', 'DEFAULT_LOCALE', 'DOUBLE_OPT_IN']) expect(e.message).toContain(name);
    expect(e.problems).toHaveLength(5);
    // Variables that are fine are not blamed.
    expect(e.message).not.toContain('CADENCE');
  });

  it('refuses in production without the secrets, PUBLIC_BASE_URL, SMTP_URL and the operator identity, naming each', () => {
    const e = configError({ NODE_ENV: 'production' });
    const names = ['LINK_SIGNING_KEYS', 'SUPPRESSION_HASH_KEY', 'PUBLIC_BASE_URL', 'ORG_NAME', 'ORG_URL', 'SUPPORT_EMAIL', 'POLICY_URL', 'SMTP_URL'];
    for (const name of names) expect(e.message).toContain(name);
    expect(e.problems).toHaveLength(names.length);
  });

  it('names only what is missing in production', () => {
    const e = configError({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://prefs.example.ru', SUPPRESSION_HASH_KEY: 'k'.repeat(40) });
    expect(e.message).toContain('LINK_SIGNING_KEYS');
    expect(e.message).not.toContain('SUPPRESSION_HASH_KEY');
    expect(e.message).not.toContain('PUBLIC_BASE_URL');
  });

  it('names malformed and missing production variables together in one error', () => {
    const e = configError({ NODE_ENV: 'production', PORT: 'abc' });
    for (const name of ['PORT', 'LINK_SIGNING_KEYS', 'SUPPRESSION_HASH_KEY', 'PUBLIC_BASE_URL', 'ORG_NAME']) expect(e.message).toContain(name);
  });

  it('starts in production when the secrets, the public URL and the operator are given', () => {
    const c = loadConfig(PRODUCTION);
    expect(c.production).toBe(true);
    expect(c.publicBaseUrl).toBe('https://prefs.example.ru');
    expect(c).toMatchObject({
      orgName: 'ООО «Ромашка»',
      orgUrl: 'https://romashka.example.ru/',
      supportEmail: 'privacy@romashka.example.ru',
      policyUrl: 'https://romashka.example.ru/privacy',
      ownPolicy: true,
      operatorPlaceholders: false,
    });
  });

  it('names only the operator settings that are missing in production', () => {
    const { ORG_URL: _url, POLICY_URL: _policy, ...rest } = PRODUCTION;
    const e = configError(rest);
    expect(e.problems.map((p) => p.split(':')[0])).toEqual(['ORG_URL', 'POLICY_URL']);
  });

  it("refuses in production a POLICY_URL that is only this service's own template page", () => {
    for (const url of ['https://prefs.example.ru/privacy', 'https://PREFS.example.ru/privacy/']) {
      const e = configError({ ...PRODUCTION, POLICY_URL: url });
      expect(e.problems).toHaveLength(1);
      expect(e.message).toMatch(/POLICY_URL: must be your own published policy/);
    }
  });

  it('refuses a SUPPORT_EMAIL that is the MAIL_FROM sender, in development too', () => {
    for (const env of [
      { MAIL_FROM: 'Рассылка <news@example.ru>', SUPPORT_EMAIL: 'news@example.ru' },
      { MAIL_FROM: 'News@Example.ru', SUPPORT_EMAIL: 'news@example.ru' },
      { ...PRODUCTION, MAIL_FROM: 'Ромашка <privacy@romashka.example.ru>' },
    ]) {
      expect(configError(env).message).toContain('SUPPORT_EMAIL: must be an address a person reads, not the MAIL_FROM sender');
    }
    expect(loadConfig({ MAIL_FROM: 'Рассылка <news@example.ru>', SUPPORT_EMAIL: 'help@example.ru' }).supportEmail).toBe('help@example.ru');
  });

  it('never offers the sender as the contact: without SUPPORT_EMAIL development shows a placeholder, not MAIL_FROM', () => {
    const c = loadConfig({ MAIL_FROM: 'Рассылка <news@example.ru>' });
    expect(c.supportEmail).not.toContain('news@example.ru');
    expect(c.supportEmail).toBe('support@operator.example');
  });

  it('gives development placeholders that say so, and the built-in policy template', () => {
    const c = loadConfig({ PORT: '8080' });
    expect(c.orgName).toMatch(/ORG_NAME/);
    expect(c.orgUrl).toMatch(/\.example\/$/);
    expect(c.supportEmail).toMatch(/@operator\.example$/);
    expect(c.policyUrl).toBe('http://localhost:8080/privacy');
    expect(c).toMatchObject({ ownPolicy: false, operatorPlaceholders: true });
    // POLICY_URL naming the template itself is still the template.
    expect(loadConfig({ PORT: '8080', POLICY_URL: 'http://localhost:8080/privacy' }).ownPolicy).toBe(false);
  });

  it('refuses malformed operator settings, naming each', () => {
    const e = configError({ ORG_NAME: '   ', ORG_URL: 'javascript:alert(1)', SUPPORT_EMAIL: 'not-an-address', POLICY_URL: 'ftp://x.example/p' });
    expect(e.problems.map((p) => p.split(':')[0]).sort()).toEqual(['ORG_NAME', 'ORG_URL', 'POLICY_URL', 'SUPPORT_EMAIL']);
  });

  it('refuses a suppression hash key shorter than 32 characters', () => {
    expect(configError({ SUPPRESSION_HASH_KEY: 'short' }).message).toContain('SUPPRESSION_HASH_KEY');
  });

  it('bounds the database and the HTTP server by default, with the documented values', () => {
    const c = loadConfig({});
    expect(c.db).toEqual({ acquireTimeoutMs: 5_000, statementTimeoutMs: 15_000, idleInTransactionTimeoutMs: 30_000 });
    expect(c.http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, maxConnections: 1_024 });
  });

  it('reads the database and HTTP limits it is given', () => {
    const c = loadConfig({
      DB_ACQUIRE_TIMEOUT_MS: '250',
      DB_STATEMENT_TIMEOUT_MS: '2000',
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '4000',
      HTTP_HEADERS_TIMEOUT_MS: '500',
      HTTP_REQUEST_TIMEOUT_MS: '800',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '1500',
      HTTP_MAX_CONNECTIONS: '7',
    });
    expect(c.db).toEqual({ acquireTimeoutMs: 250, statementTimeoutMs: 2000, idleInTransactionTimeoutMs: 4000 });
    expect(c.http).toEqual({ headersTimeoutMs: 500, requestTimeoutMs: 800, keepAliveTimeoutMs: 1500, maxConnections: 7 });
  });

  it('refuses limits out of range (no "0 means never": a bound that is off is the hang this prevents), naming each', () => {
    const e = configError({
      DB_ACQUIRE_TIMEOUT_MS: '0',
      DB_STATEMENT_TIMEOUT_MS: '-1',
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: 'soon',
      HTTP_HEADERS_TIMEOUT_MS: '0',
      HTTP_REQUEST_TIMEOUT_MS: '99999999999',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '1.5',
      HTTP_MAX_CONNECTIONS: '0',
    });
    expect(e.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'DB_ACQUIRE_TIMEOUT_MS',
      'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
      'DB_STATEMENT_TIMEOUT_MS',
      'HTTP_HEADERS_TIMEOUT_MS',
      'HTTP_KEEP_ALIVE_TIMEOUT_MS',
      'HTTP_MAX_CONNECTIONS',
      'HTTP_REQUEST_TIMEOUT_MS',
    ]);
  });

  it('refuses a header timeout longer than the request timeout', () => {
    expect(configError({ HTTP_HEADERS_TIMEOUT_MS: '40000', HTTP_REQUEST_TIMEOUT_MS: '30000' }).problems).toEqual([
      'HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)',
    ]);
  });
});

describe('a production start', () => {
  const prod = PRODUCTION;

  it('is refused without SMTP_URL, in one line that says why: mail would only become .eml files', () => {
    const e = configError({ ...prod, SMTP_URL: undefined as unknown as string });
    expect(e.problems).toEqual([
      'SMTP_URL: required when NODE_ENV=production, or MAIL_API_URL (without either, mail is only written as .eml files under DATA_DIR)',
    ]);
  });

  it('is refused with an http PUBLIC_BASE_URL (RFC 8058: List-Unsubscribe must be https), loopback included', () => {
    for (const url of ['http://prefs.example.ru', 'http://localhost:3000', 'http://127.0.0.1:8080']) {
      const e = configError({ ...prod, PUBLIC_BASE_URL: url });
      expect(e.problems, url).toEqual(['PUBLIC_BASE_URL: must be https when NODE_ENV=production (RFC 8058 requires an https List-Unsubscribe URI)']);
    }
    expect(loadConfig({ ...prod, PUBLIC_BASE_URL: 'https://prefs.example.ru/' }).publicBaseUrl).toBe('https://prefs.example.ru');
    // Development keeps its http default.
    expect(loadConfig({ PUBLIC_BASE_URL: 'http://localhost:3000' }).publicBaseUrl).toBe('http://localhost:3000');
  });

  it('is not refused without SMTP_URL in development, nor for an entry that sends no mail itself (sendsMail: false)', () => {
    expect(loadConfig({}).smtpUrl).toBeUndefined();
    expect(loadConfig({ ...prod, SMTP_URL: undefined as unknown as string }, { sendsMail: false }).production).toBe(true);
  });

  it('on the HTTP mail API (the Workers entry) needs MAIL_API_URL and MAIL_API_KEY instead of SMTP_URL', () => {
    const http = { ...prod, SMTP_URL: undefined as unknown as string };
    expect(configError(http, { mail: 'http' }).problems).toEqual([
      'MAIL_API_URL: required when NODE_ENV=production on this runtime (mail goes out through the HTTP mail API)',
    ]);
    expect(configError({ ...http, MAIL_API_URL: 'https://api.postmarkapp.com/email' }, { mail: 'http' }).problems).toEqual([
      'MAIL_API_KEY: required with MAIL_API_URL (the mail API authenticates every message)',
    ]);
    const ok = loadConfig({ ...http, MAIL_API_URL: 'https://api.postmarkapp.com/email', MAIL_API_KEY: 'k', MAIL_API_FORMAT: 'postmark' }, { mail: 'http' });
    expect(ok.mailApi).toEqual({ url: 'https://api.postmarkapp.com/email', key: 'k', format: 'postmark' });
    expect(loadConfig({ MAIL_API_URL: 'http://mail.internal/send', MAIL_API_KEY: 'k' }).mailApi?.format).toBe('json');
    expect(loadConfig({}).mailApi).toBeUndefined();
  });

  it('on Node takes the HTTP mail API instead of SMTP_URL in production, with the same checks', () => {
    const node = { ...prod, SMTP_URL: undefined as unknown as string };
    expect(loadConfig({ ...node, MAIL_API_URL: 'https://api.postmarkapp.com/email', MAIL_API_KEY: 'k' }).mailApi?.url).toBe(
      'https://api.postmarkapp.com/email',
    );
    expect(configError({ ...node, MAIL_API_URL: 'https://api.postmarkapp.com/email' }).problems).toEqual([
      'MAIL_API_KEY: required with MAIL_API_URL (the mail API authenticates every message)',
    ]);
    expect(configError({ ...node, MAIL_API_URL: 'http://mail.example.ru/send', MAIL_API_KEY: 'k' }).problems).toEqual([
      'MAIL_API_URL: must be https when NODE_ENV=production (http only to a loopback address)',
    ]);
  });

  it('sends the mail API key only over https, or to this machine', () => {
    const http = { ...prod, SMTP_URL: undefined as unknown as string, MAIL_API_KEY: 'k' };
    expect(configError({ ...http, MAIL_API_URL: 'http://mail.example.ru/send' }, { mail: 'http' }).problems).toEqual([
      'MAIL_API_URL: must be https when NODE_ENV=production (http only to a loopback address)',
    ]);
    for (const url of ['http://127.0.0.1:8025/send', 'http://localhost/send', 'http://[::1]:9000/send'])
      expect(loadConfig({ ...http, MAIL_API_URL: url }, { mail: 'http' }).mailApi?.url, url).toBe(url);
    expect(configError({ MAIL_API_URL: 'ftp://mail.example.ru/' }).problems[0]).toMatch(/^MAIL_API_URL: /);
    expect(configError({ MAIL_API_URL: 'https://mail.example.ru/', MAIL_API_FORMAT: 'sendgrid' }).problems[0]).toMatch(/^MAIL_API_FORMAT: /);
  });

  it('on the embedded database goes on with one warning line; on PostgreSQL, or in development, none', () => {
    const warnings = productionWarnings(loadConfig({ ...prod, DATA_DIR: '/var/lib/mailprefs' }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^NODE_ENV=production on the embedded database in \/var\/lib\/mailprefs \(no DATABASE_URL\)/);
    expect(warnings[0]).not.toContain('\n');
    expect(productionWarnings(loadConfig({ ...prod, DATABASE_URL: 'postgres://db.example.ru/mailprefs' }))).toEqual([]);
    expect(productionWarnings(loadConfig({}))).toEqual([]);
  });
});
