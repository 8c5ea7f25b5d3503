import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, hasChromium, serveInChromium } from '../helpers/browser.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { consentState, createConfirmedSubject, eventsOf } from '../helpers/pages.js';

/**
 * The preference center in real headless Chromium (Debian's package), over a real loopback
 * port: open it, change the frequency, download the export, unsubscribe; screenshots at 360 px
 * and 1280 px go to test/artifacts/ (not committed). Skipped only where there is no Chromium.
 */

describe.skipIf(!hasChromium)('preference center in Chromium', () => {
  let h: Harness;
  let served: Awaited<ReturnType<typeof serveInChromium>>;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    h = await createHarness();
    served = await serveInChromium(h);
    ({ base, browser } = served);
  });

  afterAll(async () => {
    await served?.close();
    await h?.close();
  });

  const centerUrl = async (id: string, lang = 'ru') => `${base}/p/${await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 90 * 86400 })}?lang=${lang}`;

  /** Waits for the page whose main heading is this (after a form's navigation). */
  const heading = (page: Page, text: string) => page.locator('h1', { hasText: text }).waitFor();

  /** Nothing on the page is wider than the viewport (no sideways scrolling on a phone). */
  const expectNoHorizontalScroll = async (page: Page) => {
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(scroll).toBeLessThanOrEqual(client);
  };

  it('opens the center, changes the frequency, downloads the export and unsubscribes, without JavaScript', async () => {
    const id = await createConfirmedSubject(h, 'browser@example.ru', {
      lastName: 'Константинопольская',
      firstName: 'Александра',
      patronymic: 'Владимировна',
      phone: '+7 (495) 123-45-67',
      website: 'https://www.very-long-company-website-name.example.ru/about/contacts',
      organization: 'ООО «Научно-производственное объединение “Ромашка”»',
      industry: 'Производство',
      city: 'Санкт-Петербург',
    });
    const context = await browser.newContext({ acceptDownloads: true, javaScriptEnabled: false, locale: 'ru-RU', viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const res = await page.goto(await centerUrl(id));
      expect(res?.status()).toBe(200);
      await heading(page, 'Настройки рассылки и ваши данные');
      expect(await page.evaluate(() => document.compatMode)).toBe('CSS1Compat'); // standards mode, not quirks
      await page.screenshot({ path: join(ARTIFACTS, 'preference-center-1280.png'), fullPage: true });
      await expectNoHorizontalScroll(page);

      await page.setViewportSize({ width: 360, height: 780 });
      await page.screenshot({ path: join(ARTIFACTS, 'preference-center-360.png'), fullPage: true });
      await expectNoHorizontalScroll(page);

      // Frequency: monthly, paused until 1 April.
      await page.getByLabel('Раз в месяц — не больше 1 письма за 30 дней').check();
      await page.getByLabel('Не присылать письма до').fill('2026-04-01');
      await page.locator('#frequency').getByRole('button', { name: 'Сохранить' }).click();
      await heading(page, 'Настройки сохранены');
      expect(await page.locator('main').textContent()).toContain('Письма снова начнут приходить 1 апреля 2026');
      const prefs = await h.db.selectFrom('preferences').select(['frequency']).where('subject_id', '=', id).executeTakeFirstOrThrow();
      expect(prefs.frequency).toBe('monthly');
      expect((await eventsOf(h, id)).map((e) => e.action)).toEqual(expect.arrayContaining(['frequency_changed', 'paused']));

      // Back to the center, which shows the new state.
      await page.getByRole('link', { name: 'Вернуться к настройкам' }).click();
      await heading(page, 'Настройки рассылки и ваши данные');
      expect(await page.getByLabel('Раз в месяц — не больше 1 письма за 30 дней').isChecked()).toBe(true);
      expect(await page.getByLabel('Не присылать письма до').inputValue()).toBe('2026-04-01');

      // Access: the export downloads as a JSON file.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Скачать данные (JSON)' }).click()]);
      const body = readFileSync(await download.path(), 'utf8');
      expect(download.suggestedFilename(), body.slice(0, 3000)).toMatch(/^personal-data-\d{4}-\d{2}-\d{2}\.json$/);
      const data = JSON.parse(body) as { subject: { email: string; lastName: string; preferences: { frequency: string; pausedUntil: string } } };
      expect(data.subject).toMatchObject({
        email: 'browser@example.ru',
        lastName: 'Константинопольская',
        preferences: { frequency: 'monthly', pausedUntil: '2026-04-01' },
      });

      // Unsubscribe.
      await page.getByRole('button', { name: 'Отписаться' }).click();
      await heading(page, 'Вы отписаны');
      expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
      await page.screenshot({ path: join(ARTIFACTS, 'preference-center-unsubscribed-360.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('keeps a logical focus order with a visible focus ring, in English too', async () => {
    const id = await createConfirmedSubject(h, 'browser-keys@example.ru', { firstName: 'Jane' });
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(await centerUrl(id, 'en'));
      await heading(page, 'Mailing preferences and your data');
      const order: string[] = [];
      for (let i = 0; i < 14; i++) {
        await page.keyboard.press('Tab');
        order.push(
          await page.evaluate(() => {
            const el = document.activeElement as HTMLElement;
            return (el.id || el.getAttribute('href')?.replace(/^\/p\/[^/?]+/, '') || el.textContent || '').trim();
          }),
        );
      }
      // First whose mail this is (the operator's site), then the center itself.
      expect(order[0]).toBe(h.config.orgUrl);
      expect(order.slice(1, 10)).toEqual(['?lang=ru', '#data', '#export', '#frequency', '#unsubscribe', '#rectify', '#restrict', '#withdraw', '#appeal']);
      expect(order.slice(10, 13)).toEqual(['/export?lang=en', 'frequency-standard', 'paused-until']);
      const outline = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement!);
        return { style: s.outlineStyle, width: s.outlineWidth };
      });
      expect(outline.style).not.toBe('none');
      expect(parseFloat(outline.width)).toBeGreaterThanOrEqual(2);
      await page.screenshot({ path: join(ARTIFACTS, 'preference-center-en-1280.png'), fullPage: true });

      // The withdrawal confirmation and an error page, as a phone shows them.
      await page.setViewportSize({ width: 360, height: 780 });
      await page.getByRole('button', { name: 'Withdraw consent…' }).click();
      await heading(page, 'Confirm the withdrawal of consent');
      await page.screenshot({ path: join(ARTIFACTS, 'withdraw-confirm-360.png'), fullPage: true });
      await expectNoHorizontalScroll(page);
      expect(await consentState(h, id, 'processing')).toBe('granted');
      await page.getByRole('link', { name: 'Back to preferences' }).click();
      await page.getByLabel('E-mail', { exact: true }).fill('not an address');
      await page.getByRole('button', { name: 'Save corrections' }).click();
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toContain('The e-mail address is not valid');
      await page.screenshot({ path: join(ARTIFACTS, 'rectify-error-360.png'), fullPage: true });
      await expectNoHorizontalScroll(page);
    } finally {
      await context.close();
    }
  });
});
