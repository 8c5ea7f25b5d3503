// The Workers entry's own behaviour on Node (what does not need workerd): a misconfigured
// Worker answers 503 and its log names the bad variables, never their values.
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/entries/worker.js';

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
});
