import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PREFERENCES_MAIL_DELAY_MS } from '../../src/cadence/frequency.js';
import type { Mailer } from '../../src/emails/mailer.js';
import { runErasureJob } from '../../src/erasure/job.js';
import { silentLogger } from '../../src/log.js';
import { smtpMailer } from '../../src/node/mailer.js';
import { deliverEmails } from '../../src/outbox/deliver.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { createConfirmedSubject } from '../helpers/pages.js';
import { apiKey, fileRequestOk, findValues } from '../helpers/rights.js';
import { type Inbox, startSmtp } from '../helpers/smtp.js';

/**
 * The notices the service sends on its own: preferences changed, a request received, the data
 * erased. Each goes through the outbox to a real SMTP server on loopback and is read back.
 */

// Monday 2 March 2026, 12:00 in Moscow.
const T0 = '2026-03-02T09:00:00Z';

let h: Harness;
let box: Inbox;
let mailer: Mailer;
let refuse: string | null = null;
beforeAll(async () => {
  h = await createHarness({ now: T0, env: { MAIL_FROM: 'Рассылка <news@example.ru>', SUPPORT_EMAIL: 'privacy@example.ru' } });
  box = await startSmtp({
    onRcptTo(address, _s, cb) {
      if (refuse && address.address === refuse) cb(Object.assign(new Error(`5.1.1 <${address.address}>: mailbox unavailable`), { responseCode: 550 }));
      else cb();
    },
  });
  mailer = smtpMailer(`smtp://127.0.0.1:${box.port}`, { timeoutMs: 5_000 });
});
afterAll(async () => {
  await mailer.close();
  await box.close();
  await h.close();
});
afterEach(async () => {
  box.mails.length = 0;
  refuse = null;
  await h.db.updateTable('outbox').set({ status: 'done' }).where('status', '=', 'pending').execute();
});

const deliver = () => deliverEmails({ db: h.db, mailer, signer: h.deps.signer, config: h.config, clock: h.clock, logger: silentLogger, random: () => 0.5 });
const mailTo = (email: string) => box.mails.filter((m) => m.to && 'text' in m.to && m.to.text === email);
const pToken = (id: string) => h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 90 * 86400 });
const postForm = async (token: string, action: string, fields: Record<string, string>) => {
  const res = await h.app.request(`/p/${token}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  expect(res.status).toBe(200);
};

describe('preferences-updated', () => {
  it('changes made in a row give one mail, a few minutes later, showing where they ended', async () => {
    const email = 'notice-prefs@example.ru';
    const id = await createConfirmedSubject(h, email, { firstName: 'Вера' });
    await deliver(); // whatever registration queued
    box.mails.length = 0;
    const token = await pToken(id);
    await postForm(token, 'frequency', { frequency: 'monthly', pausedUntil: '' });
    h.clock.advance(60_000);
    await postForm(token, 'frequency', { frequency: 'monthly', pausedUntil: '2026-04-01' });

    await deliver();
    expect(mailTo(email)).toHaveLength(0); // held back, in case more changes follow
    h.clock.advance(PREFERENCES_MAIL_DELAY_MS);
    await deliver();
    const [mail] = mailTo(email);
    expect(mailTo(email)).toHaveLength(1);
    expect(mail!.subject).toBe('Настройки рассылки изменены');
    expect(mail!.text).toContain('Здравствуйте, Вера!');
    expect(mail!.text).toContain('Частота писем: не больше 1 письма в месяц. Пауза: до 1 апреля 2026.');
    expect(mail!.text).toMatch(/https:\/\/prefs\.example\.ru\/p\/[\w.-]+/);

    // Setting what is already set changes nothing and sends nothing.
    await postForm(token, 'frequency', { frequency: 'monthly', pausedUntil: '2026-04-01' });
    h.clock.advance(PREFERENCES_MAIL_DELAY_MS);
    await deliver();
    expect(mailTo(email)).toHaveLength(1);
  });

  it("a change by staff is mailed too, in the person's language", async () => {
    const email = 'notice-prefs-en@example.ru';
    const id = await createConfirmedSubject(h, email, { locale: 'en' });
    const staff = await apiKey(h, 'subjects:write');
    const res = await h.app.request(`/v1/subjects/${id}/preferences`, {
      method: 'PUT',
      headers: { authorization: staff.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ frequency: 'monthly', pausedUntil: null }),
    });
    expect(res.status).toBe(200);
    h.clock.advance(PREFERENCES_MAIL_DELAY_MS);
    await deliver();
    const mail = mailTo(email).find((m) => m.subject === 'Your mailing preferences have changed');
    expect(mail?.text).toContain('at most 1 e-mail a month');
  });
});

describe('request-received', () => {
  it('an appeal from the center is acknowledged with its number, topic and due date', async () => {
    const email = 'notice-appeal@example.ru';
    const id = await createConfirmedSubject(h, email);
    await deliver();
    box.mails.length = 0;
    await postForm(await pToken(id), 'appeal', { kind: 'appeal', text: 'Откуда у вас мой адрес?' });
    const request = await h.db.selectFrom('requests').select(['id']).where('subject_id', '=', id).executeTakeFirstOrThrow();
    await deliver();
    const [mail] = mailTo(email);
    expect(mail?.subject).toBe('Мы получили ваше обращение');
    expect(mail!.text).toContain(`Номер обращения: ${request.id}`);
    expect(mail!.text).toContain('Тема: жалоба на обработку данных');
    expect(mail!.text).toMatch(/Ответим не позднее: \d+ \S+ 2026/);
    expect(mail!.text).toContain('privacy@example.ru');
    // The person's own text stays out of the mail (it may be sensitive; they know what they wrote).
    expect(mail!.text).not.toContain('Откуда у вас мой адрес?');
  });

  it('a request filed by staff is acknowledged; an erasure filed by staff gets the withdrawal notice instead', async () => {
    const email = 'notice-staff@example.ru';
    const id = await createConfirmedSubject(h, email);
    await deliver();
    box.mails.length = 0;
    const manage = await apiKey(h, 'requests:manage');
    await fileRequestOk(h, manage.auth, id, { type: 'access' });
    await deliver();
    expect(mailTo(email).map((m) => m.subject)).toEqual(['Мы получили ваше обращение']);
    expect(mailTo(email)[0]!.text).toContain('Тема: доступ к данным');
    box.mails.length = 0;
    await fileRequestOk(h, manage.auth, id, { type: 'erasure' });
    await deliver();
    expect(mailTo(email)).toHaveLength(1);
    expect(mailTo(email)[0]!.subject).not.toBe('Мы получили ваше обращение');
  });

  it('a restriction the person sets in the center is done at once and not acknowledged as pending', async () => {
    const email = 'notice-restrict@example.ru';
    const id = await createConfirmedSubject(h, email);
    await deliver();
    box.mails.length = 0;
    await postForm(await pToken(id), 'restrict', { confirm: 'yes' });
    expect((await h.db.selectFrom('requests').select(['status']).where('subject_id', '=', id).executeTakeFirstOrThrow()).status).toBe('completed');
    await deliver();
    expect(mailTo(email).filter((m) => m.subject === 'Мы получили ваше обращение')).toHaveLength(0);
  });
});

describe('erasure-completed', () => {
  it('tells the person once the data is gone, then keeps nothing of the address', async () => {
    const email = 'notice-erased.b7k2@example.ru';
    const id = await createConfirmedSubject(h, email, { locale: 'en' });
    const manage = await apiKey(h, 'requests:manage');
    await fileRequestOk(h, manage.auth, id, { type: 'erasure' });
    await deliver();
    box.mails.length = 0;
    // (The erasure filed in an earlier test is due too.)
    expect((await runErasureJob(h.db, { now: () => h.clock.now(), logger: silentLogger })).erased).toBeGreaterThanOrEqual(1);
    // Until it is sent, the notice's row is the one place the address is.
    expect(await findValues(h.db, [email])).toEqual([{ table: 'outbox', column: 'payload', value: email, rows: 1 }]);
    await deliver();
    const [mail] = mailTo(email);
    expect(mail?.subject).toBe('Your data has been deleted');
    expect(mail!.text).toContain('privacy@example.ru');
    expect(await findValues(h.db, [email])).toEqual([]);
  });

  it('a notice the relay refuses for good is parked, and its address wiped all the same', async () => {
    const email = 'notice-refused.c4m9@example.ru';
    const id = await createConfirmedSubject(h, email);
    const manage = await apiKey(h, 'requests:manage');
    await fileRequestOk(h, manage.auth, id, { type: 'erasure' });
    await deliver();
    await runErasureJob(h.db, { now: () => h.clock.now(), logger: silentLogger });
    refuse = email;
    expect(await deliver()).toEqual({ sent: 0, retried: 0, dead: 1 });
    const row = await h.db
      .selectFrom('outbox')
      .select(['status', 'last_error'])
      .where('kind', '=', 'erasure-completed')
      .where('subject_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('dead');
    expect(row.last_error).toMatch(/550/);
    expect(row.last_error).toContain('[address]'); // the relay quoted the address; the row does not keep it
    expect(await findValues(h.db, [email])).toEqual([]);
  });
});
