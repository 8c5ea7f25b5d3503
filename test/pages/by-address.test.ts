import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseSubject } from '../../src/erasure/erase.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { consentState, createConfirmedSubject, expectPageHeaders, formsOf, htmlLang, outboxOf, suppressionOf } from '../helpers/pages.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

let clients = 0;
/** The app as seen from a client address of its own, so each test starts with the client's budget whole. */
const newClient = () => createHarness({ handle: h.handle, clientIp: `192.0.2.${++clients}` });

const byAddress = async (email: string | null, lang: string, harness: Harness): Promise<Response> =>
  harness.app.request(`/u/by-address?lang=${lang}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: email === null ? '' : new URLSearchParams({ email }).toString(),
  });

/** The page with its per-request parts (none today) left out, for comparing answers. */
const body = async (res: Response) => (await res.text()).replace(/\s+/g, ' ');

const linkMails = (subjectId: string) => outboxOf(h, subjectId).then((rows) => rows.filter((r) => r.kind === 'fresh-link'));

describe('the damaged-link page offers a way to leave by address', () => {
  it('shows an address form posting to /u/by-address in the page language', async () => {
    for (const lang of ['ru', 'en']) {
      const html = await (await h.app.request(`/u/not-a-token?lang=${lang}`)).text();
      const [form] = formsOf(html);
      expect(form).toMatchObject({ method: 'post', action: `/u/by-address?lang=${lang}` });
      expect(html).toMatch(/<input id="by-address-email" type="email" name="email"/);
    }
  });
});

describe('POST /u/by-address', () => {
  it('mails the owner of a known live address a preference-center link and never unsubscribes by the address alone', async () => {
    const id = await createConfirmedSubject(h, 'known.reader@example.ru');
    const res = await byAddress(' Known.Reader@Example.RU ', 'ru', await newClient());
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    // Typing an address is something anyone can do: consent and suppression stay as they were.
    expect(await consentState(h, id, 'marketing')).toBe('granted');
    expect(await suppressionOf(h, id)).toBeUndefined();
    const mails = await linkMails(id);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.payload).toMatchObject({ subjectId: id, purpose: 'p' });
  });

  it('answers the same page for a known, unknown, erased, malformed or empty address', async () => {
    const known = await createConfirmedSubject(h, 'same.known@example.ru');
    const erased = await createConfirmedSubject(h, 'same.erased@example.ru');
    await eraseSubject(h.db, erased, h.clock.now(), null);
    const client = await newClient();
    const answers: { status: number; body: string }[] = [];
    for (const email of ['same.known@example.ru', 'nobody.here@example.ru', 'same.erased@example.ru', 'not-an-address', 'a@b', '', null]) {
      const res = await byAddress(email, 'ru', client);
      answers.push({ status: res.status, body: await body(res) });
    }
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]!.status).toBe(200);
    expect(answers[0]!.body).toContain('Проверьте почту');
    expect(await linkMails(known)).toHaveLength(1);
    expect(await linkMails(erased)).toHaveLength(0);
  });

  it('is English for ?lang=en', async () => {
    const res = await byAddress('nobody-en@example.ru', 'en', await newClient());
    const html = await res.text();
    expect(htmlLang(html)).toBe('en');
    expect(html).toContain('We never unsubscribe anyone by the address alone');
  });

  it('mails one link per address in 10 minutes, however often it is asked, and answers the same', async () => {
    const id = await createConfirmedSubject(h, 'often@example.ru');
    const client = await newClient();
    const answers = new Set<string>();
    for (let i = 0; i < 4; i++) answers.add(await body(await byAddress('often@example.ru', 'ru', client)));
    expect(answers.size).toBe(1);
    expect(await linkMails(id)).toHaveLength(1);
    client.clock.advance(11 * 60_000);
    await byAddress('often@example.ru', 'ru', client);
    expect(await linkMails(id)).toHaveLength(2);
  });

  it('limits one client to a few requests an hour, whatever addresses they name, with the same answer for any address', async () => {
    const other = await newClient();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await byAddress(`spray-${i}@example.ru`, 'ru', other)).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
    // A known address is refused exactly like an unknown one once the client's budget is spent.
    const id = await createConfirmedSubject(h, 'after-spray@example.ru');
    const known = await byAddress('after-spray@example.ru', 'ru', other);
    const unknown = await byAddress('never-seen@example.ru', 'ru', other);
    expect(known.status).toBe(429);
    expect(await body(known)).toBe(await body(unknown));
    expect(await linkMails(id)).toHaveLength(0);
  });

  it('is not taken for a token: GET /u/by-address is a damaged-link page, and nothing is written', async () => {
    const res = await h.app.request('/u/by-address');
    expect(res.status).toBe(400);
    expect(formsOf(await res.text())[0]!.action).toBe('/u/by-address?lang=ru');
  });
});
