import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { buildDeps } from '../../src/node/bootstrap.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { createConfirmedSubject, createSubject, formsOf, snapshotDb, submitForm } from '../helpers/pages.js';

// A name with characters HTML must escape: the page shows it, never interprets it.
const ORG = {
  ORG_NAME: 'ООО «Ромашка» & <Co>',
  ORG_URL: 'https://romashka.example.ru/',
  SUPPORT_EMAIL: 'people@romashka.example.ru',
  POLICY_URL: 'https://romashka.example.ru/policy',
};
const ORG_HTML = 'ООО «Ромашка» &amp; &lt;Co&gt;';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: ORG });
});
afterAll(() => h.close());

/** What every page must show: whose mail it is, a person to write to, the policy. */
function expectOperator(html: string) {
  expect(html).toContain(`<a href="https://romashka.example.ru/">${ORG_HTML}</a>`);
  expect(html).toContain('<a href="mailto:people@romashka.example.ru">people@romashka.example.ru</a>');
  expect(html).toContain('href="https://romashka.example.ru/policy"');
  expect(html).not.toContain('<Co>');
}

const form = (fields: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('every page names the operator, the masked address acted on, and a person to write to', () => {
  it('/u: the page and the result, without the full address', async () => {
    const id = await createConfirmedSubject(h, 'ivan.unsub@client.example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    const page = await (await h.app.request(`/u/${token}`)).text();
    expectOperator(page);
    expect(page).toContain('<strong>i***@client.example.ru</strong>');
    expect(page).not.toContain('ivan.unsub');
    const [unsubscribe] = formsOf(page);
    const done = await (await submitForm(h, unsubscribe!)).text();
    expect(done).toContain('Вы отписаны');
    expectOperator(done);
    expect(done).toContain('i***@client.example.ru');
    expect(done).not.toContain('ivan.unsub');
  });

  it('/w: the page and the result, in English too', async () => {
    const { id } = await createSubject(h, 'wanda@client.example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: 86400 });
    const page = await (await h.app.request(`/w/${token}?lang=en`)).text();
    expectOperator(page);
    expect(page).toContain('Mailings from');
    expect(page).toContain('w***@client.example.ru');
    expect(page).not.toContain('wanda@');
    const done = await (await h.app.request(`/w/${token}?lang=en`, form({ confirm: '1' }))).text();
    expectOperator(done);
    expect(done).toContain('w***@client.example.ru');
    expect(done).not.toContain('wanda@');
  });

  it('/p: the center and its result pages', async () => {
    const id = await createConfirmedSubject(h, 'pavel@client.example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 86400 });
    const page = await (await h.app.request(`/p/${token}`)).text();
    expectOperator(page);
    expect(page).toContain('<strong>p***@client.example.ru</strong>');
    const result = await (await h.app.request(`/p/${token}/frequency`, form({ frequency: 'monthly' }))).text();
    expectOperator(result);
    expect(result).toContain('p***@client.example.ru');
    expect(result).not.toContain('pavel@');
  });

  it('/c: the page and the result', async () => {
    const { id } = await createSubject(h, 'clara@client.example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: 86400 });
    const page = await (await h.app.request(`/c/${token}`)).text();
    expectOperator(page);
    expect(page).toContain('c***@client.example.ru');
    expect(page).not.toContain('clara@');
    const done = await (await h.app.request(`/c/${token}`, { method: 'POST' })).text();
    expectOperator(done);
    expect(done).toContain('c***@client.example.ru');
  });

  it('an expired link shows where a fresh one would go; its answer names the operator', async () => {
    const { id } = await createSubject(h, 'olga@client.example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 60 });
    const start = h.clock.now();
    h.clock.advance(120_000);
    try {
      const res = await h.app.request(`/p/${token}`);
      expect(res.status).toBe(410);
      const page = await res.text();
      expectOperator(page);
      expect(page).toContain('o***@client.example.ru');
      const answer = await (await h.app.request(`/p/${token}/fresh-link`, form())).text();
      expectOperator(answer);
    } finally {
      h.clock.set(start);
    }
  });

  it('damaged links, unknown pages and refusals name the operator and no address, and write nothing', async () => {
    const before = await snapshotDb(h);
    for (const path of ['/u/abc', '/w/abc', '/p/abc', '/c/abc', '/nowhere']) {
      const res = await h.app.request(path);
      expect(res.status).toBeGreaterThanOrEqual(400);
      const html = await res.text();
      expectOperator(html);
      expect(html).not.toContain('***@');
    }
    expect(await snapshotDb(h)).toEqual(before);
  });
});

describe('without the operator settings (development)', () => {
  it('shows placeholders that say so, never the sender as the contact', async () => {
    // The same database (closed with the file's harness), another configuration.
    const dev = await createHarness({ handle: h.handle, env: { MAIL_FROM: 'Рассылка <news@example.ru>' } });
    const html = await (await dev.app.request('/u/abc')).text();
    expect(html).toContain('Example Operator (set ORG_NAME)');
    expect(html).toContain('mailto:support@operator.example');
    expect(html).not.toContain('news@example.ru');
  });
});

describe('at start', () => {
  it('warns while the operator is a placeholder or /privacy the template, and not once configured', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailprefs-operator-'));
    try {
      for (const [env, warned] of [
        [{}, true],
        [{ ...ORG, POLICY_URL: undefined }, true],
        [ORG, false],
      ] as const) {
        const lines: string[] = [];
        const config = loadConfig({ ...env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
        const built = await buildDeps(
          config,
          h.handle,
          createLogger('warn', (l) => lines.push(l)),
        );
        await built.mailer.close();
        expect(lines.some((l) => /the operator is not configured/.test(l))).toBe(warned);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
