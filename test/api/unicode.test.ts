import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/auth/keys.js';
import { createHarness, type Harness, registerLead } from '../helpers/harness.js';
import { snapshotDb } from '../helpers/pages.js';

/**
 * JSON can spell a lone UTF-16 surrogate (`"\ud800"`), which is not text: PostgreSQL's json
 * refuses it and text columns would keep U+FFFD instead. Found by the fuzz suite (a 500 from
 * `PUT /v1/subjects/{id}/restriction` with such a reason); refused where it enters, as one 422
 * naming the field, with nothing written.
 */

let h: Harness;
let auth: string;
let id: string;
beforeAll(async () => {
  h = await createHarness();
  auth = await h.bearer(...SCOPES);
  id = (await registerLead(h, 'surrogate@example.ru')).id;
});
afterAll(() => h?.close());

const send = (method: string, path: string, body: unknown) =>
  h.app.request(path, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('a lone surrogate in a JSON body', () => {
  const cases: [string, string, () => unknown, string][] = [
    ['PUT', '/v1/subjects/{id}/restriction', () => ({ restricted: true, reason: '\udc00\ud800' }), 'reason'],
    ['POST', '/v1/suppressions', () => ({ entries: [{ email: 'q@example.ru', note: 'a\ud800' }] }), 'entries.0.note'],
    ['POST', '/v1/subjects', () => ({ email: 'z@example.ru', consents: { processing: true }, policyVersion: 'v1', source: 'x\udfff' }), 'source'],
    ['PATCH', '/v1/subjects/{id}', () => ({ city: 'Тверь\ud800' }), 'city'],
  ];
  for (const [method, path, body, field] of cases) {
    it(`is refused with 422 at ${field} by ${method} ${path}, and nothing is written`, async () => {
      const before = await snapshotDb(h);
      const res = await send(method, path.replace('{id}', id), body());
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const p = (await res.json()) as { code: string; errors?: { path: string }[] };
      expect(p.code).toBe('validation_failed');
      expect(p.errors?.map((e) => e.path)).toEqual([field]);
      expect(await snapshotDb(h)).toEqual(before);
    });
  }

  // A mail-sender batch is applied event by event: the bad one is reported, the batch is not refused.
  it('in a mail-sender event id, ignores that event (invalid_id) and applies nothing for it', async () => {
    const before = await snapshotDb(h);
    const res = await send('POST', '/v1/events/mail-sender', {
      events: [{ type: 'hard_bounce', email: 'b@example.ru', at: '2026-03-01T00:00:00Z', id: '\udbff', detail: 'x' }],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { applied: number; ignored: { index: number; reason: string }[] };
    expect(body.ignored).toEqual([{ index: 0, reason: 'invalid_id' }]);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('is told from a well-formed pair, which is taken', async () => {
    const res = await send('PUT', `/v1/subjects/${id}/restriction`, { restricted: false, reason: 'emoji 😀 \ud83d\ude00' });
    expect(res.status).toBe(200);
  });
});
