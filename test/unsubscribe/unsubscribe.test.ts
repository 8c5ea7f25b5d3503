import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createHarness, type Harness, onPostgres } from '../helpers/harness.js';
import {
  consentState,
  count,
  createConfirmedSubject,
  createSubject,
  DAY,
  eventsOf,
  expectPageHeaders,
  flipPayloadChar,
  flipSignatureChar,
  foreignToken,
  formsOf,
  htmlLang,
  raceOnSubject,
  readFeedJson,
  snapshotDb,
  submitForm,
  suppressionOf,
} from '../helpers/pages.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const oneClick = (): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 (compatible; Google-Unsubscribe)' },
  body: 'List-Unsubscribe=One-Click',
});

describe('GET /u/{token}', () => {
  it('shows a Russian page whose first and primary button unsubscribes, with "monthly instead" beside it, and writes nothing to any table', async () => {
    const id = await createConfirmedSubject(h, 'get-ru@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'spring-2026' });
    const before = await snapshotDb(h);

    const res = await h.app.request(`/u/${token}`);
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    const html = await res.text();
    expect(htmlLang(html)).toBe('ru');
    expect(html).toContain('Отписаться');
    expect(count(html, /<form\b/)).toBe(2);
    expect(count(html, /<button\b/)).toBe(2);
    const [form, monthly] = formsOf(html);
    expect(form!.method).toBe('post');
    expect(form!.action).toBe(`/u/${token}?lang=ru`);
    expect(monthly!.action).toBe(`/u/${token}/monthly?lang=ru`);
    // The unsubscribe button is the primary one; the offer is the secondary style.
    expect(html).toMatch(/<button type="submit">Отписаться<\/button>/);
    expect(html).toMatch(/<button type="submit" class="secondary">/);

    expect(await snapshotDb(h)).toEqual(before);
    expect(await consentState(h, id, 'marketing')).toBe('granted');
  });

  it('is English for Accept-Language en-US,en;q=0.9 and for ?lang=en, still writing nothing', async () => {
    const id = await createConfirmedSubject(h, 'get-en@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    const before = await snapshotDb(h);

    const byHeader = await h.app.request(`/u/${token}`, { headers: { 'accept-language': 'en-US,en;q=0.9' } });
    expect(byHeader.status).toBe(200);
    const headerHtml = await byHeader.text();
    expect(htmlLang(headerHtml)).toBe('en');
    expect(headerHtml).toContain('Unsubscribe');
    expect(count(headerHtml, /<button\b/)).toBe(2);

    const byQuery = await h.app.request(`/u/${token}?lang=en`);
    expect(byQuery.status).toBe(200);
    expectPageHeaders(byQuery);
    const queryHtml = await byQuery.text();
    expect(htmlLang(queryHtml)).toBe('en');
    expect(count(queryHtml, /<button\b/)).toBe(2);

    expect(await snapshotDb(h)).toEqual(before);
  });

  it('fetched many times (a mail scanner prefetching) never unsubscribes', async () => {
    const id = await createConfirmedSubject(h, 'prefetch@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    const before = await snapshotDb(h);
    for (let i = 0; i < 3; i++) expect((await h.app.request(`/u/${token}`)).status).toBe(200);
    expect(await snapshotDb(h)).toEqual(before);
    expect(await suppressionOf(h, id)).toBeUndefined();
  });
});

describe('POST /u/{token} (RFC 8058 one-click)', () => {
  it('unsubscribes exactly as Gmail sends it: 200 without redirect, marketing withdrawn, evidence with campaign and IP, active suppression', async () => {
    const id = await createConfirmedSubject(h, 'gmail@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'cmp-2026-03' });

    const res = await h.app.request(`/u/${token}`, oneClick());
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expectPageHeaders(res);
    expect(htmlLang(await res.text())).toBe('ru');

    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect(await consentState(h, id, 'processing')).toBe('granted');
    const unsub = (await eventsOf(h, id)).filter((e) => e.action === 'unsubscribed');
    expect(unsub).toHaveLength(1);
    expect(unsub[0]).toMatchObject({
      purpose: 'marketing',
      actor_type: 'subject',
      campaign_id: 'cmp-2026-03',
      ip: '198.51.100.7',
      source: 'one-click',
    });
    expect(unsub[0]!.occurred_at.toISOString()).toBe(h.clock.now().toISOString());
    const sup = await suppressionOf(h, id);
    expect(sup).toMatchObject({ active: true, reason: 'unsubscribed', subject_id: id, email: 'gmail@example.ru' });
  });

  it('a second one-click changes nothing and adds no record (events, suppression seq and changed_at stay)', async () => {
    const id = await createConfirmedSubject(h, 'twice@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'c1' });
    expect((await h.app.request(`/u/${token}`, oneClick())).status).toBe(200);
    await readFeedJson(h); // numbers the new entry, so seq is set before the second click
    const supBefore = await suppressionOf(h, id);
    expect(supBefore?.seq).not.toBeNull();
    const eventsBefore = await eventsOf(h, id);
    const before = await snapshotDb(h);

    h.clock.advance(60_000);
    const again = await h.app.request(`/u/${token}`, oneClick());
    expect(again.status).toBe(200);
    expect(again.headers.get('location')).toBeNull();

    expect(await eventsOf(h, id)).toHaveLength(eventsBefore.length);
    const supAfter = await suppressionOf(h, id);
    expect(supAfter!.seq).toBe(supBefore!.seq);
    expect(supAfter!.changed_at.toISOString()).toBe(supBefore!.changed_at.toISOString());
    expect(await snapshotDb(h)).toEqual(before);
  });

  // A race needs parallel connections: PGlite has one and would only run the posts in turn.
  it.skipIf(!onPostgres)('many one-click POSTs arriving together record one unsubscribe and one suppression (PostgreSQL)', async () => {
    const id = await createConfirmedSubject(h, 'burst@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'burst' });
    const answers = await raceOnSubject(h, id, 6, () => h.app.request(`/u/${token}`, oneClick()));
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(200));
    const events = await eventsOf(h, id);
    expect(events.filter((e) => e.action === 'unsubscribed')).toHaveLength(1);
    expect(events.filter((e) => e.action === 'suppressed')).toHaveLength(1);
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'unsubscribed' });
  });

  it('accepts the one-click body as multipart/form-data', async () => {
    const id = await createConfirmedSubject(h, 'multipart@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'mp' });
    const fd = new FormData();
    fd.append('List-Unsubscribe', 'One-Click');
    const res = await h.app.request(`/u/${token}`, { method: 'POST', body: fd });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    const unsub = (await eventsOf(h, id)).filter((e) => e.action === 'unsubscribed');
    expect(unsub).toHaveLength(1);
    expect(unsub[0]).toMatchObject({ campaign_id: 'mp', source: 'one-click', ip: '198.51.100.7' });
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'unsubscribed' });
  });

  it("unsubscribes through the page's own form button", async () => {
    const id = await createConfirmedSubject(h, 'button@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'btn' });
    const page = await h.app.request(`/u/${token}?lang=en`);
    const [form] = formsOf(await page.text());
    expect(await consentState(h, id, 'marketing')).toBe('granted');

    const res = await submitForm(h, form!);
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    expect(htmlLang(html)).toBe('en');
    expect(html).toContain('You are unsubscribed');
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    const unsub = (await eventsOf(h, id)).filter((e) => e.action === 'unsubscribed');
    expect(unsub).toHaveLength(1);
    expect(unsub[0]).toMatchObject({ campaign_id: 'btn', source: 'unsubscribe-page' });
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'unsubscribed' });
  });

  it('after unsubscribing, GET shows the done page with only the way back (a confirmation by mail) and still writes nothing', async () => {
    const id = await createConfirmedSubject(h, 'done-page@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    await h.app.request(`/u/${token}`, oneClick());
    const before = await snapshotDb(h);
    const res = await h.app.request(`/u/${token}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Вы отписаны');
    expect(formsOf(html).map((f) => f.action)).toEqual([`/u/${token}/resubscribe?lang=ru`]);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('keeps working years later: an unsubscribe link has no expiry', async () => {
    const id = await createConfirmedSubject(h, 'years@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'old' });
    const start = h.clock.now();
    h.clock.advance(3 * 365 * DAY);
    onTestFinished(() => h.clock.set(start));
    const page = await h.app.request(`/u/${token}`);
    expect(page.status).toBe(200);
    expect(formsOf(await page.text())[0]!.action).toBe(`/u/${token}?lang=ru`);
    const res = await h.app.request(`/u/${token}`, oneClick());
    expect(res.status).toBe(200);
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'unsubscribed' });
  });

  it('unsubscribes a person whose subscription was still pending confirmation', async () => {
    const { id, consents } = await createSubject(h, 'pending-unsub@example.ru');
    expect(consents.marketing).toBe('pending');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    expect((await h.app.request(`/u/${token}`, oneClick())).status).toBe(200);
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'unsubscribed' });
  });
});

describe('damaged and foreign tokens on /u', () => {
  let id: string;
  let good: string;
  const damaged: [string, () => Promise<string>][] = [
    ['cut short', async () => good.slice(0, -7)],
    ['cut to its first two parts', async () => good.slice(0, good.lastIndexOf('.'))],
    ['with a flipped signature character', async () => flipSignatureChar(good)],
    ['with a flipped payload character', async () => flipPayloadChar(good)],
    ['abc', async () => 'abc'],
    ['a preferences (p) token', async () => h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 90 * 86400 })],
    ['a withdrawal (w) token', async () => h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: 365 * 86400 })],
    ['a confirmation (c) token', async () => h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: 30 * 86400 })],
    ['signed by another key with the same kid', async () => foreignToken({ sub: id, p: 'u' }, 'test-key-1')],
    ['signed by an unknown kid', async () => foreignToken({ sub: id, p: 'u' }, 'someone-else')],
    [
      'with alg none',
      async () => {
        const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `${enc({ alg: 'none', kid: 'test-key-1' })}.${enc({ sub: id, p: 'u', iat: 1_770_000_000 })}.AAAA`;
      },
    ],
  ];

  beforeAll(async () => {
    id = await createConfirmedSubject(h, 'damaged@example.ru');
    good = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'dmg' });
  });

  for (const [name, make] of damaged) {
    it(`a token ${name} gets a 4xx HTML page on GET and POST and changes nothing`, async () => {
      const token = await make();
      expect(token).not.toBe(good);
      const before = await snapshotDb(h);
      for (const init of [undefined, oneClick()]) {
        const res = await h.app.request(`/u/${token}`, init);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expectPageHeaders(res);
        const html = await res.text();
        expect(htmlLang(html)).toBe('ru');
        // The one way still offered: an address form that mails a link (never acts on the token).
        expect(formsOf(html).map((f) => f.action)).toEqual(['/u/by-address?lang=ru']);
      }
      expect(await snapshotDb(h)).toEqual(before);
      expect(await consentState(h, id, 'marketing')).toBe('granted');
    });
  }

  it('the good token still works after all of them (control)', async () => {
    const res = await h.app.request(`/u/${good}`, oneClick());
    expect(res.status).toBe(200);
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
  });

  it('a valid token for a person who does not exist gets a 404 page on GET and POST and changes nothing', async () => {
    const token = await h.deps.signer.sign({ sub: crypto.randomUUID(), p: 'u' });
    const before = await snapshotDb(h);
    for (const init of [undefined, oneClick()]) {
      const res = await h.app.request(`/u/${token}`, init);
      expect(res.status).toBe(404);
      expectPageHeaders(res);
      expect(htmlLang(await res.text())).toBe('ru');
    }
    expect(await snapshotDb(h)).toEqual(before);
  });
});
