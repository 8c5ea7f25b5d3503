import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { policyDocument } from '../../src/pages/policy-text.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { expectPageHeaders, htmlLang } from '../helpers/pages.js';

const ORG = { ORG_NAME: 'ООО «Ромашка»', ORG_URL: 'https://romashka.example.ru/', SUPPORT_EMAIL: 'people@romashka.example.ru' };

let h: Harness;
beforeAll(async () => {
  h = await createHarness({
    env: { ...ORG, CADENCE_MAX_PER_WINDOW: '2', CADENCE_WINDOW_DAYS: '14', CADENCE_MIN_GAP_HOURS: '48', ERASURE_DUE_BUSINESS_DAYS: '3' },
  });
});
afterAll(() => h.close());

const text = (doc: ReturnType<typeof policyDocument>) =>
  [doc.title, doc.templateNotice ?? '', ...doc.sections.flatMap((s) => [s.heading, ...s.paragraphs, ...(s.items ?? [])])].join('\n');

describe('the policy generated from configuration', () => {
  it('names the operator, the site, the contact, the fields, the cadence and the deadlines, in Russian and English', () => {
    const ru = text(policyDocument(h.config, 'ru'));
    const en = text(policyDocument(h.config, 'en'));
    for (const t of [ru, en]) {
      expect(t).toContain('ООО «Ромашка»');
      expect(t).toContain('https://romashka.example.ru/');
      expect(t).toContain('people@romashka.example.ru');
    }
    expect(ru).toContain('не больше 2 писем за 14 дней и не чаще одного письма в 48 часов');
    expect(ru).toContain('не позднее чем через 3 рабочих дня');
    expect(ru).toContain('фамилия, имя, отчество');
    expect(ru).toContain('рекламно-информационную рассылку');
    expect(en).toContain('at most 2 e-mails in 14 days, at least 48 hours apart');
    expect(en).toContain('within 3 business days');
    // The standard preference cannot promise more than the global ceiling allows.
    expect(ru).toContain('Обычно — не больше 2 писем за 30 дней');
    expect(ru).not.toMatch(/\b1 писем|\b1 письма/);
  });

  it('follows the defaults too: 3 in 30 days, 72 hours apart, erasure in 2 business days', () => {
    const t = text(policyDocument(loadConfig({}), 'ru'));
    expect(t).toContain('не больше 3 писем за 30 дней и не чаще одного письма в 72 часа');
    expect(t).toContain('не позднее чем через 2 рабочих дня');
    expect(t).toContain('не больше одного письма за 30 дней');
  });

  it("is marked as a template until POLICY_URL names the operator's own policy", () => {
    expect(policyDocument(h.config, 'ru').templateNotice).toMatch(/шаблон/);
    expect(policyDocument(h.config, 'en').templateNotice).toMatch(/template/);
    expect(policyDocument(loadConfig({ ...ORG, POLICY_URL: 'https://romashka.example.ru/privacy' }), 'ru').templateNotice).toBeNull();
  });
});

describe('GET /privacy', () => {
  it('serves the template in Russian by default and in English by ?lang= or Accept-Language, marked at the top', async () => {
    const ru = await h.app.request('/privacy');
    expect(ru.status).toBe(200);
    expectPageHeaders(ru);
    const ruHtml = await ru.text();
    expect(htmlLang(ruHtml)).toBe('ru');
    expect(ruHtml.indexOf('class="notice"')).toBeLessThan(ruHtml.indexOf('<h1>'));
    expect(ruHtml).toContain('Политика обработки персональных данных — ООО «Ромашка»');
    for (const init of [{ path: '/privacy?lang=en' }, { path: '/privacy', headers: { 'accept-language': 'en-GB,en;q=0.8' } }]) {
      const html = await (await h.app.request(init.path, { headers: init.headers ?? {} })).text();
      expect(htmlLang(html)).toBe('en');
      expect(html).toContain('Personal data policy — ООО «Ромашка»');
      expect(html).toContain('This is a template');
    }
  });

  it("ships no third party's policy or contact: the only address on it is the operator's", async () => {
    for (const lang of ['ru', 'en']) {
      const html = await (await h.app.request(`/privacy?lang=${lang}`)).text();
      const addresses = new Set(html.match(/[\p{L}\p{N}._+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu));
      expect([...addresses]).toEqual(['people@romashka.example.ru']);
      // Generated text, not raw Markdown.
      expect(html).not.toMatch(/(^|>)\s*#{1,2} /m);
    }
  });

  it("redirects to the operator's own policy once POLICY_URL names it", async () => {
    const own = await createHarness({ handle: h.handle, env: { ...ORG, POLICY_URL: 'https://romashka.example.ru/privacy' } });
    const res = await own.app.request('/privacy');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://romashka.example.ru/privacy');
    // Pages and the center link the operator's policy directly.
    expect(await (await own.app.request('/')).text()).toContain('href="https://romashka.example.ru/privacy"');
  });
});

describe('GET /', () => {
  it('names the service and its operator, with links to /docs and /privacy', async () => {
    for (const [lang, title] of [
      ['ru', 'Настройки рассылки — ООО «Ромашка»'],
      ['en', 'Mailing preferences — ООО «Ромашка»'],
    ]) {
      const res = await h.app.request(`/?lang=${lang}`);
      expect(res.status).toBe(200);
      expectPageHeaders(res);
      const html = await res.text();
      expect(html).toContain(`<h1>${title}</h1>`);
      expect(html).toContain('href="/docs"');
      expect(html).toContain('href="http://localhost:3000/privacy"'.replace('http://localhost:3000', h.config.publicBaseUrl));
      expect(html).toContain('mailto:people@romashka.example.ru');
    }
  });
});
