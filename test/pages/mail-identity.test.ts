import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingMail } from '../../src/emails/mailer.js';
import { silentLogger } from '../../src/log.js';
import { deliverEmails } from '../../src/outbox/deliver.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { createConfirmedSubject, createSubject } from '../helpers/pages.js';

const ORG = {
  ORG_NAME: 'ООО «Ромашка»',
  ORG_URL: 'https://romashka.example.ru/',
  SUPPORT_EMAIL: 'people@romashka.example.ru',
  MAIL_FROM: 'Ромашка <no-reply@romashka.example.ru>',
};

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: ORG });
});
afterAll(() => h.close());

async function deliverAll(): Promise<OutgoingMail[]> {
  const sent: OutgoingMail[] = [];
  const mailer = { describe: 'memory', close: async () => {}, send: async (m: OutgoingMail) => void sent.push(m) };
  await deliverEmails({ db: h.db, mailer, signer: h.deps.signer, config: h.config, clock: h.clock, logger: silentLogger, random: () => 0.5 });
  return sent;
}

describe('mail as delivered names the operator and a person to write to', () => {
  it('in the confirmation, the unsubscribe way back, the fresh link and the preferences mail, in both parts, never the no-reply sender as contact', async () => {
    await createSubject(h, 'mail-ru@example.ru');
    await createSubject(h, 'mail-en@example.ru', { locale: 'en' });
    const id = await createConfirmedSubject(h, 'mail-pref@example.ru');
    const p = await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 86400 });
    await h.app.request(`/p/${p}/frequency`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'frequency=monthly' });
    h.clock.advance(11 * 60_000);
    const sent = await deliverAll();
    expect(sent.length).toBeGreaterThanOrEqual(4);
    for (const m of sent) {
      expect(m.html).toContain('ООО «Ромашка»');
      expect(m.text).toContain('ООО «Ромашка»');
      expect(m.html).toContain('<a href="mailto:people@romashka.example.ru"');
      expect(m.text).toContain('people@romashka.example.ru');
      expect(m.html).not.toContain('mailto:no-reply@');
      expect(m.text).not.toContain('no-reply@romashka.example.ru');
    }
    expect(sent.some((m) => m.text.includes('Mailings from ООО «Ромашка»'))).toBe(true);
    expect(sent.some((m) => m.text.includes('Рассылка компании ООО «Ромашка»'))).toBe(true);
  });
});
