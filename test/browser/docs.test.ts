import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDocsAssets } from '../../src/node/docs-assets.js';
import { ARTIFACTS, hasChromium, serveInChromium } from '../helpers/browser.js';
import type { Harness } from '../helpers/harness.js';
import { appWithoutDb, openApiDoc, operationsOf } from '../helpers/openapi-doc.js';

/**
 * `/docs` in real headless Chromium on a loopback server with every request to anywhere else
 * refused: Swagger UI, served from the pinned swagger-ui-dist, lists every operation of
 * /openapi.json, asks nothing of another origin and breaks no rule of its CSP (issue 11, item
 * 16). Skipped only where there is no Chromium. A screenshot goes to test/artifacts/docs.png.
 */
describe.skipIf(!hasChromium)('/docs offline, in Chromium', () => {
  let served: Awaited<ReturnType<typeof serveInChromium>>;

  beforeAll(async () => {
    const app = await appWithoutDb({ docsAssets: loadDocsAssets() });
    // The browser helper serves a harness's app; /docs and /openapi.json need no database.
    served = await serveInChromium({ app } as unknown as Harness);
  });
  afterAll(async () => {
    await served?.close();
  });

  it('lists every operation, loading nothing from outside the loopback server', async () => {
    const operations = operationsOf(await openApiDoc());
    expect(operations.length).toBeGreaterThan(20);
    const context = await served.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const outside: string[] = [];
    const violations: string[] = [];
    const errors: string[] = [];
    try {
      // The network: loopback only; anything else is refused and recorded.
      await context.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return route.continue();
        outside.push(url.href);
        return route.abort('blockedbyclient');
      });
      const page = await context.newPage();
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      const res = await page.goto(`${served.base}/docs`);
      expect(res?.status()).toBe(200);
      const blocks = page.locator('.opblock');
      await blocks.nth(operations.length - 1).waitFor({ timeout: 30_000 });
      expect(await blocks.count()).toBe(operations.length);
      // Each operation is shown by its method and path.
      const shown = await page.locator('.opblock-summary-path').evaluateAll((els) => els.map((e) => e.getAttribute('data-path') ?? e.textContent ?? ''));
      const want = operations.map((o) => o.path).sort();
      expect(shown.map((s) => s.replace(/\u200b/g, '').trim()).sort()).toEqual(want);
      // An operation opens, with its request body's alternatives (the highlighted examples
      // and the schema views are where an inline style would be refused).
      await page.locator('#operations-Mail_sender-reportMailSenderEvents .opblock-summary').first().click();
      await page.locator('#operations-Mail_sender-reportMailSenderEvents .opblock-body').waitFor({ timeout: 10_000 });
      await page.locator('#operations-Mail_sender-reportMailSenderEvents .responses-table').first().waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(ARTIFACTS, 'docs.png') });
    } finally {
      await context.close();
    }
    expect(outside).toEqual([]);
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  });
});
