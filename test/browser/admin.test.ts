import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { fileMailbox } from '../../src/node/dev-mailbox.js';
import { deliverEmails } from '../../src/outbox/deliver.js';
import { ARTIFACTS, hasChromium, launchChromium } from '../helpers/browser.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { apiKey, fileDelivery, fileRequestOk, registerPerson } from '../helpers/rights.js';

/**
 * The dashboard in real headless Chromium with JavaScript off, over a real loopback port whose
 * address is PUBLIC_BASE_URL (so the links in the mail lead back here): sign in, see the overdue
 * request on top, read an appeal (audited), retry a dead outbox row, and click a confirmation
 * link in the development mailbox. Screenshots at 360 and 1280 px go to test/artifacts/.
 */

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

describe.skipIf(!hasChromium)('the dashboard in Chromium', () => {
  let h: Harness;
  let server: ServerType;
  let browser: Browser;
  let base: string;
  let adminKey: string;
  let appealId: string;
  let deadId: string;
  let newcomer: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    h = await createHarness({ env: { PUBLIC_BASE_URL: base } });
    const dir = join(mkdtempSync(join(tmpdir(), 'mailprefs-admin-')), 'outbox');
    const app = createApp({ ...h.deps, clientIp: () => '127.0.0.1', devMailbox: fileMailbox(dir) });
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve());
    });
    browser = await launchChromium();

    const staff = (await apiKey(h, 'leads:write', 'requests:manage')).auth;
    adminKey = (await apiKey(h, 'admin')).auth.slice(7);
    const person = await registerPerson(h, staff, 'appellant@example.ru');
    await fileRequestOk(h, staff, person, { type: 'access', receivedAt: '2026-03-01T09:00:00Z' });
    appealId = (
      await fileRequestOk(h, staff, person, {
        type: 'appeal',
        body: 'Прошу пересмотреть отказ в удалении данных.\nС уважением, заявитель.',
        receivedAt: '2026-01-20T09:00:00Z',
      })
    ).id;
    // Something for the charts: unsubscribes from two campaigns and one manual suppression.
    for (const [i, cmp] of ['spring-sale', 'spring-sale', 'webinar-12'].entries()) {
      const id = await registerPerson(h, staff, `reader-${i}@example.ru`);
      const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp });
      await app.request(`/u/${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
    }
    newcomer = await registerPerson(h, staff, 'newcomer@example.ru');
    // The newcomer's confirmation mail (and the acknowledgments) as .eml files in the mailbox.
    await deliverEmails(fileDelivery(h, dir).delivery);
    const dead = await h.db
      .insertInto('outbox')
      .values({
        kind: 'request-received',
        subject_id: person,
        payload: JSON.stringify({ subjectId: person, requestId: appealId }),
        idempotency_key: 'browser-dead',
        status: 'dead',
        attempts: 10,
        available_at: h.clock.now(),
        created_at: h.clock.now(),
        last_error: 'SMTP 451 4.4.1 <appellant@example.ru>: relay timed out',
        done_at: h.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    deadId = String(dead.id);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await h?.close();
  });

  const noSideScroll = async (page: Page) => {
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(scroll).toBeLessThanOrEqual(client);
  };
  const shots = async (page: Page, name: string) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, `admin-${name}-1280.png`), fullPage: true });
    await page.setViewportSize({ width: 360, height: 780 });
    await page.screenshot({ path: join(ARTIFACTS, `admin-${name}-360.png`), fullPage: true });
    await noSideScroll(page);
    await page.setViewportSize({ width: 1280, height: 900 });
  };

  it('signs in, shows the overdue request on top, reads an appeal, retries a dead row and opens a confirmation link from the mailbox', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(`${base}/admin`);
      expect(new URL(page.url()).pathname).toBe('/admin/login');
      await shots(page, 'login');
      await page.getByLabel('API key').fill(adminKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('h1', { hasText: 'Data-subject requests' }).waitFor();
      const cookie = (await context.cookies()).find((c) => c.name === 'mp_admin')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });

      // The overdue appeal is first, marked in words and with a symbol.
      const first = page.locator('ol.requests li').first();
      expect(await first.getAttribute('data-request')).toBe(appealId);
      expect(await first.textContent()).toMatch(/⚠\s*Overdue by \d+ d/);
      await shots(page, 'requests');

      // Read the appeal: the purpose is stated, the text shown, the read audited.
      await first.getByRole('link').click();
      await page.getByLabel('Purpose of this read').fill('appeal review, ticket 12');
      await page.getByRole('button', { name: 'Show the text' }).click();
      await page.locator('pre.text', { hasText: 'Прошу пересмотреть отказ' }).waitFor();
      await shots(page, 'request');
      const audit = await h.db.selectFrom('audit_log').selectAll().where('action', '=', `request.read:${appealId}`).execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]!.purpose).toBe('appeal review, ticket 12');

      // Start it through the form (CSRF token included by the page).
      await page.getByRole('button', { name: 'Start' }).click();
      await page.getByText('The request is in progress.').waitFor();
      expect((await h.db.selectFrom('requests').select('status').where('id', '=', appealId).executeTakeFirstOrThrow()).status).toBe('in_progress');

      // Retry the dead row.
      await page.locator('nav').getByRole('link', { name: 'Outbox' }).click();
      expect(await page.locator('main').textContent()).not.toContain('appellant@example.ru');
      await shots(page, 'outbox');
      await page.getByRole('button', { name: `Retry #${deadId}` }).click();
      await page.getByText('The mail is pending again.').waitFor();
      const row = await h.db.selectFrom('outbox').select(['status', 'attempts']).where('id', '=', deadId).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'pending', attempts: 0 });

      // Charts, cadence and keys render at both widths.
      await page.locator('nav').getByRole('link', { name: 'Charts' }).click();
      await page.locator('h1', { hasText: 'Charts' }).waitFor();
      await shots(page, 'charts');
      await page.locator('nav').getByRole('link', { name: 'API keys' }).click();
      await shots(page, 'keys');

      // The development mailbox: open the confirmation mail, click its link, confirm.
      await page.locator('nav').getByRole('link', { name: 'Development mailbox' }).click();
      await shots(page, 'mailbox');
      await page.locator('ol.requests li', { hasText: 'newcomer@example.ru' }).getByRole('link').click();
      await shots(page, 'mail');
      await page.locator('pre.text a[href*="/c/"]').first().click();
      await page.locator('form button[type=submit]').first().click();
      await page.waitForLoadState();
      const consent = await h.db
        .selectFrom('consents')
        .select('state')
        .where('subject_id', '=', newcomer)
        .where('purpose', '=', 'marketing')
        .executeTakeFirstOrThrow();
      expect(consent.state).toBe('granted');
    } finally {
      await context.close();
    }
  });
});
