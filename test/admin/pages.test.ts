import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../../src/admin/mailbox.js';
import { chartRange } from '../../src/admin/queries.js';
import { createApp } from '../../src/app.js';
import { fileMailbox } from '../../src/node/dev-mailbox.js';
import { deliverEmails } from '../../src/outbox/deliver.js';
import { DAY, HOUR, insertSend, seedSubjects } from '../helpers/cadence.js';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';
import { createConfirmedSubject } from '../helpers/pages.js';
import { apiKey, fileDelivery, registerPerson } from '../helpers/rights.js';
import { postForm, signIn } from './helpers.js';

/** What the admin pages show, against a real database: charts' numbers, cadence, outbox, mailbox. */

let h: Harness;
let leads: string;
beforeAll(async () => {
  h = await createHarness();
  leads = (await apiKey(h, 'leads:write')).auth;
});
afterAll(async () => h?.close());

const page = async (path: string, cookie: string) => {
  const res = await h.app.request(path, { headers: { cookie } });
  expect(res.status, path).toBe(200);
  return res.text();
};

describe('charts', () => {
  it('counts suppressions by reason, consents granted and withdrawn, and unsubscribes per campaign, in the charts and their tables', async () => {
    const s = await signIn(h, 'admin');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await registerPerson(h, leads, `chart-${i}@example.ru`, { consents: { processing: true, marketing: true } }));
    // Two unsubscribe from the campaign "spring", one from a link of no campaign.
    for (const [i, cmp] of [
      [0, 'spring'],
      [1, 'spring'],
      [2, undefined],
    ] as const) {
      const token = await h.deps.signer.sign({ sub: ids[i]!, p: 'u', ...(cmp ? { cmp } : {}) });
      const res = await h.app.request(`/u/${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(res.status).toBe(200);
    }
    // One confirms a subscription (double opt-in): granted.
    await createConfirmedSubject(h, 'confirmed@example.ru');
    const sup = (await apiKey(h, 'suppressions:write')).auth;
    expect((await h.app.request('/v1/suppressions', jsonRequest('POST', { entries: [{ email: 'manual@example.ru' }] }, sup))).status).toBeLessThan(300);
    const html = await page('/admin/charts?days=30&lang=en', s.cookie);
    const week = chartRange(h.clock.now(), 30, h.config.timeZone).weeks.at(-1)!;
    // The table row of this week: unsubscribed 3, manual 1.
    const row = new RegExp(`<th scope="row">${week}</th>((?:<td class="n">\\d+</td>)+)`).exec(html.slice(html.indexOf('id="sup-h"')))![1]!;
    const cells = [...row.matchAll(/>(\d+)</g)].map((m) => Number(m[1]));
    expect(cells).toEqual([3, 0, 0, 0, 0, 1, 4]);
    const cons = new RegExp(`<th scope="row">${week}</th>((?:<td class="n">\\d+</td>)+)`).exec(html.slice(html.indexOf('id="cons-h"')))![1]!;
    expect([...cons.matchAll(/>(\d+)</g)].map((m) => Number(m[1]))).toEqual([1, 3, 4]);
    const camp = html.slice(html.indexOf('id="camp-h"'));
    expect(camp).toMatch(/<th scope="row">spring<\/th><td class="n">2<\/td>/);
    expect(camp).toMatch(/<th scope="row">\(no campaign\)<\/th><td class="n">1<\/td>/);
    // Patterns, not colour alone: every series has its own pattern, and bars carry their numbers.
    expect(html).toContain('<pattern id="sup-p5"');
    expect(html).toMatch(/<text[^>]*class="num"[^>]*>4<\/text>/);
  });
});

describe('cadence', () => {
  it('counts the people at their cap today with the reservation’s own rule', async () => {
    const s = await signIn(h, 'admin');
    const now = h.clock.now();
    const [monthlyAtCap, , standardAtCap, inGap] = await seedSubjects(h.db, 4, {
      now,
      frequencies: ['monthly', 'monthly', 'standard', 'standard'],
      prefix: 'cad',
    });
    await insertSend(h.db, {
      campaign: 'c1',
      subject: monthlyAtCap!,
      status: 'sent',
      reservedAt: new Date(now.getTime() - 10 * DAY),
      sentAt: new Date(now.getTime() - 10 * DAY),
    });
    for (const d of [20, 12, 5])
      await insertSend(h.db, {
        campaign: `s${d}`,
        subject: standardAtCap!,
        status: 'sent',
        reservedAt: new Date(now.getTime() - d * DAY),
        sentAt: new Date(now.getTime() - d * DAY),
      });
    await insertSend(h.db, {
      campaign: 'g1',
      subject: inGap!,
      status: 'sent',
      reservedAt: new Date(now.getTime() - 24 * HOUR),
      sentAt: new Date(now.getTime() - 24 * HOUR),
    });
    // A released reservation never counts.
    await insertSend(h.db, {
      campaign: 'r1',
      subject: inGap!,
      status: 'released',
      reservedAt: new Date(now.getTime() - 2 * DAY),
      releasedAt: new Date(now.getTime() - 2 * DAY),
    });
    const html = await page('/admin/cadence', s.cookie);
    expect(html).toContain('id="at-cap">2<');
    expect(html).toContain('id="in-gap">1<');
    expect(html).toContain('id="with-sends">3<');
  });
});

describe('outbox', () => {
  it('shows depth and dead rows with the address in the last error redacted', async () => {
    const s = await signIn(h, 'admin');
    await h.db
      .insertInto('outbox')
      .values({
        kind: 'request-received',
        subject_id: null,
        payload: '{}',
        idempotency_key: 'dead-redact',
        status: 'dead',
        attempts: 10,
        available_at: h.clock.now(),
        created_at: h.clock.now(),
        last_error: 'SMTP 550 <victim@example.ru> unknown',
        done_at: h.clock.now(),
      })
      .execute();
    const html = await page('/admin/outbox', s.cookie);
    expect(html).toContain('SMTP 550 &lt;[address]&gt; unknown');
    expect(html).not.toContain('victim@example.ru');
    expect(html).toMatch(/id="dead">\d+</);
  });

  it('will not revive a row cancelled because the person withdrew', async () => {
    const s = await signIn(h, 'admin');
    const r = await h.db
      .insertInto('outbox')
      .values({
        kind: 'request-received',
        subject_id: null,
        payload: '{}',
        idempotency_key: 'dead-cancelled',
        status: 'dead',
        attempts: 0,
        available_at: h.clock.now(),
        created_at: h.clock.now(),
        last_error: 'cancelled: the person withdrew consent to processing',
        done_at: h.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const res = await postForm(h, `/admin/outbox/${r.id}/retry`, { csrf: s.csrf }, { cookie: s.cookie });
    expect(res.headers.get('location')).toBe('/admin/outbox?done=cancelled');
    expect((await h.db.selectFrom('outbox').select('status').where('id', '=', r.id).executeTakeFirstOrThrow()).status).toBe('dead');
  });
});

describe('development mailbox', () => {
  it('says mail goes out for real when there is no mailbox', async () => {
    const s = await signIn(h, 'admin');
    expect(await page('/admin/mailbox?lang=en', s.cookie)).toContain('Mail goes out for real');
  });

  it('lists the file mailer’s mail newest first and shows a message with its links clickable; never opens another file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mailprefs-box-'));
    const dir = join(root, 'outbox');
    writeFileSync(join(root, 'secret.eml'), 'Subject: secret\n\nnot for the dashboard');
    const app = createApp({ ...h.deps, clientIp: () => '198.51.100.8', devMailbox: fileMailbox(dir) });
    const { delivery } = fileDelivery(h, dir);
    await registerPerson(h, leads, 'newcomer@example.ru');
    await deliverEmails(delivery);
    const s = await signIn(h, 'admin');
    const list = await (await app.request('/admin/mailbox', { headers: { cookie: s.cookie } })).text();
    const href = /href="(\/admin\/mailbox\/[^"]+)"/.exec(list)![1]!;
    const res = await app.request(href, { headers: { cookie: s.cookie } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<a href="https:\/\/prefs\.example\.ru\/c\/[A-Za-z0-9_.-]+">/);
    for (const bad of ['..%2Fsecret.eml', '..', '%2E%2E%2Fsecret.eml', 'secret.eml', 'x--..%2F..%2Fsecret.eml']) {
      expect((await app.request(`/admin/mailbox/${bad}`, { headers: { cookie: s.cookie } })).status, bad).toBe(404);
    }
  });

  it('reads quoted-printable and base64 parts and encoded subjects', () => {
    const raw = [
      'Subject: =?UTF-8?B?0J/RgNC40LLQtdGC?=',
      'To: a@example.ru',
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '=D0=9F=D0=BE=D0=B4=D1=82=D0=B2=D0=B5=D1=80=D0=B4=D0=B8=D1=82=D0=B5: https://x.example/c/abc=',
      'def',
      '--b1--',
    ].join('\r\n');
    expect(parseMail(raw)).toMatchObject({ subject: 'Привет', to: 'a@example.ru', text: 'Подтвердите: https://x.example/c/abcdef' });
  });
});
