// The Workers entry's own behaviour on Node (what does not need workerd): a misconfigured
// Worker answers 503 and its log names the bad variables, never their values.
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/entries/worker.js';
import { generateSigningJwk } from '../../src/links/tokens.js';

const ctx = { waitUntil: () => {} };
const SECRET = 'short-secret-value';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the Workers entry, misconfigured', () => {
  it('answers 503 with a plain line, logs which variables are wrong and none of their values, and tries again on the next request', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args.map(String).join(' '));
    });
    const env = {
      HYPERDRIVE: { connectionString: 'postgres://worker:hyperdrive-password@127.0.0.1:1/none' },
      PUBLIC_BASE_URL: 'https://prefs.example.ru',
      SUPPRESSION_HASH_KEY: SECRET,
      MAIL_API_URL: 'http://mail.example.ru/send',
    };
    for (let i = 0; i < 2; i++) {
      const res = await worker.fetch(new Request('https://prefs.example.ru/healthz'), env, ctx);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('60');
      expect(await res.text()).toBe('The service is not configured correctly; its log says why.\n');
    }
    // Each request tried again (a fixed secret takes effect without a redeploy of the code).
    expect(errors).toHaveLength(2);
    const log = errors[0]!;
    for (const name of ['LINK_SIGNING_KEYS', 'SUPPRESSION_HASH_KEY', 'ORG_NAME', 'MAIL_API_URL', 'MAIL_API_KEY']) expect(log).toContain(name);
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain('hyperdrive-password');
    expect(log).not.toContain('mail.example.ru');
  });

  it('names a bad PUSH_SIGNING_KEYS after itself, without its value', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args.map(String).join(' '));
    });
    const env = {
      HYPERDRIVE: { connectionString: 'postgres://worker:hyperdrive-password@127.0.0.1:1/none' },
      PUBLIC_BASE_URL: 'https://prefs.example.ru',
      ORG_NAME: 'Operator',
      ORG_URL: 'https://operator.example.ru/',
      SUPPORT_EMAIL: 'privacy@operator.example.ru',
      POLICY_URL: 'https://operator.example.ru/privacy',
      MAIL_API_URL: 'https://mail.example.ru/send',
      MAIL_API_KEY: 'mail-key',
      LINK_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk('links')] }),
      SUPPRESSION_HASH_KEY: 'a-suppression-hash-key-of-enough-length-0123',
      PUSH_SIGNING_KEYS: `{"keys": ${SECRET}`,
    };
    const res = await worker.fetch(new Request('https://prefs.example.ru/healthz'), env, ctx);
    expect(res.status).toBe(503);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('PUSH_SIGNING_KEYS: is not valid JSON');
    expect(errors[0]).not.toContain(SECRET);
  });
});
