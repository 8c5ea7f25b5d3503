import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, hasChromium, serveInChromium } from '../helpers/browser.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { createConfirmedSubject, createSubject } from '../helpers/pages.js';

/**
 * Whose mail is this, in real headless Chromium (Debian's package) over a loopback port: /u,
 * /w, /p and /c at 360 px and 1280 px each show the operator's name, the masked address and a
 * person to write to, visibly and without sideways scrolling. Screenshots go to test/artifacts/
 * (identity-*.png, not committed). Skipped only where there is no Chromium.
 */

const ORG = {
  ORG_NAME: 'ООО «Научно-производственное объединение “Ромашка”»',
  ORG_URL: 'https://romashka.example.ru/',
  SUPPORT_EMAIL: 'privacy-requests@romashka.example.ru',
  POLICY_URL: 'https://romashka.example.ru/privacy',
};
const WIDTHS = [360, 1280] as const;

describe.skipIf(!hasChromium)('the operator and the address on every page, in Chromium', () => {
  let h: Harness;
  let served: Awaited<ReturnType<typeof serveInChromium>>;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    h = await createHarness({ env: ORG });
    served = await serveInChromium(h);
    ({ base, browser } = served);
  });

  afterAll(async () => {
    await served?.close();
    await h?.close();
  });

  /** The operator's name, the masked address and the contact are all on screen, and nothing is wider than it. */
  async function expectIdentity(page: Page, masked: string | null) {
    await expect(page.getByText(ORG.ORG_NAME, { exact: true }).first().isVisible()).resolves.toBe(true);
    const contact = page.locator(`a[href="mailto:${ORG.SUPPORT_EMAIL}"]`);
    await expect(contact.isVisible()).resolves.toBe(true);
    expect(await contact.textContent()).toBe(ORG.SUPPORT_EMAIL);
    if (masked) await expect(page.getByText(masked, { exact: true }).isVisible()).resolves.toBe(true);
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(scroll).toBeLessThanOrEqual(client);
  }

  async function visit(name: string, url: string, masked: string | null, status = 200, after?: (page: Page, width: number) => Promise<void>) {
    for (const width of WIDTHS) {
      const context = await browser.newContext({ javaScriptEnabled: false, locale: 'ru-RU', viewport: { width, height: 800 } });
      try {
        const page = await context.newPage();
        const res = await page.goto(url);
        expect(res?.status()).toBe(status);
        await expectIdentity(page, masked);
        await page.screenshot({ path: join(ARTIFACTS, `identity-${name}-${width}.png`), fullPage: true });
        await after?.(page, width);
      } finally {
        await context.close();
      }
    }
  }

  it('/u: the unsubscribe page, its button first and primary; and the page after unsubscribing', async () => {
    const id = await createConfirmedSubject(h, 'ivan.petrov@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    await visit('u', `${base}/u/${token}`, 'i***@example.ru', 200, async (page) => {
      const buttons = page.locator('main button');
      expect(await buttons.allTextContents()).toEqual(['Отписаться', 'Не больше одного письма в месяц']);
      const [first, second] = [await buttons.nth(0).boundingBox(), await buttons.nth(1).boundingBox()];
      expect(first!.y).toBeLessThan(second!.y);
      // Primary: the filled button; the offer is an outlined one.
      const bg = (i: number) => buttons.nth(i).evaluate((b) => getComputedStyle(b).backgroundColor);
      expect(await bg(0)).toBe('rgb(11, 87, 208)');
      expect(await bg(1)).toBe('rgb(255, 255, 255)');
    });
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'ru-RU', viewport: { width: 360, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto(`${base}/u/${token}`);
      await page.getByRole('button', { name: 'Отписаться' }).click();
      await page.locator('h1', { hasText: 'Вы отписаны' }).waitFor();
      await expectIdentity(page, 'i***@example.ru');
      await expect(page.getByRole('button', { name: 'Подписаться снова' }).isVisible()).resolves.toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'identity-u-done-360.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('/w: the withdrawal page', async () => {
    const { id } = await createSubject(h, 'walentina@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: 86400 });
    await visit('w', `${base}/w/${token}`, 'w***@example.ru');
  });

  it('/p: the preference center', async () => {
    const id = await createConfirmedSubject(h, 'pavel@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 86400 });
    await visit('p', `${base}/p/${token}`, 'p***@example.ru');
  });

  it('/c: the confirmation page', async () => {
    const { id } = await createSubject(h, 'clara@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: 86400 });
    await visit('c', `${base}/c/${token}`, 'c***@example.ru');
  });

  it('/ and /privacy name the operator too', async () => {
    await visit('home', `${base}/`, null);
    // POLICY_URL is the operator's own: /privacy sends the browser there (not followed here).
    const res = await fetch(`${base}/privacy`, { redirect: 'manual' });
    expect(res.headers.get('location')).toBe(ORG.POLICY_URL);
  });

  it('a damaged link: the operator, the contact and the address form to leave, no address', async () => {
    await visit('damaged', `${base}/u/not-a-token`, null, 400, async (page) => {
      await expect(page.getByLabel('Адрес электронной почты').isVisible()).resolves.toBe(true);
      expect(await page.locator('main').textContent()).not.toContain('***@');
    });
  });
});
