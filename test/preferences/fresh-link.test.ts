import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, jsonRequest, lead } from '../helpers/harness.js';

let h: Harness;
let leads: string;
beforeAll(async () => {
  h = await createHarness();
  leads = await h.bearer('leads:write');
});
afterAll(() => h.close());

async function register(email: string) {
  return (await (await h.app.request('/v1/subjects', jsonRequest('POST', lead(email), leads))).json()).id as string;
}
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const freshLinks = (subjectId: string) => h.db.selectFrom('outbox').select('id').where('subject_id', '=', subjectId).where('kind', '=', 'fresh-link').execute();

describe('fresh link for an expired link, by address', () => {
  it('offers an address field on the expired-link page', async () => {
    const id = await register('expired-page@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: 60 });
    h.clock.advance(120_000);
    const res = await h.app.request(`/w/${token}`);
    expect(res.status).toBe(410);
    const body = await res.text();
    expect(body).toMatch(/<label for="fresh-link-email">/);
    expect(body).toMatch(/<input id="fresh-link-email" type="email" name="email"/);
  });

  it('mails the owner of a known address and answers the same for an unknown one', async () => {
    const holder = await register('holder@example.ru');
    const owner = await register('owner@example.ru');
    const token = await h.deps.signer.sign({ sub: holder, p: 'p', ttlSeconds: 60 });
    h.clock.advance(120_000);
    const known = await h.app.request(`/p/${token}/fresh-link`, form({ email: ' Owner@Example.RU ' }));
    const unknown = await h.app.request(`/p/${token}/fresh-link`, form({ email: 'nobody-here@example.ru' }));
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    const strip = (s: string) => s.replace(/<title>.*<\/title>/, '');
    expect(strip(await unknown.text())).toBe(strip(await known.text()));
    expect(await freshLinks(owner)).toHaveLength(1);
    expect(await freshLinks(holder)).toHaveLength(0);
  });

  it('queues at most one link per address in 10 minutes', async () => {
    const id = await register('once@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 60 });
    h.clock.advance(120_000);
    for (let i = 0; i < 3; i++) expect((await h.app.request(`/p/${token}/fresh-link`, form({ email: 'once@example.ru' }))).status).toBe(200);
    expect(await freshLinks(id)).toHaveLength(1);
  });
});

describe('fresh link rate limit per IP', () => {
  it('refuses the 11th request within an hour from one address with 429, whatever address it names', async () => {
    const ipHarness = await createHarness({ handle: h.handle, clientIp: '203.0.113.77', now: h.clock.now().toISOString() });
    const id = await register('ip-limit@example.ru');
    const token = await ipHarness.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 60 });
    ipHarness.clock.advance(120_000);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await ipHarness.app.request(`/p/${token}/fresh-link`, form({ email: `n${i}@example.ru` }))).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses[10]).toBe(429);
    // An hour later the window is fresh.
    ipHarness.clock.advance(3_600_001);
    expect((await ipHarness.app.request(`/p/${token}/fresh-link`, form({ email: 'later@example.ru' }))).status).toBe(200);
  });
});
