import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness.js';
import { consentState, createConfirmedSubject, eventsOf, formsOf, outboxOf, snapshotDb, submitForm, suppressionOf } from '../helpers/pages.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const post = (path: string, harness = h, body = '') =>
  harness.app.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
/** The withdrawal's second step, the one button that acts. */
const withdraw = (path: string, harness = h) => post(path, harness, 'confirm=yes');
const frequency = async (id: string) =>
  (await h.db.selectFrom('preferences').select(['frequency', 'paused_until']).where('subject_id', '=', id).executeTakeFirst())?.frequency;
const confirmations = async (id: string) => (await outboxOf(h, id)).filter((r) => r.kind === 'confirm-subscription');

let clients = 0;
/** The app as seen from a client address of its own (the per-client limit starts whole). */
const newClient = () => createHarness({ handle: h.handle, clientIp: `192.0.2.${100 + ++clients}` });

describe('"at most one a month instead" on /u', () => {
  it('sets the frequency to monthly with its ledger event, keeps the subscription, and still offers the unsubscribe button', async () => {
    const id = await createConfirmedSubject(h, 'monthly@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'spring' });
    const [, monthly] = formsOf(await (await h.app.request(`/u/${token}`)).text());
    const res = await submitForm(h, monthly!);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('не больше одного письма в месяц');
    expect(formsOf(html).map((f) => f.action)).toEqual([`/u/${token}?lang=ru`]);
    expect(await frequency(id)).toBe('monthly');
    expect(await consentState(h, id, 'marketing')).toBe('granted');
    expect(await suppressionOf(h, id)).toBeUndefined();
    const changed = (await eventsOf(h, id)).filter((e) => e.action === 'frequency_changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({
      actor_type: 'subject',
      source: 'unsubscribe-page',
      campaign_id: 'spring',
      details: { from: 'standard', to: 'monthly' },
    });
  });

  it('keeps a pause the person set, and a second press changes nothing', async () => {
    const id = await createConfirmedSubject(h, 'monthly-paused@example.ru');
    await h.db.updateTable('preferences').set({ paused_until: '2026-05-01' }).where('subject_id', '=', id).execute();
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    expect((await post(`/u/${token}/monthly`)).status).toBe(200);
    const row = await h.db
      .selectFrom('preferences')
      .select(['frequency'])
      .select((eb) => eb.fn<string>('to_char', [eb.ref('paused_until'), eb.val('YYYY-MM-DD')]).as('until'))
      .where('subject_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ frequency: 'monthly', until: '2026-05-01' });
    const before = await snapshotDb(h);
    const again = await post(`/u/${token}/monthly`);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('уже выбрано');
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('is not offered once monthly, nor after unsubscribing; and refused once consent to processing is withdrawn', async () => {
    const id = await createConfirmedSubject(h, 'monthly-offer@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    await post(`/u/${token}/monthly`);
    expect(formsOf(await (await h.app.request(`/u/${token}`)).text()).map((f) => f.action)).toEqual([`/u/${token}?lang=ru`]);

    const gone = await createConfirmedSubject(h, 'monthly-withdrawn@example.ru');
    const w = await h.deps.signer.sign({ sub: gone, p: 'w', ttlSeconds: 86400 });
    expect((await withdraw(`/w/${w}`)).status).toBe(200);
    const u = await h.deps.signer.sign({ sub: gone, p: 'u' });
    const before = await snapshotDb(h);
    expect((await post(`/u/${u}/monthly`)).status).toBe(409);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('refuses a damaged or foreign token like every /u path, writing nothing', async () => {
    const id = await createConfirmedSubject(h, 'monthly-foreign@example.ru');
    const p = await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 86400 });
    const before = await snapshotDb(h);
    for (const token of ['abc', p]) expect((await post(`/u/${token}/monthly`)).status).toBe(400);
    expect(await snapshotDb(h)).toEqual(before);
  });
});

describe('the way back after unsubscribing', () => {
  it('mails a confirmation and subscribes nobody: marketing is pending and the address stays suppressed until the person confirms', async () => {
    const id = await createConfirmedSubject(h, 'comeback@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    const [unsubscribe] = formsOf(await (await h.app.request(`/u/${token}`)).text());
    const done = await (await submitForm(h, unsubscribe!)).text();
    const back = formsOf(done).find((f) => f.action.includes('/resubscribe'));
    expect(back).toBeDefined();
    const before = (await confirmations(id)).length;

    const res = await submitForm(h, back!, {});
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Проверьте почту');
    expect(await consentState(h, id, 'marketing')).toBe('pending');
    expect(await suppressionOf(h, id)).toMatchObject({ active: true, reason: 'unsubscribed' });
    expect(await confirmations(id)).toHaveLength(before + 1);
    const requested = (await eventsOf(h, id)).filter((e) => e.action === 'requested' && e.source === 'unsubscribe-page');
    expect(requested).toHaveLength(1);
    expect(requested[0]!.details).toMatchObject({ from: 'withdrawn' });

    // Only the confirmation link (the address's owner) subscribes again, and lifts the suppression.
    const c = await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: 86400 });
    expect((await h.app.request(`/c/${c}`, { method: 'POST' })).status).toBe(200);
    expect(await consentState(h, id, 'marketing')).toBe('granted');
    expect(await suppressionOf(h, id)).toMatchObject({ active: false });
  });

  it('never subscribes without the confirmation, even with DOUBLE_OPT_IN=false', async () => {
    const single = await createHarness({ handle: h.handle, env: { DOUBLE_OPT_IN: 'false' }, clientIp: '192.0.2.250' });
    const id = await createConfirmedSubject(h, 'no-doi@example.ru');
    const token = await single.deps.signer.sign({ sub: id, p: 'u' });
    expect(
      (
        await single.app.request(`/u/${token}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
        })
      ).status,
    ).toBe(200);
    expect((await post(`/u/${token}/resubscribe`, single)).status).toBe(200);
    expect(await consentState(h, id, 'marketing')).toBe('pending');
    expect(await suppressionOf(h, id)).toMatchObject({ active: true });
  });

  it('queues one mail for a double press, and one per 10 minutes however often it is pressed', async () => {
    const client = await newClient();
    const id = await createConfirmedSubject(h, 'double-press@example.ru');
    const token = await client.deps.signer.sign({ sub: id, p: 'u' });
    await post(`/u/${token}`, client);
    const before = (await confirmations(id)).length;
    const answers = new Set<string>();
    for (let i = 0; i < 3; i++) answers.add(await (await post(`/u/${token}/resubscribe`, client)).text());
    expect(answers.size).toBe(1);
    expect(await confirmations(id)).toHaveLength(before + 1);
    expect((await eventsOf(h, id)).filter((e) => e.action === 'requested' && e.source === 'unsubscribe-page')).toHaveLength(1);
    client.clock.advance(11 * 60_000);
    await post(`/u/${token}/resubscribe`, client);
    expect(await confirmations(id)).toHaveLength(before + 2);
  });

  it('limits one client to a few requests an hour across people', async () => {
    const client = await newClient();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const id = await createConfirmedSubject(h, `ip-limit-${i}@example.ru`);
      const token = await client.deps.signer.sign({ sub: id, p: 'u' });
      await post(`/u/${token}`, client);
      statuses.push((await post(`/u/${token}/resubscribe`, client)).status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('mails nothing to a bounced address, a restricted person, or one who withdrew consent to processing', async () => {
    const client = await newClient();
    const bounced = await createConfirmedSubject(h, 'bounced-back@example.ru');
    const restricted = await createConfirmedSubject(h, 'restricted-back@example.ru');
    const withdrawn = await createConfirmedSubject(h, 'withdrawn-back@example.ru');
    const u = (id: string) => client.deps.signer.sign({ sub: id, p: 'u' });
    for (const id of [bounced, restricted]) await post(`/u/${await u(id)}`, client);
    const hash = (await h.db.selectFrom('subjects').select('email_hash').where('id', '=', bounced).executeTakeFirstOrThrow()).email_hash;
    await h.db.updateTable('suppressions').set({ reason: 'bounced' }).where('hash', '=', hash).execute();
    await h.db.updateTable('subjects').set({ status: 'restricted' }).where('id', '=', restricted).execute();
    expect((await withdraw(`/w/${await client.deps.signer.sign({ sub: withdrawn, p: 'w', ttlSeconds: 86400 })}`, client)).status).toBe(200);
    for (const id of [bounced, restricted, withdrawn]) {
      const before = await snapshotDb(h);
      const res = await post(`/u/${await u(id)}/resubscribe`, client);
      expect(res.status).toBe(409);
      const after = await snapshotDb(h);
      // Only the client's request counter moved.
      expect({ ...after, rate_limits: null }).toEqual({ ...before, rate_limits: null });
    }
  });

  it('GET never offers or does it for a subscribed person, and a subscribed person asking gets nothing mailed', async () => {
    const id = await createConfirmedSubject(h, 'still-here@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u' });
    expect(formsOf(await (await h.app.request(`/u/${token}`)).text()).some((f) => f.action.includes('/resubscribe'))).toBe(false);
    const before = (await confirmations(id)).length;
    const client = await newClient();
    const res = await post(`/u/${await client.deps.signer.sign({ sub: id, p: 'u' })}/resubscribe`, client);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Вы подписаны');
    expect(await confirmations(id)).toHaveLength(before);
  });
});
