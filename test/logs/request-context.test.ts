import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { nodeLogContext } from '../../src/node/log-context.js';
import { createHarness, type Harness, jsonRequest, registerLead } from '../helpers/harness.js';
import { findSecrets } from '../helpers/log-capture.js';

/**
 * Every line logged during a request carries its id and route template, lines logged deep
 * inside an action through deps.logger included (the runtime's AsyncLocalStorage, injected),
 * and a full flow at debug level logs no address and no token.
 */

const EMAIL = 'log.context.person@example.ru';
const lines: string[] = [];
let h: Harness;
beforeAll(async () => {
  // 2040: a year the built-in production calendar does not know, so filing a request logs a
  // warning from deep inside the due-date rule (requests/deadlines.ts), which knows no request.
  h = await createHarness({ now: '2040-03-02T09:00:00Z', logger: createLogger('debug', (l) => lines.push(l)), extra: { logContext: nodeLogContext() } });
});
afterAll(async () => h?.close());

type Line = { level: string; msg: string; requestId?: string; route?: string; method?: string; status?: number; ms?: number };
const parsed = () => lines.map((l) => JSON.parse(l) as Line);

describe('the request context on every line', () => {
  it('puts the request id and route on a line logged deep inside an action', async () => {
    const { id } = await registerLead(h, EMAIL);
    lines.length = 0;
    const res = await h.app.request(`/v1/subjects/${id}/requests`, jsonRequest('POST', { type: 'access' }, await h.bearer('requests:manage')));
    expect(res.status).toBe(201);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    const deep = parsed().find((l) => l.msg.startsWith('due date falls in a year'));
    expect(deep).toMatchObject({ level: 'warn', requestId, route: '/v1/subjects/:id/requests' });
    // And the one line per request, at info, with the method, template, status and time.
    expect(parsed().filter((l) => l.msg === 'request')).toEqual([
      expect.objectContaining({ level: 'info', requestId, route: '/v1/subjects/:id/requests', method: 'POST', status: 201, ms: expect.any(Number) }),
    ]);
  });

  it('a full flow at debug level (register, unsubscribe, export): every line has both, none an address or a token', async () => {
    lines.length = 0;
    const email = 'log.flow.person@example.ru';
    const { id } = await registerLead(h, email, { firstName: 'Евгения', lastName: 'Логинова', phone: '+7 912 345-67-89' });
    const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'log-campaign' });
    expect((await h.app.request(`/u/${token}`)).status).toBe(200);
    const click = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' };
    expect((await h.app.request(`/u/${token}`, click)).status).toBe(200);
    const auth = await h.bearer('subjects:read');
    expect((await h.app.request(`/v1/subjects/${id}/export`, { headers: { authorization: auth, 'x-purpose': 'ticket 42' } })).status).toBe(200);
    expect(
      (await h.app.request(`/v1/subjects?email=${encodeURIComponent(email)}`, { headers: { authorization: auth, 'x-purpose': 'ticket 42' } })).status,
    ).toBe(200);
    // A refused link logs too (links/verify.ts), with its own request's id.
    expect((await h.app.request(`/u/${token.slice(0, -6)}AAAAAA`)).status).toBe(400);

    const all = parsed();
    expect(all.filter((l) => l.msg === 'request').map((l) => [l.method, l.route, l.status])).toEqual([
      ['POST', '/v1/subjects', 201],
      ['GET', '/u/:token', 200],
      ['POST', '/u/:token', 200],
      ['GET', '/v1/subjects/:id/export', 200],
      ['GET', '/v1/subjects', 200],
      ['GET', '/u/:token', 400],
    ]);
    expect(all.length).toBeGreaterThan(6);
    expect(all.filter((l) => !l.requestId || !l.route)).toEqual([]);
    expect(new Set(all.map((l) => l.requestId)).size).toBe(6);
    expect(
      findSecrets(lines, [
        { label: 'address', kind: 'email', value: email },
        { label: 'first name', kind: 'name', value: 'Евгения' },
        { label: 'last name', kind: 'name', value: 'Логинова' },
        { label: 'phone', kind: 'phone', value: '+7 912 345-67-89' },
        { label: 'token', kind: 'token', value: token },
      ]),
    ).toEqual([]);
  });
});
