import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseSubject } from '../../src/erasure/erase.js';
import { silentLogger } from '../../src/log.js';
import { dueFor } from '../../src/requests/deadlines.js';
import { productionCalendar } from '../../src/time/calendar.js';
import { ruCalendar } from '../../src/time/calendars/ru.js';
import { createHarness, type Harness, onPostgres } from '../helpers/harness.js';
import {
  consentState,
  count,
  createConfirmedSubject,
  createSubject,
  DAY,
  eventsOf,
  expectPageHeaders,
  flipPayloadChar,
  flipSignatureChar,
  foreignToken,
  formsOf,
  htmlLang,
  raceOnSubject,
  snapshotDb,
  submitForm,
  suppressionOf,
} from '../helpers/pages.js';

/**
 * The preference center through the app: every form, its happy path, its refusals, and what a
 * forged, expired or replayed post can and cannot do. Runs on PGlite, and on PostgreSQL with
 * TEST_DATABASE_URL.
 */

const P_TTL = 90 * 86400;
// Monday 2 March 2026, 12:00 in Moscow.
const T0 = '2026-03-02T09:00:00Z';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: T0 });
});
afterAll(() => h.close());

const pToken = (id: string) => h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: P_TTL });
/** The center's forms, in page (and focus) order. */
const ACTIONS = ['frequency', 'unsubscribe', 'rectify', 'restrict', 'withdraw', 'appeal'] as const;
type Action = (typeof ACTIONS)[number];

/** Posts a form the way a browser does: urlencoded, or multipart with `multipart: true`. */
function post(token: string, action: Action, fields: Record<string, string> = {}, opts: { lang?: 'ru' | 'en'; multipart?: boolean } = {}) {
  const url = `/p/${token}/${action}${opts.lang ? `?lang=${opts.lang}` : ''}`;
  if (opts.multipart) {
    const fd = new FormData();
    for (const [k, v] of Object.entries(fields)) fd.set(k, v);
    return h.app.request(url, { method: 'POST', body: fd });
  }
  return h.app.request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
}

async function page(token: string, lang?: 'ru' | 'en') {
  const res = await h.app.request(`/p/${token}${lang ? `?lang=${lang}` : ''}`);
  expect(res.status).toBe(200);
  expectPageHeaders(res);
  return res.text();
}

async function subjectRow(id: string) {
  return h.db.selectFrom('subjects').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function requestsOf(id: string) {
  return h.db.selectFrom('requests').selectAll().where('subject_id', '=', id).orderBy('received_at').orderBy('id').execute();
}

const dueDeps = () => ({ config: h.config, calendar: productionCalendar(ruCalendar), logger: silentLogger });
const actionsOf = async (id: string) => (await eventsOf(h, id)).map((e) => e.action);

/** Every input (but hidden ones) and textarea has an id and a <label for> naming it; every fieldset starts with a legend. */
function expectAccessibleForms(html: string) {
  const controls = [...html.matchAll(/<(input|textarea)\b([^>]*)>/g)].filter((m) => !/\btype="hidden"/.test(m[2]!));
  expect(controls.length).toBeGreaterThan(0);
  for (const m of controls) {
    const id = /\bid="([^"]+)"/.exec(m[2]!)?.[1];
    expect(id, m[0]).toBeDefined();
    expect(html, `label for ${id}`).toContain(`<label for="${id}">`);
  }
  const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  expect(new Set(ids).size, 'ids are unique').toBe(ids.length);
  const fieldsets = count(html, /<fieldset\b/);
  expect(count(html, /<fieldset\b[^>]*><legend>/)).toBe(fieldsets);
}

describe('GET /p/{token}', () => {
  it("shows the person's data, consents and frequency, with a form per right posting under the link, and writes nothing", async () => {
    const id = await createConfirmedSubject(h, 'center-view@example.ru', {
      lastName: 'Петров',
      firstName: 'Иван',
      patronymic: 'Сергеевич',
      phone: '+7 (495) 123-45-67',
      website: 'https://petrov.example.ru',
      organization: 'ООО «Ромашка»',
      industry: 'Розничная торговля',
      city: 'Казань',
    });
    const token = await pToken(id);
    const before = await snapshotDb(h);
    const html = await page(token);
    expect(htmlLang(html)).toBe('ru');
    for (const v of [
      'Петров',
      'Иван',
      'Сергеевич',
      'center-view@example.ru',
      '+7 (495) 123-45-67',
      'https://petrov.example.ru',
      'ООО «Ромашка»',
      'Розничная торговля',
      'Казань',
    ]) {
      expect(html).toContain(`<dd>${v}</dd>`);
    }
    expect(html).toContain('<dt>Согласие на обработку персональных данных</dt><dd>дано</dd>');
    expect(html).toContain('<dt>Рекламно-информационная рассылка</dt><dd>включена</dd>');
    expect(html).toContain('<dt>Частота писем</dt><dd>до 3 писем в месяц</dd>');

    const forms = formsOf(html);
    expect(forms.map((f) => f.action)).toEqual(ACTIONS.map((a) => `/p/${token}/${a}?lang=ru`));
    expect(forms.every((f) => f.method === 'post')).toBe(true);
    expect(html).toContain(`href="/p/${token}/export?lang=ru"`);
    expect(html).toContain('<a href="https://prefs.example.ru/privacy">Политика конфиденциальности</a>');
    expect(html).toMatch(/<input type="date" id="paused-until" name="pausedUntil" value="" min="2026-03-02" max="2027-03-02"/);
    expect(count(html, /<script/i)).toBe(0);
    expectAccessibleForms(html);

    const en = await page(token, 'en');
    expect(htmlLang(en)).toBe('en');
    expect(en).toContain('<dt>Consent to processing of personal data</dt><dd>given</dd>');
    expect(formsOf(en).map((f) => f.action)).toEqual(ACTIONS.map((a) => `/p/${token}/${a}?lang=en`));
    expect(await snapshotDb(h)).toEqual(before);
  });

  it("speaks the person's stored language, and the browser's when it asks", async () => {
    const { id } = await createSubject(h, 'center-en@example.ru', { locale: 'en' });
    const token = await pToken(id);
    expect(htmlLang(await page(token))).toBe('en');
    const res = await h.app.request(`/p/${token}`, { headers: { 'accept-language': 'ru-RU,ru;q=0.9' } });
    expect(htmlLang(await res.text())).toBe('ru');
  });
});

describe('GET /p/{token}/export (access)', () => {
  it('downloads everything held as a JSON attachment and changes nothing', async () => {
    const id = await createConfirmedSubject(h, 'center-export@example.ru', { firstName: 'Анна', city: 'Омск' });
    const token = await pToken(id);
    await post(token, 'appeal', { kind: 'appeal', text: 'Прошу пояснить, откуда у вас мой адрес.' });
    const before = await snapshotDb(h);
    const res = await h.app.request(`/p/${token}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="personal-data-2026-03-02.json"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const data = (await res.json()) as {
      subject: Record<string, unknown>;
      consentEvents: { action: string; ip: string }[];
      requests: { type: string; text: string }[];
    };
    expect(data.subject).toMatchObject({
      id,
      email: 'center-export@example.ru',
      firstName: 'Анна',
      city: 'Омск',
      consents: { processing: 'granted', marketing: 'granted' },
    });
    expect(data.consentEvents.map((e) => e.action)).toEqual(expect.arrayContaining(['granted', 'confirmed']));
    expect(data.requests).toEqual([expect.objectContaining({ type: 'appeal', text: 'Прошу пояснить, откуда у вас мой адрес.' })]);
    expect(await snapshotDb(h)).toEqual(before);
  });
});

describe('POST /p/{token}/frequency', () => {
  it("sets monthly with a pause, writing 'frequency_changed' and 'paused' events from the person; a second post changes nothing", async () => {
    const id = await createConfirmedSubject(h, 'center-freq@example.ru');
    const token = await pToken(id);
    const res = await post(token, 'frequency', { frequency: 'monthly', pausedUntil: '2026-04-01' });
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    const html = await res.text();
    expect(html).toContain('Настройки сохранены');
    expect(html).toContain('1 апреля 2026');
    expect(html).toContain(`href="/p/${token}?lang=ru"`);

    const prefs = await h.db.selectFrom('preferences').select(['frequency']).where('subject_id', '=', id).executeTakeFirstOrThrow();
    expect(prefs.frequency).toBe('monthly');
    const events = (await eventsOf(h, id)).filter((e) => e.action === 'frequency_changed' || e.action === 'paused');
    expect(events.map((e) => [e.purpose, e.action, e.actor_type, e.source, e.ip, e.details])).toEqual([
      ['marketing', 'frequency_changed', 'subject', 'preference-center', '198.51.100.7', { from: 'standard', to: 'monthly' }],
      ['marketing', 'paused', 'subject', 'preference-center', '198.51.100.7', { from: null, until: '2026-04-01' }],
    ]);

    const center = await page(token);
    expect(center).toMatch(/id="frequency-monthly" name="frequency" value="monthly" checked=""/);
    expect(center).toContain('value="2026-04-01"');
    expect(center).toContain('письма снова начнут приходить 1 апреля 2026');

    const before = await snapshotDb(h);
    h.clock.advance(60_000);
    const again = await post(token, 'frequency', { frequency: 'monthly', pausedUntil: '2026-04-01' });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('Ничего не изменилось');
    expect(await snapshotDb(h)).toEqual(before);
    h.clock.set(T0);

    // Clearing the date lifts the pause.
    expect((await post(token, 'frequency', { frequency: 'monthly', pausedUntil: '' })).status).toBe(200);
    const last = (await eventsOf(h, id)).at(-1)!;
    expect(last).toMatchObject({ action: 'paused', details: { from: '2026-04-01', until: null } });
  });

  it('accepts a pause from today to a year ahead and refuses the rest with 422, writing nothing', async () => {
    const id = await createConfirmedSubject(h, 'center-freq-bad@example.ru');
    const token = await pToken(id);
    const before = await snapshotDb(h);
    const bad: [Record<string, string>, RegExp][] = [
      [{ frequency: 'weekly' }, /Выберите частоту/],
      [{}, /Выберите частоту/],
      [{ frequency: 'standard', pausedUntil: '2026-03-01' }, /раньше сегодняшнего/],
      [{ frequency: 'standard', pausedUntil: '2027-03-03' }, /не дальше чем до 2 марта 2027/],
      [{ frequency: 'standard', pausedUntil: '2026-02-30' }, /ГГГГ-ММ-ДД/],
      [{ frequency: 'standard', pausedUntil: '01.06.2026' }, /ГГГГ-ММ-ДД/],
      [{ frequency: 'standard', pausedUntil: '0000-01-01' }, /раньше сегодняшнего/],
      [{ frequency: 'standard', pausedUntil: '99999-01-01' }, /ГГГГ-ММ-ДД/],
    ];
    for (const [fields, message] of bad) {
      const res = await post(token, 'frequency', fields);
      expect(res.status, JSON.stringify(fields)).toBe(422);
      expectPageHeaders(res);
      const html = await res.text();
      expect(html, JSON.stringify(fields)).toMatch(message);
      expect(html).toContain('class="summary" role="alert"');
      expectAccessibleForms(html);
    }
    const en = await post(token, 'frequency', { frequency: 'standard', pausedUntil: '2026-03-01' }, { lang: 'en' });
    expect(en.status).toBe(422);
    const enHtml = await en.text();
    expect(htmlLang(enHtml)).toBe('en');
    expect(enHtml).toContain('cannot be earlier than today');
    expect(await snapshotDb(h)).toEqual(before);

    for (const pausedUntil of ['2026-03-02', '2027-03-02']) {
      expect((await post(token, 'frequency', { frequency: 'standard', pausedUntil })).status, pausedUntil).toBe(200);
    }
  });

  it("counts today in the service's time zone (Moscow), not UTC", async () => {
    const id = await createConfirmedSubject(h, 'center-freq-tz@example.ru');
    const token = await pToken(id);
    h.clock.set('2026-03-02T22:30:00Z'); // already 3 March in Moscow
    try {
      expect((await post(token, 'frequency', { frequency: 'standard', pausedUntil: '2026-03-02' })).status).toBe(422);
      expect((await post(token, 'frequency', { frequency: 'standard', pausedUntil: '2026-03-03' })).status).toBe(200);
    } finally {
      h.clock.set(T0);
    }
  });
});

describe('POST /p/{token}/rectify', () => {
  const fields = (over: Record<string, string> = {}) => ({
    lastName: 'Сидорова',
    firstName: 'Мария',
    patronymic: '',
    email: 'center-rect@example.ru',
    phone: '+7 900 000-00-00',
    website: '',
    organization: 'ИП Сидорова',
    industry: '',
    city: 'Пермь',
    ...over,
  });

  it("applies corrections at once with a 'rectified' event naming the fields, holds a new address for its confirmation; the same post again changes nothing", async () => {
    const id = await createConfirmedSubject(h, 'center-rect@example.ru', {
      lastName: 'Иванова',
      firstName: 'Мария',
      city: 'Москва',
      website: 'https://old.example.ru',
    });
    const token = await pToken(id);
    const hashBefore = (await subjectRow(id)).email_hash;
    const res = await post(token, 'rectify', fields({ email: '  Maria.New@Example.RU ' }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Подтвердите новый адрес');
    expect(html).toContain('Изменено: Фамилия, Телефон, Сайт, Организация, Город.');
    expect(html).toContain('до тех пор письма приходят на прежний адрес');

    // Everything but the address at once; the address stays until the new one confirms.
    const row = await subjectRow(id);
    expect(row).toMatchObject({
      email: 'center-rect@example.ru',
      last_name: 'Сидорова',
      first_name: 'Мария',
      city: 'Пермь',
      website: null,
      phone: '+7 900 000-00-00',
      organization: 'ИП Сидорова',
    });
    expect(row.email_hash).toBe(hashBefore);
    const ev = (await eventsOf(h, id)).filter((e) => e.action === 'rectified');
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ actor_type: 'subject', source: 'preference-center', purpose: null });
    expect((ev[0]!.details as { fields: string[] }).fields.sort()).toEqual(['city', 'last_name', 'organization', 'phone', 'website'].sort());
    // Field names only: the ledger is not a second copy of the data.
    expect(JSON.stringify(ev[0]!.details)).not.toContain('Сидорова');
    const requested = (await eventsOf(h, id)).filter((e) => e.action === 'requested' && e.purpose === null);
    expect(requested.map((e) => e.details)).toEqual([{ change: 'address', from: hashBefore, to: await h.deps.hasher.hash('maria.new@example.ru') }]);
    expect(JSON.stringify(requested)).not.toContain('maria.new');

    const before = await snapshotDb(h);
    const again = await post(token, 'rectify', fields({ email: 'maria.new@example.ru' }));
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('Подтвердите новый адрес');
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('refuses an invalid e-mail with 422 and the form as typed, writing nothing', async () => {
    const id = await createConfirmedSubject(h, 'center-rect-bad@example.ru');
    const token = await pToken(id);
    const before = await snapshotDb(h);
    for (const email of ['not-an-address', 'a@b', 'два@@example.ru', '']) {
      const res = await post(token, 'rectify', fields({ email, city: 'Тверь' }));
      expect(res.status, email).toBe(422);
      expectPageHeaders(res);
      const html = await res.text();
      expect(html).toMatch(email ? /Адрес электронной почты указан неверно/ : /Укажите адрес электронной почты/);
      expect(html).toContain('id="f-email"');
      expect(html).toMatch(/id="f-email"[^>]*aria-invalid="true" aria-describedby="f-email-error"/);
      expect(html).toContain('value="Тверь"'); // what was typed, not what is stored
      expect(html).toContain('<a href="#f-email">');
      expectAccessibleForms(html);
    }
    const en = await post(token, 'rectify', fields({ email: 'nope' }), { lang: 'en' });
    expect(en.status).toBe(422);
    expect(await en.text()).toContain('The e-mail address is not valid');
    expect(await snapshotDb(h)).toEqual(before);
  });

  it("answers another person's address as it answers a free one: no 409, the owner's record untouched, nothing mailed to it", async () => {
    const owner = await createConfirmedSubject(h, 'center-taken@example.ru');
    const id = await createConfirmedSubject(h, 'center-taker@example.ru');
    const token = await pToken(id);
    const ownerBefore = await subjectRow(owner);
    for (const email of ['center-taken@example.ru', ' CENTER-TAKEN@example.RU ']) {
      const res = await post(token, 'rectify', fields({ email, firstName: 'Новое имя' }));
      expect(res.status).toBe(200);
      expectPageHeaders(res);
      const html = await res.text();
      expect(html).toContain('Подтвердите новый адрес');
      expect(html).not.toContain('уже связан с другим человеком');
    }
    expect(await subjectRow(owner)).toEqual(ownerBefore);
    expect((await subjectRow(id)).email).toBe('center-taker@example.ru');
    expect((await h.db.selectFrom('outbox').select('kind').where('kind', '=', 'confirm-address').where('subject_id', '=', id).execute()).length).toBe(0);
  });

  it('refuses over-long fields and a malformed phone with 422, writing nothing', async () => {
    const id = await createConfirmedSubject(h, 'center-rect-long@example.ru');
    const token = await pToken(id);
    const before = await snapshotDb(h);
    const cases: [Record<string, string>, RegExp][] = [
      [{ lastName: 'я'.repeat(201) }, /Фамилия: не длиннее 200 символов/],
      [{ website: `https://x.ru/${'a'.repeat(2000)}` }, /Сайт: не длиннее 2000 символов/],
      [{ phone: '<script>' }, /Телефон: только цифры/],
    ];
    for (const [over, message] of cases) {
      const res = await post(token, 'rectify', fields({ email: 'center-rect-long@example.ru', ...over }));
      expect(res.status).toBe(422);
      expect(await res.text()).toMatch(message);
    }
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('drops NUL characters instead of failing (PostgreSQL text cannot hold them)', async () => {
    const id = await createConfirmedSubject(h, 'center-rect-nul@example.ru');
    const token = await pToken(id);
    const res = await post(token, 'rectify', { firstName: 'Ол\u0000ег', email: 'center-rect-nul@example.ru' });
    expect(res.status).toBe(200);
    expect((await subjectRow(id)).first_name).toBe('Олег');
  });
});

describe('POST /p/{token}/restrict', () => {
  it('needs the confirmation box: without it 422 and nothing written', async () => {
    const id = await createConfirmedSubject(h, 'center-restrict-noconfirm@example.ru');
    const token = await pToken(id);
    const before = await snapshotDb(h);
    for (const f of [{}, { confirm: 'no' }, { confirm: '' }] as Record<string, string>[]) {
      const res = await post(token, 'restrict', f);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('Отметьте флажок');
      expectAccessibleForms(html);
    }
    expect(await snapshotDb(h)).toEqual(before);
  });

  it("restricts: status restricted, a 'restricted' event and a completed 'restriction' request by link; twice changes nothing", async () => {
    const id = await createConfirmedSubject(h, 'center-restrict@example.ru');
    const token = await pToken(id);
    const res = await post(token, 'restrict', { confirm: 'yes' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Обработка ограничена');
    expect((await subjectRow(id)).status).toBe('restricted');
    const ev = (await eventsOf(h, id)).filter((e) => e.action === 'restricted');
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ actor_type: 'subject', source: 'preference-center' });
    const reqs = await requestsOf(id);
    expect(reqs).toHaveLength(1);
    const at = new Date(T0);
    expect(reqs[0]).toMatchObject({ type: 'restriction', status: 'completed', channel: 'link', body: null });
    expect(new Date(reqs[0]!.received_at)).toEqual(at);
    expect(new Date(reqs[0]!.completed_at!)).toEqual(at);
    expect(new Date(reqs[0]!.due_at).toISOString()).toBe(dueFor('restriction', at, dueDeps()).toISOString());

    const center = await page(token);
    expect(center).toContain('Обработка ваших данных ограничена');
    expect(formsOf(center).some((f) => f.action.includes('/restrict'))).toBe(false);

    const before = await snapshotDb(h);
    h.clock.advance(60_000);
    const again = await post(token, 'restrict', { confirm: 'yes' });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('уже ограничена');
    expect(await snapshotDb(h)).toEqual(before);
    h.clock.set(T0);

    // Restricted people can still leave the mailing.
    expect((await post(token, 'unsubscribe')).status).toBe(200);
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
  });
});

describe('POST /p/{token}/unsubscribe', () => {
  it("withdraws marketing with an 'unsubscribed' event and suppresses the address; twice changes nothing", async () => {
    const id = await createConfirmedSubject(h, 'center-unsub@example.ru');
    const token = await pToken(id);
    const res = await post(token, 'unsubscribe', {}, { lang: 'en' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are unsubscribed');
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect(await actionsOf(id)).toEqual(expect.arrayContaining(['unsubscribed', 'suppressed']));
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'unsubscribed' });
    const center = await page(token);
    expect(formsOf(center).map((f) => f.action.split('?')[0]!.split('/').pop())).toEqual(['rectify', 'restrict', 'withdraw', 'appeal']);

    const before = await snapshotDb(h);
    expect((await post(token, 'unsubscribe')).status).toBe(200);
    expect(await snapshotDb(h)).toEqual(before);
  });
});

describe('POST /p/{token}/withdraw', () => {
  it('asks first: the first post spells out the consequences and changes nothing', async () => {
    const id = await createConfirmedSubject(h, 'center-withdraw-ask@example.ru');
    const token = await pToken(id);
    const before = await snapshotDb(h);
    for (const f of [{}, { confirm: '1' }, { confirm: 'true' }] as Record<string, string>[]) {
      const res = await post(token, 'withdraw', f);
      expect(res.status).toBe(200);
      expectPageHeaders(res);
      const html = await res.text();
      expect(html).toContain('Подтвердите отзыв согласия');
      expect(html).toContain('не позднее чем через 2 рабочих дня');
      expect(html).toContain('Это действие нельзя отменить');
      const forms = formsOf(html);
      expect(forms).toHaveLength(1);
      expect(forms[0]).toEqual({ method: 'post', action: `/p/${token}/withdraw?lang=ru`, fields: { confirm: 'yes' } });
      expect(html).toContain(`href="/p/${token}?lang=ru"`);
    }
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('withdraws on confirm=yes: erasure request due in 2 business days, shown on the page; a second confirmation changes nothing', async () => {
    const id = await createConfirmedSubject(h, 'center-withdraw@example.ru', { firstName: 'Пётр' });
    const token = await pToken(id);
    const [ask] = formsOf(await page(token)).filter((f) => f.action.includes('/withdraw'));
    const [confirm] = formsOf(await (await submitForm(h, ask!)).text());
    const res = await submitForm(h, confirm!);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Согласие отозвано');
    // Due: Monday 2 March 2026 + 2 business days → the end of Wednesday 4 March (Moscow); the
    // erasure runs after the 24 hours' grace, and the page names that moment.
    expect(html).toContain('3 марта 2026 в 12:00 (GMT+3)');

    expect(await consentState(h, id, 'processing')).toBe('withdrawn');
    expect(await consentState(h, id, 'marketing')).toBe('withdrawn');
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'withdrawn' });
    const reqs = await requestsOf(id);
    expect(reqs).toHaveLength(1);
    expect(reqs[0]).toMatchObject({ type: 'erasure', status: 'received', channel: 'link' });
    expect(new Date(reqs[0]!.due_at).toISOString()).toBe('2026-03-04T20:59:59.999Z');
    expect(new Date(reqs[0]!.due_at).toISOString()).toBe(dueFor('erasure', new Date(T0), dueDeps()).toISOString());
    expect(await actionsOf(id)).toEqual(expect.arrayContaining(['withdrawn', 'erasure_requested', 'suppressed']));

    const before = await snapshotDb(h);
    h.clock.advance(DAY);
    const again = await submitForm(h, confirm!);
    expect(again.status).toBe(200);
    const againHtml = await again.text();
    expect(againHtml).toContain('Согласие уже отозвано');
    expect(againHtml).toContain('3 марта 2026 в 12:00 (GMT+3)');
    expect((await post(token, 'withdraw')).status).toBe(200); // even the first step now just says so
    expect(await snapshotDb(h)).toEqual(before);
    h.clock.set(T0);
  });

  it('after withdrawal the center shows the moment of deletion and offers only the download; changes and appeals are refused with 409', async () => {
    const id = await createConfirmedSubject(h, 'center-withdrawn@example.ru');
    const token = await pToken(id);
    expect((await post(token, 'withdraw', { confirm: 'yes' })).status).toBe(200);
    const html = await page(token);
    expect(html).toContain('Мы удалим ваши данные 3 марта 2026 в 12:00 (GMT+3)');
    expect(formsOf(html)).toEqual([]);
    expect(html).toContain(`/p/${token}/export`);

    const before = await snapshotDb(h);
    const refused: [Action, Record<string, string>][] = [
      ['frequency', { frequency: 'monthly' }],
      ['rectify', { firstName: 'Новое', email: 'center-withdrawn@example.ru' }],
      ['restrict', { confirm: 'yes' }],
      ['appeal', { kind: 'appeal', text: 'Жалоба после отзыва' }],
    ];
    for (const [action, f] of refused) {
      const res = await post(token, action, f);
      expect(res.status, action).toBe(409);
      expect(await res.text()).toContain('Вы отозвали согласие');
    }
    expect((await post(token, 'unsubscribe')).status).toBe(200);
    expect(await snapshotDb(h)).toEqual(before);
    expect((await h.app.request(`/p/${token}/export`)).status).toBe(200);
  });
});

describe('POST /p/{token}/appeal', () => {
  it('files an appeal and an automated-decision appeal as requests with the text, due in 10 business days; the same post twice files one', async () => {
    const id = await createConfirmedSubject(h, 'center-appeal@example.ru');
    const token = await pToken(id);
    const res = await post(token, 'appeal', { kind: 'appeal', text: '  Почему мне пришло письмо?\r\nЯ не подписывался.  ' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Жалоба принята');
    // 10 business days from Monday 2 March 2026; Monday 9 March is a day off (8 March moved).
    expect(html).toContain('17 марта 2026');

    const auto = await post(token, 'appeal', { kind: 'automated_decision_appeal', text: 'Scoring rejected me' }, { multipart: true, lang: 'en' });
    expect(auto.status).toBe(200);
    expect(await auto.text()).toContain('Appeal received');

    const reqs = (await requestsOf(id)).sort((a, b) => a.type.localeCompare(b.type));
    expect(reqs.map((r) => [r.type, r.status, r.channel, r.body])).toEqual([
      ['appeal', 'received', 'link', 'Почему мне пришло письмо?\nЯ не подписывался.'],
      ['automated_decision_appeal', 'received', 'link', 'Scoring rejected me'],
    ]);
    expect(new Date(reqs[0]!.due_at).toISOString()).toBe('2026-03-17T20:59:59.999Z');
    expect(new Date(reqs[1]!.due_at).toISOString()).toBe(dueFor('automated_decision_appeal', new Date(T0), dueDeps()).toISOString());

    const before = await snapshotDb(h);
    h.clock.advance(60_000);
    const again = await post(token, 'appeal', { kind: 'appeal', text: 'Почему мне пришло письмо?\nЯ не подписывался.' });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('уже принята');
    expect(await snapshotDb(h)).toEqual(before);
    h.clock.set(T0);
  });

  it('takes exactly 10,000 characters; refuses 10,001 (413), an empty text and an unknown kind (422), keeping what was typed', async () => {
    const id = await createConfirmedSubject(h, 'center-appeal-len@example.ru');
    const token = await pToken(id);
    const before = await snapshotDb(h);
    const long = await post(token, 'appeal', { kind: 'appeal', text: 'x'.repeat(10_001) }, { multipart: true });
    expect(long.status).toBe(413);
    expectPageHeaders(long);
    const longHtml = await long.text();
    expect(longHtml).toContain('Текст длиннее 10');
    expect(longHtml).toContain('x'.repeat(10_001)); // kept for the person to shorten
    for (const f of [{ kind: 'appeal', text: '   ' }, { kind: 'appeal' }, { kind: 'complaint', text: 'Текст' }] as Record<string, string>[]) {
      const res = await post(token, 'appeal', f);
      expect(res.status, JSON.stringify(f)).toBe(422);
      expectAccessibleForms(await res.text());
    }
    expect(await snapshotDb(h)).toEqual(before);

    const exact = await post(token, 'appeal', { kind: 'appeal', text: 'y'.repeat(10_000) }, { multipart: true });
    expect(exact.status).toBe(200);
    expect((await requestsOf(id))[0]!.body).toHaveLength(10_000);
  });

  it('refuses a 1 MB appeal at the body limit with a 413 page in the asked language, writing nothing', async () => {
    const id = await createConfirmedSubject(h, 'center-appeal-1mb@example.ru');
    const token = await pToken(id);
    const before = await snapshotDb(h);
    const text = 'Ж'.repeat(1024 * 1024);
    for (const multipart of [false, true]) {
      const res = await post(token, 'appeal', { kind: 'appeal', text }, { multipart, lang: 'en' });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(htmlLang(await res.text())).toBe('en');
    }
    expect(await snapshotDb(h)).toEqual(before);
  });
});

// A race needs parallel connections: PGlite has one and would only run the posts in turn.
describe.skipIf(!onPostgres)('the same form posted several times at once (PostgreSQL)', () => {
  it('changes things once: one set of frequency events, one restriction request, one erasure request, one appeal', async () => {
    const id = await createConfirmedSubject(h, 'center-race@example.ru');
    const token = await pToken(id);
    const race = async (action: Action, f: Record<string, string>) => {
      const res = await raceOnSubject(h, id, 4, () => post(token, action, f));
      expect(res.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    };
    await race('frequency', { frequency: 'monthly', pausedUntil: '2026-05-01' });
    await race('appeal', { kind: 'appeal', text: 'Одна и та же жалоба' });
    await race('restrict', { confirm: 'yes' });
    await race('withdraw', { confirm: 'yes' });
    const actions = await actionsOf(id);
    for (const a of ['frequency_changed', 'paused', 'restricted', 'erasure_requested'])
      expect(
        actions.filter((x) => x === a),
        a,
      ).toHaveLength(1);
    expect((await requestsOf(id)).map((r) => r.type).sort()).toEqual(['appeal', 'erasure', 'restriction']);
  });
});

describe('links that must not work', () => {
  const paths = (t: string): [string, string, Record<string, string>][] => [
    ['GET', `/p/${t}`, {}],
    ['GET', `/p/${t}/export`, {}],
    ['POST', `/p/${t}/frequency`, { frequency: 'monthly' }],
    ['POST', `/p/${t}/rectify`, { firstName: 'Взлом', email: 'attacker@example.ru' }],
    ['POST', `/p/${t}/restrict`, { confirm: 'yes' }],
    ['POST', `/p/${t}/unsubscribe`, {}],
    ['POST', `/p/${t}/withdraw`, { confirm: 'yes' }],
    ['POST', `/p/${t}/appeal`, { kind: 'appeal', text: 'forged' }],
  ];
  const send = (method: string, path: string, f: Record<string, string>) =>
    h.app.request(
      path,
      method === 'GET' ? {} : { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(f).toString() },
    );

  it('refuses forged, damaged, foreign and wrong-purpose tokens on every page and form with a 4xx page, changing nothing', async () => {
    const id = await createConfirmedSubject(h, 'center-forged@example.ru');
    const good = await pToken(id);
    const tokens = [
      flipSignatureChar(good),
      flipPayloadChar(good),
      good.slice(0, -3),
      'not-a-token',
      await foreignToken({ sub: id, p: 'p', ttlSeconds: P_TTL }, 'test-key-1'),
      await h.deps.signer.sign({ sub: id, p: 'u' }),
      await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: P_TTL }),
      await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: P_TTL }),
    ];
    const before = await snapshotDb(h);
    for (const t of tokens) {
      for (const [method, path, f] of paths(t)) {
        const res = await send(method, path, f);
        expect(res.status, `${method} ${path}`).toBe(400);
        expectPageHeaders(res);
        expect(await res.text()).toContain('Ссылка повреждена');
      }
    }
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('answers an expired link with 410 and the fresh-link form on every page and form, changing nothing', async () => {
    const id = await createConfirmedSubject(h, 'center-expired@example.ru');
    const token = await pToken(id);
    h.clock.advance(91 * DAY);
    try {
      const before = await snapshotDb(h);
      for (const [method, path, f] of paths(token)) {
        const res = await send(method, path, f);
        expect(res.status, `${method} ${path}`).toBe(410);
        const forms = formsOf(await res.text());
        expect(forms.map((x) => x.action.split('?')[0])).toEqual([`/p/${token}/fresh-link`]);
      }
      expect(await snapshotDb(h)).toEqual(before);
    } finally {
      h.clock.set(T0);
    }
  });

  it('gives an erased person the "not found" page everywhere, changing nothing', async () => {
    const id = await createConfirmedSubject(h, 'center-erased@example.ru');
    const token = await pToken(id);
    await h.db.transaction().execute((trx) => eraseSubject(trx, id, h.clock.now(), null));
    const before = await snapshotDb(h);
    for (const [method, path, f] of paths(token)) {
      const res = await send(method, path, f);
      expect(res.status, `${method} ${path}`).toBe(404);
      expectPageHeaders(res);
      expect(await res.text()).toContain('Данные не найдены');
    }
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('answers a link to nobody with "not found"', async () => {
    const token = await pToken(crypto.randomUUID());
    for (const [method, path, f] of paths(token)) expect((await send(method, path, f)).status, `${method} ${path}`).toBe(404);
  });

  it('answers a body that is not a form with 400, not 500', async () => {
    const id = await createConfirmedSubject(h, 'center-badbody@example.ru');
    const token = await pToken(id);
    const before = await snapshotDb(h);
    const res = await h.app.request(`/p/${token}/appeal`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=zzz' },
      body: '--zzz\r\nbroken',
    });
    expect(res.status).toBe(400);
    const file = new FormData();
    file.set('kind', 'appeal');
    file.set('text', new File(['hello'], 'a.txt'));
    expect((await h.app.request(`/p/${token}/appeal`, { method: 'POST', body: file })).status).toBe(400);
    expect(await snapshotDb(h)).toEqual(before);
  });
});

describe('HTML in every field', () => {
  const SCRIPT = '<script>alert(1)</script>';
  const IMG = '"><img src=x onerror=alert(2)>';
  const expectEscaped = (html: string, where: string) => {
    expect(html, where).not.toContain(SCRIPT);
    expect(html, where).not.toContain('<img');
    expect(count(html, /<script/i), where).toBe(0);
    expect(count(html, /onerror=/i), where).toBe(count(html, /&lt;img src=x onerror=/i));
  };

  it('is escaped on the center, on every result and error page, and comes back intact in the export', async () => {
    const over = { lastName: IMG, firstName: SCRIPT, patronymic: IMG, phone: '+7 000', website: SCRIPT, organization: IMG, industry: SCRIPT, city: IMG };
    const id = await createConfirmedSubject(h, 'center-xss@example.ru', over);
    const token = await pToken(id);
    const pages: [string, string][] = [];
    const visit = async (where: string, res: Response | Promise<Response>) => {
      const r = await res;
      expect(r.status, where).toBeLessThan(500);
      pages.push([where, await r.text()]);
    };
    await visit('center', h.app.request(`/p/${token}`));
    await visit('center en', h.app.request(`/p/${token}?lang=en`));
    await visit('frequency error', post(token, 'frequency', { frequency: SCRIPT, pausedUntil: IMG }));
    await visit('frequency ok', post(token, 'frequency', { frequency: 'monthly', pausedUntil: '' }));
    await visit('rectify error', post(token, 'rectify', { lastName: SCRIPT, firstName: IMG, email: IMG, city: SCRIPT, phone: SCRIPT }));
    await createSubject(h, 'center-xss-other@example.ru');
    await visit('rectify taken', post(token, 'rectify', { lastName: SCRIPT, email: 'center-xss-other@example.ru' }));
    await visit(
      'rectify ok',
      post(token, 'rectify', {
        lastName: SCRIPT,
        firstName: IMG,
        city: SCRIPT,
        organization: IMG,
        industry: SCRIPT,
        website: IMG,
        email: 'center-xss@example.ru',
      }),
    );
    await visit('restrict error', post(token, 'restrict', { confirm: SCRIPT }));
    await visit('appeal error', post(token, 'appeal', { kind: SCRIPT, text: SCRIPT + IMG }));
    await visit('appeal too long', post(token, 'appeal', { kind: 'appeal', text: IMG + 'x'.repeat(10_000) }, { multipart: true }));
    await visit('appeal ok', post(token, 'appeal', { kind: 'appeal', text: SCRIPT + IMG }));
    await visit('withdraw ask', post(token, 'withdraw', { confirm: SCRIPT }));
    await visit('center again', h.app.request(`/p/${token}`));
    await visit('lang', h.app.request(`/p/${token}?lang=${encodeURIComponent(SCRIPT)}`));
    await visit('action lang', post(token, 'unsubscribe', {}, {}));
    await visit('withdraw', post(token, 'withdraw', { confirm: 'yes' }));
    await visit('center withdrawn', h.app.request(`/p/${token}`));
    expect(pages.some(([, html]) => html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'))).toBe(true); // the payload really was there
    for (const [where, html] of pages) expectEscaped(html, where);

    const row = await subjectRow(id);
    expect(row).toMatchObject({ last_name: SCRIPT, first_name: IMG, city: SCRIPT });
    const exp = await h.app.request(`/p/${token}/export`);
    expect(exp.headers.get('content-type')).toMatch(/^application\/json/);
    const data = (await exp.json()) as { subject: { lastName: string }; requests: { text: string }[] };
    expect(data.subject.lastName).toBe(SCRIPT);
    expect(data.requests.map((r) => r.text)).toContain(SCRIPT + IMG);
  });
});

describe('texts follow configuration, never fixed numbers', () => {
  let h2: Harness;
  beforeAll(async () => {
    h2 = await createHarness({ now: T0, env: { CADENCE_MAX_PER_WINDOW: '2', ERASURE_DUE_BUSINESS_DAYS: '3' } });
  });
  afterAll(() => h2?.close());

  it('the frequency options, the frequency shown and the withdrawal deadline on the center and on /w', async () => {
    const id = await createConfirmedSubject(h2, 'config-texts@example.ru');
    const p = await h2.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 90 * 86400 });
    const html = await (await h2.app.request(`/p/${p}`)).text();
    expect(html).toContain('Обычно — до 2 писем за 30 дней');
    expect(html).toContain('<dd>до 2 писем в месяц</dd>');
    expect(html).toContain('не позднее чем через 3 рабочих дня');
    expect(html).not.toMatch(/до тр[её]х|2 рабочих дня/);
    const w = await h2.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: 365 * 86400 });
    const wHtml = await (await h2.app.request(`/w/${w}?lang=en`)).text();
    expect(wHtml).toContain('within 3 business days');
    expect(wHtml).not.toContain('2 business days');
  });
});
