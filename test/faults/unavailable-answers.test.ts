import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { createHarness, type Harness, registerLead } from '../helpers/harness.js';

/**
 * What a client sees when the database is out of reach, on both databases: every statement of
 * the app fails as PostgreSQL fails while it restarts (57P01). /v1 answers 503 problem+json, a
 * public page 503 in the person's language, /readyz 503, each with Retry-After; the log has a
 * warning with the code and no address or token; nothing answers 500.
 */

const restarting: KyselyPlugin = {
  transformQuery() {
    throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  },
  transformResult: async (args) => args.result,
};

let h: Harness;
let down: ReturnType<typeof createApp>;
const lines: string[] = [];
let token: string;
let key: string;
const EMAIL = 'down.for.a.moment@example.ru';
beforeAll(async () => {
  h = await createHarness();
  const { id } = await registerLead(h, EMAIL);
  token = await h.deps.signer.sign({ sub: id, p: 'u' });
  key = await h.bearer('suppressions:read');
  down = createApp({ ...h.deps, db: h.db.withPlugin(restarting), logger: createLogger('debug', (l) => lines.push(l)) });
});
afterAll(() => h.close());

describe('the database out of reach', () => {
  it('a one-click unsubscribe gets a 503 page in Russian with Retry-After, and the same click succeeds once the database is back', async () => {
    const click = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'ru' },
      body: 'List-Unsubscribe=One-Click',
    };
    const res = await down.request(`/u/${token}`, click);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('Сервис временно перегружен');
    expect(html).toContain('lang="ru"');
    expect((await h.app.request(`/u/${token}`, click)).status).toBe(200);
  });

  it('the API answers 503 problem+json with Retry-After', async () => {
    const res = await down.request('/v1/suppressions?since=0', { headers: { authorization: key } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 503, code: 'unavailable', type: 'https://mailprefs.dev/problems/unavailable' });
  });

  it('/readyz answers 503 with Retry-After and the reason; /healthz (the process) still 200', async () => {
    const res = await down.request('/readyz');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({ status: 'unavailable', reason: 'database' });
    expect((await down.request('/healthz')).status).toBe(200);
  });

  it('logs each refusal as a warning with the code, never an error, an address or a token', () => {
    const logged = lines.map((l) => JSON.parse(l) as { level: string; msg: string; code?: string });
    expect(logged.filter((l) => l.msg === 'database unavailable').map((l) => [l.level, l.code])).toEqual([
      ['warn', '57P01'],
      ['warn', '57P01'],
    ]);
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
    const all = lines.join('\n');
    expect(all).not.toContain(EMAIL);
    expect(all).not.toContain(token);
    expect(all).not.toContain(key.replace(/^Bearer /, ''));
  });
});
