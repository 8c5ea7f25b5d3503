import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness.js';
import {
  consentState,
  count,
  createConfirmedSubject,
  createSubject,
  DAY,
  eventsOf,
  expectPageHeaders,
  flipSignatureChar,
  formsOf,
  htmlLang,
  outboxOf,
  snapshotDb,
  submitForm,
  suppressionOf,
} from '../helpers/pages.js';

const P_TTL = 90 * 86400;

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const pToken = (id: string) => h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: P_TTL });
/** The center has a form per right; these tests are about the unsubscribe one. */
const unsubscribeForms = (html: string, token: string) => formsOf(html).filter((f) => f.action.startsWith(`/p/${token}/unsubscribe`));

describe('GET /p/{token}', () => {
  it('shows marketing as on for a confirmed subscriber, with an unsubscribe form, and writes nothing', async () => {
    const id = await createConfirmedSubject(h, 'p-on@example.ru');
    const token = await pToken(id);
    const before = await snapshotDb(h);

    const res = await h.app.request(`/p/${token}`);
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    const html = await res.text();
    expect(htmlLang(html)).toBe('ru');
    expect(html).toMatch(/Рекламно-информационная рассылка:<\/strong>\s*включена/);
    const forms = unsubscribeForms(html, token);
    expect(forms).toHaveLength(1);
    expect(forms[0]).toMatchObject({ method: 'post' });

    const en = await (await h.app.request(`/p/${token}`, { headers: { 'accept-language': 'en-US,en;q=0.9' } })).text();
    expect(htmlLang(en)).toBe('en');
    expect(en).toMatch(/Advertising and newsletter e-mails:<\/strong>\s*on/);

    expect(await snapshotDb(h)).toEqual(before);
  });

  it('shows a pending subscription as awaiting confirmation', async () => {
    const { id } = await createSubject(h, 'p-pending@example.ru');
    const token = await pToken(id);
    const html = await (await h.app.request(`/p/${token}?lang=en`)).text();
    expect(html).toMatch(/Advertising and newsletter e-mails:<\/strong>\s*awaiting confirmation/);
    expect(unsubscribeForms(html, token)).toHaveLength(1);
  });

  it('offers withdrawal of consent, which asks for confirmation first', async () => {
    const id = await createConfirmedSubject(h, 'p-withdraw-link@example.ru');
    const token = await pToken(id);
    const html = await (await h.app.request(`/p/${token}`)).text();
    const form = formsOf(html).find((f) => f.action.startsWith(`/p/${token}/withdraw`));
    expect(form).toBeDefined();
    const w = await submitForm(h, form!);
    expect(w.status).toBe(200);
    expect(await w.text()).toContain('Подтвердите отзыв согласия');
    expect(await consentState(h, id, 'processing')).toBe('granted');
  });
});

describe('POST /p/{token}/unsubscribe', () => {
  it('unsubscribes: marketing withdrawn, event from the preference center, active suppression; the page then shows it off without a form', async () => {
    const id = await createConfirmedSubject(h, 'p-unsub@example.ru');
    const token = await pToken(id);
    const [form] = unsubscribeForms(await (await h.app.request(`/p/${token}`)).text(), token);

    const res = await submitForm(h, form!);
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expectPageHeaders(res);
    expect(await res.text()).toContain('Вы отписаны');

    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect(await consentState(h, id, 'processing')).toBe('granted');
    const unsub = (await eventsOf(h, id)).filter((e) => e.action === 'unsubscribed');
    expect(unsub).toHaveLength(1);
    expect(unsub[0]).toMatchObject({ purpose: 'marketing', actor_type: 'subject', source: 'preference-center', ip: '198.51.100.7' });
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'unsubscribed' });

    const after = await (await h.app.request(`/p/${token}`)).text();
    expect(after).toMatch(/Рекламно-информационная рассылка:<\/strong>\s*отключена/);
    expect(unsubscribeForms(after, token)).toHaveLength(0);
  });

  it('a second unsubscribe changes nothing', async () => {
    const id = await createConfirmedSubject(h, 'p-unsub-twice@example.ru');
    const token = await pToken(id);
    expect((await h.app.request(`/p/${token}/unsubscribe`, { method: 'POST' })).status).toBe(200);
    const before = await snapshotDb(h);
    h.clock.advance(60_000);
    expect((await h.app.request(`/p/${token}/unsubscribe`, { method: 'POST' })).status).toBe(200);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('refuses damaged tokens and tokens of other purposes with a 4xx page, changing nothing', async () => {
    const id = await createConfirmedSubject(h, 'p-damaged@example.ru');
    const good = await pToken(id);
    const tokens = [
      good.slice(0, -5),
      flipSignatureChar(good),
      'abc',
      await h.deps.signer.sign({ sub: id, p: 'u' }),
      await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: 365 * 86400 }),
    ];
    const before = await snapshotDb(h);
    for (const t of tokens) {
      for (const [path, method] of [
        [`/p/${t}`, 'GET'],
        [`/p/${t}/unsubscribe`, 'POST'],
      ] as const) {
        const res = await h.app.request(path, { method });
        expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
        expectPageHeaders(res);
      }
    }
    expect(await snapshotDb(h)).toEqual(before);
    expect(await consentState(h, id, 'marketing')).toBe('granted');
  });
});

describe('expired preferences link', () => {
  it('answers 410 with a fresh-link form on GET and on unsubscribe, and unsubscribes nothing', async () => {
    const id = await createConfirmedSubject(h, 'p-expired@example.ru');
    const token = await pToken(id);
    const start = h.clock.now();
    h.clock.advance(91 * DAY);
    try {
      const before = await snapshotDb(h);
      for (const [path, method] of [
        [`/p/${token}`, 'GET'],
        [`/p/${token}/unsubscribe`, 'POST'],
      ] as const) {
        const res = await h.app.request(path, { method });
        expect(res.status).toBe(410);
        expectPageHeaders(res);
        const forms = formsOf(await res.text());
        expect(forms).toHaveLength(1);
        expect(forms[0]!.action.startsWith(`/p/${token}/fresh-link`)).toBe(true);
      }
      expect(await snapshotDb(h)).toEqual(before);
      expect(await consentState(h, id, 'marketing')).toBe('granted');

      const [form] = formsOf(await (await h.app.request(`/p/${token}`)).text());
      expect((await submitForm(h, form!)).status).toBe(200);
      const fresh = (await outboxOf(h, id)).filter((o) => o.kind === 'fresh-link');
      expect(fresh).toHaveLength(1);
      expect(fresh[0]!.payload).toMatchObject({ subjectId: id, purpose: 'p' });
    } finally {
      h.clock.set(start);
    }
  });
});

describe('HTML in stored fields', () => {
  const SCRIPT = '<script>alert(1)</script>';
  const IMG = '"><img src=x onerror=alert(2)>';

  it('never appears unescaped in any public page', async () => {
    const over = { firstName: SCRIPT, lastName: IMG, patronymic: SCRIPT, organization: SCRIPT, city: IMG, industry: SCRIPT, website: IMG };
    const { id } = await createSubject(h, 'xss@example.ru', over);
    const stored = await h.db.selectFrom('subjects').select(['first_name', 'last_name']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored).toEqual({ first_name: SCRIPT, last_name: IMG }); // the payload is really there to leak

    const sign = (p: 'u' | 'w' | 'c' | 'p', ttlSeconds?: number) => h.deps.signer.sign({ sub: id, p, ...(ttlSeconds ? { ttlSeconds } : {}) });
    const bodies: string[] = [];
    const visit = async (path: string, init?: RequestInit) => {
      for (const lang of ['', '?lang=en', `?lang=${encodeURIComponent(SCRIPT)}`]) {
        const res = await h.app.request(path + lang, init);
        expect(res.status, path).toBeLessThan(500);
        bodies.push(await res.text());
      }
    };

    const c = await sign('c', 30 * 86400);
    await visit(`/c/${c}`);
    await visit(`/c/${c}`, { method: 'POST' });
    const p = await sign('p', 90 * 86400);
    await visit(`/p/${p}`);
    const u = await sign('u');
    await visit(`/u/${u}`);
    await visit(`/p/${p}/unsubscribe`, { method: 'POST' });
    await visit(`/u/${u}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    await visit(`/u/${u}`);
    await visit(`/p/${p}`);
    const w = await sign('w', 365 * 86400);
    await visit(`/w/${w}`);
    await visit(`/w/${w}`, { method: 'POST' });
    await visit(`/w/${w}`);
    const shortP = await sign('p', 60);
    h.clock.advance(DAY);
    await visit(`/p/${shortP}`);
    await visit(`/p/${shortP}/fresh-link`, { method: 'POST' });
    await visit(`/u/${u.slice(0, -4)}`);
    await visit(`/nope/${encodeURIComponent(SCRIPT)}`);

    expect(bodies.length).toBeGreaterThan(30);
    for (const html of bodies) {
      expect(html).not.toContain(SCRIPT);
      expect(html).not.toContain('<img');
      expect(count(html, /<script/i)).toBe(0);
      // The center shows the stored values, escaped: the attribute text may appear only as text.
      expect(count(html, /onerror=/i)).toBe(count(html, /&lt;img src=x onerror=/i));
    }
  });
});
