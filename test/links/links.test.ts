import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../src/auth/keys.js';
import type { LinkPurpose, LinkSigner } from '../../src/links/tokens.js';
import { createHarness, type Harness, jsonRequest, registerLead } from '../helpers/harness.js';
import { decodeSegment, expectRefused } from '../helpers/tokens.js';

const BASE = 'https://prefs.example.ru';
const DAY_S = 86_400;
const TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

interface LinkSet {
  subject: string;
  unsubscribeUrl: string;
  preferencesUrl: string;
  withdrawUrl: string;
  headers: Record<string, string>;
}
interface LinksResponse {
  links: LinkSet[];
  unknown: string[];
}

let h: Harness;
let linksAuth: string;
let leadsAuth: string;
/** Subjects created through the API: id and address. */
const people: Array<{ id: string; email: string }> = [];

const randomIds = (n: number) => Array.from({ length: n }, () => crypto.randomUUID());

async function createSubject(harness: Harness, auth: string, email: string): Promise<string> {
  const { id, status } = await registerLead(harness, email, {}, auth);
  expect(status).toBe(201);
  return id;
}

/** `auth: null` sends no Authorization header. */
async function postLinks(body: unknown, auth: string | null = linksAuth, harness: Harness = h): Promise<Response> {
  return harness.app.request('/v1/links', jsonRequest('POST', body, auth ?? undefined));
}

async function okLinks(body: unknown, harness: Harness = h, auth: string = linksAuth): Promise<LinksResponse> {
  const res = await postLinks(body, auth, harness);
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as LinksResponse;
}

/** The token at the end of a link URL of this purpose, checking the URL's shape on the way. */
function tokenOf(url: string, purpose: 'u' | 'p' | 'w', base = BASE): string {
  expect(url.startsWith(`${base}/${purpose}/`), url).toBe(true);
  const token = url.slice(`${base}/${purpose}/`.length);
  expect(token).toMatch(TOKEN);
  const parsed = new URL(url);
  expect(parsed.search).toBe('');
  expect(parsed.hash).toBe('');
  return token;
}

async function expectProblem(res: Response, status: number, code?: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  if (code) expect(body.code).toBe(code);
  return body;
}

beforeAll(async () => {
  h = await createHarness();
  linksAuth = await h.bearer('links:write');
  leadsAuth = await h.bearer('leads:write');
  for (let i = 0; i < 200; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: 20 }, async (_, j) => {
        const email = `reader${i + j}@example.ru`;
        return { id: await createSubject(h, leadsAuth, email), email };
      }),
    );
    people.push(...batch);
  }
});
afterAll(() => h.close());

describe('POST /v1/links: link sets', () => {
  it('answers each known subject, in request order, with /u /p /w links under PUBLIC_BASE_URL whose tokens verify for their own purpose', async () => {
    const chosen = [people[2]!, people[0]!, people[1]!];
    const { links, unknown } = await okLinks({ subjects: chosen.map((p) => p.id), campaignId: 'spring-2026' });
    expect(unknown).toEqual([]);
    expect(links.map((l) => l.subject)).toEqual(chosen.map((p) => p.id));
    const signer = h.deps.signer;
    const nowS = Math.floor(h.clock.now().getTime() / 1000);
    for (const [i, link] of links.entries()) {
      const sub = chosen[i]!.id;
      const u = tokenOf(link.unsubscribeUrl, 'u');
      const p = tokenOf(link.preferencesUrl, 'p');
      const w = tokenOf(link.withdrawUrl, 'w');
      await expect(signer.verify(u, 'u')).resolves.toEqual({ sub, p: 'u', cmp: 'spring-2026', iat: nowS });
      await expect(signer.verify(p, 'p')).resolves.toEqual({
        sub,
        p: 'p',
        cmp: 'spring-2026',
        iat: nowS,
        exp: nowS + h.config.linkTtlDays.preferences * DAY_S,
      });
      await expect(signer.verify(w, 'w')).resolves.toEqual({ sub, p: 'w', cmp: 'spring-2026', iat: nowS, exp: nowS + h.config.linkTtlDays.withdrawal * DAY_S });
      // Each link works only on its own path.
      await expectRefused(signer, u, 'w', 'wrong_purpose');
      await expectRefused(signer, u, 'p', 'wrong_purpose');
      await expectRefused(signer, p, 'u', 'wrong_purpose');
      await expectRefused(signer, w, 'u', 'wrong_purpose');
      await expectRefused(signer, w, 'p', 'wrong_purpose');
    }
  });

  it('gives the List-Unsubscribe header as exactly the bracketed unsubscribe URL and the RFC 8058 one-click List-Unsubscribe-Post', async () => {
    const { links } = await okLinks({ subjects: [people[3]!.id] });
    const link = links[0]!;
    expect(link.headers).toEqual({
      'List-Unsubscribe': `<${link.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(link.headers['List-Unsubscribe']).toMatch(/^<https:\/\/prefs\.example\.ru\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>$/);
  });

  it('puts no cmp claim in the tokens when no campaignId is given', async () => {
    const { links } = await okLinks({ subjects: [people[4]!.id] });
    for (const [url, purpose] of [
      [links[0]!.unsubscribeUrl, 'u'],
      [links[0]!.preferencesUrl, 'p'],
      [links[0]!.withdrawUrl, 'w'],
    ] as const) {
      const claims = await h.deps.signer.verify(tokenOf(url, purpose), purpose);
      expect(claims).not.toHaveProperty('cmp');
    }
  });

  it('trims the campaignId and carries it in cmp; 200 characters are accepted', async () => {
    const trimmed = (await okLinks({ subjects: [people[5]!.id], campaignId: '  autumn-digest  ' })).links[0]!;
    expect((await h.deps.signer.verify(tokenOf(trimmed.unsubscribeUrl, 'u'), 'u')).cmp).toBe('autumn-digest');
    const long = 'c'.repeat(200);
    const max = (await okLinks({ subjects: [people[5]!.id], campaignId: long })).links[0]!;
    expect((await h.deps.signer.verify(tokenOf(max.withdrawUrl, 'w'), 'w')).cmp).toBe(long);
  });

  it('keeps a campaignId full of header syntax inside the token, never in the header value', async () => {
    const nasty = 'a>b, <mailto:evil@attacker.example>\r\nBcc: victim@example.ru';
    const link = (await okLinks({ subjects: [people[6]!.id], campaignId: nasty })).links[0]!;
    expect(link.headers['List-Unsubscribe']).toBe(`<${link.unsubscribeUrl}>`);
    expect(link.headers['List-Unsubscribe']).not.toMatch(/[\r\n]|evil|victim/);
    expect((await h.deps.signer.verify(tokenOf(link.unsubscribeUrl, 'u'), 'u')).cmp).toBe(nasty);
  });

  it("never puts a subject's e-mail address in links, tokens or headers", async () => {
    const chosen = people.slice(10, 15);
    const res = await postLinks({ subjects: chosen.map((p) => p.id), campaignId: 'c1' });
    const text = await res.text();
    for (const p of chosen) {
      expect(text).not.toContain(p.email);
      expect(text).not.toContain(p.email.split('@')[0]!);
    }
    for (const link of (JSON.parse(text) as LinksResponse).links) {
      for (const [url, purpose] of [
        [link.unsubscribeUrl, 'u'],
        [link.preferencesUrl, 'p'],
        [link.withdrawUrl, 'w'],
      ] as const) {
        const payload = decodeSegment(tokenOf(url, purpose), 1);
        expect(Object.keys(payload).every((k) => ['sub', 'p', 'cmp', 'iat', 'exp'].includes(k))).toBe(true);
        expect(JSON.stringify(payload)).not.toContain('@');
      }
    }
  });

  it('lists unknown ids in `unknown` with no links, and answers duplicates once', async () => {
    const [ghost1, ghost2] = randomIds(2) as [string, string];
    const a = people[7]!.id;
    const b = people[8]!.id;
    const { links, unknown } = await okLinks({ subjects: [b, ghost1, a, b, ghost2, ghost1, a] });
    expect(links.map((l) => l.subject)).toEqual([b, a]);
    expect(unknown).toEqual([ghost1, ghost2]);
  });

  it('treats an erased subject as unknown', async () => {
    const email = 'erased-reader@example.ru';
    const id = await createSubject(h, leadsAuth, email);
    await h.db.updateTable('subjects').set({ status: 'erased', email: null, erased_at: h.clock.now() }).where('id', '=', id).execute();
    const { links, unknown } = await okLinks({ subjects: [id, people[9]!.id] });
    expect(unknown).toEqual([id]);
    expect(links.map((l) => l.subject)).toEqual([people[9]!.id]);
  });

  it('recognises a known subject id written in upper case and signs its canonical lower-case id', async () => {
    const id = people[20]!.id;
    const { links, unknown } = await okLinks({ subjects: [id.toUpperCase()] });
    expect(unknown).toEqual([]);
    expect(links).toHaveLength(1);
    expect(links[0]!.subject.toLowerCase()).toBe(id);
    await expect(h.deps.signer.verify(tokenOf(links[0]!.unsubscribeUrl, 'u'), 'u')).resolves.toMatchObject({ sub: id });
  });

  it('works for a key with the admin scope', async () => {
    const { links } = await okLinks({ subjects: [people[21]!.id] }, h, await h.bearer('admin'));
    expect(links).toHaveLength(1);
  });
});

describe('POST /v1/links: batch size', () => {
  it('answers exactly 10,000 unknown ids in one call with 200, all of them in `unknown`', async () => {
    const ids = randomIds(10_000);
    const { links, unknown } = await okLinks({ subjects: ids });
    expect(links).toEqual([]);
    expect(unknown).toHaveLength(10_000);
    expect(unknown).toEqual(ids);
  });

  it('answers 10,000 ids of which 200 are real people with 200 link sets that verify, in request order', async () => {
    const ghosts = randomIds(9_800);
    // Interleave the real ones among the unknown ones.
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push(people[i]!.id, ...ghosts.slice(i * 49, (i + 1) * 49));
    expect(ids).toHaveLength(10_000);
    const { links, unknown } = await okLinks({ subjects: ids, campaignId: 'big-batch' });
    expect(links.map((l) => l.subject)).toEqual(people.map((p) => p.id));
    expect(unknown).toHaveLength(9_800);
    expect(new Set(unknown)).toEqual(new Set(ghosts));
    for (const [i, link] of links.entries()) {
      const claims = await h.deps.signer.verify(tokenOf(link.unsubscribeUrl, 'u'), 'u');
      expect(claims).toMatchObject({ sub: people[i]!.id, cmp: 'big-batch' });
      expect(link.headers['List-Unsubscribe']).toBe(`<${link.unsubscribeUrl}>`);
    }
  });

  it('refuses 10,001 ids with a 422 problem naming the subjects field', async () => {
    const body = await expectProblem(await postLinks({ subjects: randomIds(10_001) }), 422, 'validation_failed');
    expect((body.errors as Array<{ path: string }>).map((e) => e.path)).toContain('subjects');
  });

  it('refuses an empty list of subjects with 422', async () => {
    await expectProblem(await postLinks({ subjects: [] }), 422, 'validation_failed');
  });
});

describe('POST /v1/links: refusals are problem+json', () => {
  it('answers malformed JSON with 400', async () => {
    await expectProblem(await postLinks('{"subjects":["'), 400, 'bad_request');
    await expectProblem(await postLinks('{"subjects":[]'), 400, 'bad_request');
  });

  it('answers a body that is not JSON-typed with 415', async () => {
    const body = JSON.stringify({ subjects: [people[0]!.id] });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp']) {
      const res = await h.app.request('/v1/links', { method: 'POST', headers: { 'content-type': type, authorization: linksAuth }, body });
      await expectProblem(res, 415, 'unsupported_media_type');
    }
  });

  it('accepts application/json with a charset parameter', async () => {
    const res = await h.app.request('/v1/links', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: linksAuth },
      body: JSON.stringify({ subjects: [people[0]!.id] }),
    });
    expect(res.status).toBe(200);
  });

  it('refuses an unknown top-level field with 422', async () => {
    const body = await expectProblem(await postLinks({ subjects: [people[0]!.id], email: 'x@example.ru' }), 422, 'validation_failed');
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.any(String), message: expect.any(String) })]));
  });

  it('refuses a subject that is not a uuid with 422, without echoing the submitted value', async () => {
    for (const bad of ['anna.smirnova@example.ru', '12345', '', 7, null]) {
      const res = await postLinks({ subjects: [people[0]!.id, bad] });
      const text = await res.clone().text();
      const body = await expectProblem(res, 422, 'validation_failed');
      expect((body.errors as Array<{ path: string }>).some((e) => e.path.startsWith('subjects'))).toBe(true);
      expect(text).not.toContain('anna.smirnova');
    }
  });

  it('refuses `subjects` that is missing or not an array with 422', async () => {
    await expectProblem(await postLinks({}), 422, 'validation_failed');
    await expectProblem(await postLinks({ subjects: people[0]!.id }), 422, 'validation_failed');
    await expectProblem(await postLinks([people[0]!.id]), 422, 'validation_failed');
  });

  it('refuses a campaignId over 200 characters, blank, or not a string with 422', async () => {
    for (const campaignId of ['c'.repeat(201), '   ', '', 42]) {
      const body = await expectProblem(await postLinks({ subjects: [people[0]!.id], campaignId }), 422, 'validation_failed');
      expect((body.errors as Array<{ path: string }>).map((e) => e.path)).toContain('campaignId');
    }
  });

  it('answers without an API key, or with an unknown, malformed or revoked one, with 401', async () => {
    const body = { subjects: [people[0]!.id] };
    await expectProblem(await postLinks(body, null), 401, 'unauthorized');
    await expectProblem(await postLinks(body, 'Bearer mpk_AAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), 401, 'unauthorized');
    await expectProblem(await postLinks(body, 'Bearer not-a-key'), 401, 'unauthorized');
    await expectProblem(await postLinks(body, linksAuth.replace('Bearer ', 'Basic ')), 401, 'unauthorized');
    const revoked = await h.bearer('links:write');
    const id = /^Bearer mpk_(.{8})_/.exec(revoked)![1]!;
    expect(await revokeApiKey(h.db, id, h.clock.now())).toBe(true);
    await expectProblem(await postLinks(body, revoked), 401, 'unauthorized');
  });

  it('answers a key without links:write with 403', async () => {
    const body = { subjects: [people[0]!.id] };
    await expectProblem(await postLinks(body, leadsAuth), 403, 'forbidden');
    await expectProblem(await postLinks(body, await h.bearer('subjects:read', 'sends:write', 'suppressions:read')), 403, 'forbidden');
  });

  it('answers a body over 1 MiB with 413, whether or not Content-Length is sent', async () => {
    const big = JSON.stringify({ subjects: [people[0]!.id], campaignId: 'x'.repeat(1024 * 1024) });
    await expectProblem(await postLinks(big), 413, 'payload_too_large');
    const res = await h.app.request('/v1/links', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)), authorization: linksAuth },
      body: big,
    });
    await expectProblem(res, 413, 'payload_too_large');
  });

  it('puts the limit at exactly 1 MiB: 1,048,576 bytes are read, one more byte is 413', async () => {
    const limit = 1024 * 1024;
    const make = (size: number) => {
      const head = `{"subjects":["${people[0]!.id}"],"campaignId":"`;
      const tail = '"}';
      return head + 'x'.repeat(size - head.length - tail.length) + tail;
    };
    expect(Buffer.byteLength(make(limit))).toBe(limit);
    // At the limit the body is parsed (and then refused for the over-long campaignId, not for its size).
    await expectProblem(await postLinks(make(limit)), 422, 'validation_failed');
    await expectProblem(await postLinks(make(limit + 1)), 413, 'payload_too_large');
  });
});

describe('POST /v1/links with UNSUBSCRIBE_MAILTO and another base URL', () => {
  let hm: Harness;
  let auth: string;
  let signer: LinkSigner;
  beforeAll(async () => {
    // Same database, a second app configured differently (not closed separately: it shares the handle).
    hm = await createHarness({ handle: h.handle, env: { UNSUBSCRIBE_MAILTO: 'unsubscribe@example.ru', PUBLIC_BASE_URL: 'https://mail.example.ru/prefs/' } });
    auth = await hm.bearer('links:write');
    signer = hm.deps.signer;
  });

  it('adds the mailto URI after the https one, naming no subject e-mail address', async () => {
    const chosen = people.slice(30, 33);
    const { links } = await okLinks({ subjects: chosen.map((p) => p.id), campaignId: 'c-mailto' }, hm, auth);
    expect(links).toHaveLength(3);
    for (const [i, link] of links.entries()) {
      const header = link.headers['List-Unsubscribe']!;
      const m = /^<(https:\/\/mail\.example\.ru\/prefs\/u\/[A-Za-z0-9_.-]+)>, <mailto:unsubscribe@example\.ru\?subject=([^<>\s,]+)>$/.exec(header);
      expect(m, header).not.toBeNull();
      expect(m![1]).toBe(link.unsubscribeUrl);
      expect(header).not.toContain(chosen[i]!.email);
      expect(header).not.toContain(chosen[i]!.email.split('@')[0]!);
      expect(decodeURIComponent(m![2]!)).not.toContain('@');
      expect(link.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      const token = tokenOf(link.unsubscribeUrl, 'u', 'https://mail.example.ru/prefs');
      const claims = await signer.verify(token, 'u');
      expect(claims).toMatchObject({ sub: chosen[i]!.id, cmp: 'c-mailto' });
      // The mailto entry carries the same link token, in the subject: too long for a local part (RFC 5321: 64 octets).
      expect(decodeURIComponent(m![2]!)).toBe(`unsubscribe ${token}`);
    }
  });

  it('builds every link under the configured base URL (with its path, without a doubled slash)', async () => {
    const { links } = await okLinks({ subjects: [people[34]!.id] }, hm, auth);
    const base = 'https://mail.example.ru/prefs';
    for (const [url, purpose] of [
      [links[0]!.unsubscribeUrl, 'u'],
      [links[0]!.preferencesUrl, 'p'],
      [links[0]!.withdrawUrl, 'w'],
    ] as [string, LinkPurpose & ('u' | 'p' | 'w')][]) {
      expect(url).not.toContain('//u/');
      await expect(signer.verify(tokenOf(url, purpose, base), purpose)).resolves.toMatchObject({ sub: people[34]!.id });
    }
  });

  it("signs with its own key: tokens from one deployment's key are unknown to another key set", async () => {
    const { links } = await okLinks({ subjects: [people[35]!.id] }, hm, auth);
    await expectRefused(h.deps.signer, tokenOf(links[0]!.unsubscribeUrl, 'u', 'https://mail.example.ru/prefs'), 'u', 'bad_signature');
  });
});
