import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer, OutgoingMail } from '../../src/emails/mailer.js';
import { EMAIL_LOCALES, EMAIL_NAMES } from '../../src/emails/render.js';
import { silentLogger } from '../../src/log.js';
import { deliverEmails } from '../../src/outbox/deliver.js';
import { enqueue } from '../../src/outbox/queries.js';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';
import { apiKey, fileRequestOk, registerPerson, requestAction } from '../helpers/rights.js';

/**
 * Every mail the service sends, in every language, through the real composer: Russian dates
 * ("3 декабря 2026 г.") inside sentences must not leave "г.." behind, nor any other "..".
 */

// Friday 25 December 2026, 13:00 in Moscow: due dates fall in 2026 and 2027.
const NOW = '2026-12-25T10:00:00Z';

let h: Harness;
const sent: { locale: string; kind: string; mail: OutgoingMail }[] = [];
beforeAll(async () => {
  h = await createHarness({ now: NOW, env: { SUPPORT_EMAIL: 'privacy@example.ru' } });
  const leads = (await apiKey(h, 'leads:write')).auth;
  const manage = (await apiKey(h, 'requests:manage')).auth;
  const staff = (await apiKey(h, 'subjects:write')).auth;
  for (const locale of EMAIL_LOCALES) {
    // confirm-subscription: a lead with marketing ticked, double opt-in on.
    const id = await registerPerson(h, leads, `dates-${locale}@example.ru`, { firstName: 'Анна', locale });
    // request-received, then request-extended.
    const access = await fileRequestOk(h, manage, id, { type: 'access' });
    expect((await requestAction(h, manage, access.id, 'extend', { reason: 'Данные в архиве.' })).status).toBe(200);
    // preferences-updated, with a pause date in it.
    const prefs = await h.app.request(`/v1/subjects/${id}/preferences`, jsonRequest('PUT', { frequency: 'monthly', pausedUntil: '2027-02-01' }, staff));
    expect(prefs.status).toBe(200);
    await enqueue(h.db, { kind: 'unsubscribed', subjectId: id, payload: { subjectId: id }, idempotencyKey: `dates-unsubscribed:${id}`, at: h.clock.now() });
    await enqueue(h.db, {
      kind: 'fresh-link',
      subjectId: id,
      payload: { subjectId: id, purpose: 'w' },
      idempotencyKey: `dates-fresh:${id}`,
      at: h.clock.now(),
    });
    await enqueue(h.db, {
      kind: 'erasure-completed',
      subjectId: id,
      payload: { to: `dates-${locale}@example.ru`, locale, completedAt: h.clock.now().toISOString() },
      idempotencyKey: `dates-erased:${id}`,
      at: h.clock.now(),
    });
    // confirm-address: staff ask for a new address; confirm-details: a lead with other details;
    // address-changed: the notice to an address left behind.
    const moved = await registerPerson(h, leads, `dates-moving-${locale}@example.ru`, { firstName: 'Анна', locale });
    expect((await h.app.request(`/v1/subjects/${moved}`, jsonRequest('PATCH', { email: `dates-moved-${locale}@example.ru` }, staff))).status).toBe(202);
    await registerPerson(h, leads, `dates-${locale}@example.ru`, { firstName: 'Мария', locale });
    await enqueue(h.db, {
      kind: 'address-changed',
      subjectId: id,
      payload: { to: `dates-old-${locale}@example.ru`, changedAt: h.clock.now().toISOString() },
      idempotencyKey: `dates-address-changed:${id}`,
      at: h.clock.now(),
    });
    // withdrawal-received: an erasure filed by staff, for a second person (it ends the first's mail).
    const leaving = await registerPerson(h, leads, `dates-leaving-${locale}@example.ru`, { locale, consents: { processing: true, marketing: false } });
    await fileRequestOk(h, manage, leaving, { type: 'erasure' });
  }
  h.clock.advance(3_600_000); // past the preferences mail's hold-back
  const locales = new Map((await h.db.selectFrom('subjects').select(['id', 'locale']).execute()).map((s) => [s.id, s.locale]));
  const rows = new Map((await h.db.selectFrom('outbox').select(['id', 'kind', 'subject_id']).execute()).map((r) => [String(r.id), r]));
  const mailer: Mailer = {
    describe: 'memory',
    close: async () => {},
    send: async (mail) => {
      const id = /^<outbox-(\d+)\./.exec(mail.messageId)![1]!;
      const row = rows.get(id)!;
      sent.push({ locale: locales.get(row.subject_id!)!, kind: row.kind, mail });
    },
  };
  const stats = await deliverEmails(
    { db: h.db, mailer, signer: h.deps.signer, config: h.config, clock: h.clock, logger: silentLogger, random: () => 0.5 },
    { limit: 1000 },
  );
  expect(stats.dead).toBe(0);
});
afterAll(() => h?.close());

describe('dates in every mail, every language', () => {
  it('every template was sent in every language', () => {
    const got = new Set(sent.map((s) => `${s.kind}.${s.locale}`));
    for (const name of EMAIL_NAMES) for (const locale of EMAIL_LOCALES) expect(got, `${name}.${locale}`).toContain(`${name}.${locale}`);
  });

  it.each(EMAIL_NAMES.flatMap((name) => EMAIL_LOCALES.map((locale) => [name, locale] as const)))('%s (%s) has no "г.." and no ".."', (name, locale) => {
    const mails = sent.filter((s) => s.kind === name && s.locale === locale);
    expect(mails.length).toBeGreaterThan(0);
    for (const { mail } of mails) {
      for (const part of [mail.subject, mail.text, mail.html]) {
        expect(part).not.toContain('г..');
        expect(part).not.toMatch(/[^.]\.\.(?!\.)/);
      }
    }
  });

  it('still names the dates, with their years', () => {
    const ru = sent.find((s) => s.kind === 'withdrawal-received' && s.locale === 'ru')!.mail.text;
    expect(ru).toContain('26 декабря 2026 в 13:00 (GMT+3).');
    const en = sent.find((s) => s.kind === 'request-extended' && s.locale === 'en')!.mail.text;
    expect(en).toContain('26 January 2027');
  });
});
