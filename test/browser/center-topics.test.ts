import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, hasChromium, serveInChromium } from '../helpers/browser.js';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';
import { createConfirmedSubject, eventsOf } from '../helpers/pages.js';

/**
 * The preference center's topic checkboxes in real headless Chromium, JavaScript off, over a real
 * loopback port: untick one, tick another, save; come back to a topic left by its link.
 * Screenshots at 360 px and 1280 px go to test/artifacts/ (not committed).
 */
describe.skipIf(!hasChromium)("preference center's topics in Chromium", () => {
  let h: Harness;
  let served: Awaited<ReturnType<typeof serveInChromium>>;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    h = await createHarness();
    const admin = await h.bearer('admin');
    const put = (key: string, body: Record<string, unknown>) => h.app.request(`/v1/topics/${key}`, jsonRequest('PUT', body, admin));
    await put('webinars', {
      name: { ru: 'Вебинары и онлайн-конференции', en: 'Webinars and online conferences' },
      description: { ru: 'Приглашения на вебинары, записи и материалы после них, не чаще двух раз в месяц', en: 'Invitations, recordings and slides' },
    });
    await put('digest', {
      name: { ru: 'Ежемесячный дайджест', en: 'Monthly digest' },
      description: { ru: 'Главное за месяц одним письмом', en: 'The month in one e-mail' },
      defaultSubscribed: false,
    });
    await put('promo', { name: { ru: 'Акции и скидки', en: 'Offers' }, description: { ru: 'Специальные предложения для клиентов', en: 'Special offers' } });
    served = await serveInChromium(h);
    ({ base, browser } = served);
  });

  afterAll(async () => {
    await served?.close();
    await h?.close();
  });

  const heading = (page: Page, text: string) => page.locator('h1', { hasText: text }).waitFor();
  const expectNoHorizontalScroll = async (page: Page) => {
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(scroll).toBeLessThanOrEqual(client);
  };

  it('changes topics with checkboxes (one ledger event each), and brings back a topic left by its link, at 360 and 1280 px', async () => {
    const id = await createConfirmedSubject(h, 'browser-topics@example.ru');
    // Left "promo" by its link in a mailbox.
    const u = await h.deps.signer.sign({ sub: id, p: 'u', t: 'promo' });
    expect(
      (await h.app.request(`/u/${u}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' }))
        .status,
    ).toBe(200);

    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'ru-RU', viewport: { width: 360, height: 780 } });
    try {
      const page = await context.newPage();
      const url = `${base}/p/${await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 90 * 86400 })}?lang=ru`;
      expect((await page.goto(url))?.status()).toBe(200);
      const topics = page.locator('#topics');
      await topics.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, 'preference-center-topics-360.png'), fullPage: true });
      await topics.screenshot({ path: join(ARTIFACTS, 'preference-center-topics-section-360.png') });
      await expectNoHorizontalScroll(page);
      const webinars = page.getByLabel('Вебинары и онлайн-конференции');
      const digest = page.getByLabel('Ежемесячный дайджест');
      const promo = page.getByLabel('Акции и скидки');
      expect(await webinars.isChecked()).toBe(true);
      expect(await digest.isChecked()).toBe(false);
      expect(await promo.isChecked()).toBe(false);
      expect(await topics.textContent()).toContain('Главное за месяц одним письмом');
      // The checkbox sits beside its label, not on a line of its own, even on a phone.
      const [box, label] = await Promise.all([webinars.boundingBox(), page.locator('label[for="topic-webinars"]').boundingBox()]);
      expect(Math.abs(box!.y + box!.height / 2 - (label!.y + Math.min(label!.height, 30) / 2))).toBeLessThan(16);

      await page.setViewportSize({ width: 1280, height: 900 });
      await page.screenshot({ path: join(ARTIFACTS, 'preference-center-topics-1280.png'), fullPage: true });
      await topics.screenshot({ path: join(ARTIFACTS, 'preference-center-topics-section-1280.png') });
      await expectNoHorizontalScroll(page);

      await webinars.uncheck();
      await digest.check();
      await promo.check();
      await topics.getByRole('button', { name: 'Сохранить выбор' }).click();
      await heading(page, 'Выбор сохранён');

      const events = (await eventsOf(h, id)).filter((e) => e.action.startsWith('topic_'));
      expect(events.map((e) => [e.action, (e.details as { topic: string }).topic, e.source])).toEqual([
        ['topic_unsubscribed', 'promo', 'one-click'],
        ['topic_subscribed', 'digest', 'preference-center'],
        ['topic_subscribed', 'promo', 'preference-center'],
        ['topic_unsubscribed', 'webinars', 'preference-center'],
      ]);
      expect(events.every((e) => e.actor_type === 'subject')).toBe(true);

      // The center shows the new state.
      await page.goto(url);
      expect(await page.getByLabel('Вебинары и онлайн-конференции').isChecked()).toBe(false);
      expect(await page.getByLabel('Ежемесячный дайджест').isChecked()).toBe(true);
      expect(await page.getByLabel('Акции и скидки').isChecked()).toBe(true);
      // Unsubscribing from everything is still one button.
      expect(await page.locator('#unsubscribe button').count()).toBe(1);
    } finally {
      await context.close();
    }
  });
});
