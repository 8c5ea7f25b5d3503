import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness, jsonRequest, lead } from '../helpers/harness.js';
import { eventsOf, snapshotDb } from '../helpers/pages.js';
import { apiKey, deliverDueMail } from '../helpers/rights.js';

/**
 * A lead for a known address, tried as an attacker with a leads:write key (or the site's form)
 * would: overwrite a person's name, learn whether an address is known. PGlite, and PostgreSQL
 * with TEST_DATABASE_URL.
 */

const T0 = '2026-03-02T09:00:00Z';

let h: Harness;
let site: string;
let other: string;
beforeAll(async () => {
  h = await createHarness({ now: T0 });
  site = (await apiKey(h, 'leads:write')).auth;
  other = (await apiKey(h, 'leads:write')).auth;
});
afterAll(() => h?.close());
beforeEach(async () => {
  h.clock.advance(60_000);
  await deliverDueMail(h);
});

const submit = async (auth: string, email: string, over: Record<string, unknown> = {}) => {
  const res = await h.app.request(
    '/v1/subjects',
    jsonRequest('POST', lead(email, { ip: '198.51.100.99', userAgent: 'Form/1.0', source: 'landing', ...over }), auth),
  );
  return { status: res.status, body: (await res.json()) as { id: string; consents: { processing: string; marketing: string } } };
};
const profileOf = (id: string) =>
  h.db.selectFrom('subjects').select(['first_name', 'last_name', 'phone', 'locale']).where('id', '=', id).executeTakeFirstOrThrow();

describe('a lead for a known address does not overwrite the profile without that address', () => {
  it("keeps the person's name until the address confirms; the submission's evidence is still appended", async () => {
    const { body } = await submit(site, 'victim.name@example.ru', { firstName: 'Анна', lastName: 'Верная', phone: '+7 900 111-11-11' });
    const id = body.id;
    await deliverDueMail(h);
    const eventsBefore = (await eventsOf(h, id)).length;

    const res = await submit(other, 'Victim.Name@example.ru', { firstName: 'Взломщик', lastName: 'Подменный', locale: 'en' });
    expect(res.body.id).toBe(id);
    expect(await profileOf(id)).toEqual({ first_name: 'Анна', last_name: 'Верная', phone: '+7 900 111-11-11', locale: 'ru' });
    const added = (await eventsOf(h, id)).slice(eventsBefore);
    expect(added.map((e) => [e.purpose, e.action])).toEqual([
      ['processing', 'granted'],
      [null, 'requested'],
      ['marketing', 'requested'],
    ]);
    expect(added[0]).toMatchObject({ ip: '198.51.100.99', user_agent: 'Form/1.0', source: 'landing', policy_version: '2025-06-01' });
    expect(added[1]!.details).toEqual({ change: 'profile', fields: ['last_name', 'first_name', 'locale'] });
    expect(JSON.stringify(added)).not.toMatch(/Взломщик|Подменный/);

    // The confirmation goes to the address itself, in the person's language, with the stored name.
    const mails = await deliverDueMail(h);
    expect(mails.map((m) => [m.to, m.subject])).toEqual([['victim.name@example.ru', 'Подтвердите изменение ваших данных']]);
    expect(mails[0]!.text).toContain('Анна');
    expect(mails[0]!.text).not.toContain('Взломщик');
    const link = mails[0]!.links[0]!;
    const before = await snapshotDb(h);
    expect((await h.app.request(link)).status).toBe(200); // a GET shows, never applies
    expect(await snapshotDb(h)).toEqual(before);

    const ok = await h.app.request(link, { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(await profileOf(id)).toEqual({ first_name: 'Взломщик', last_name: 'Подменный', phone: '+7 900 111-11-11', locale: 'en' });
    const last = (await eventsOf(h, id)).at(-1)!;
    expect(last).toMatchObject({ action: 'rectified', actor_type: 'subject', source: 'confirmation-link' });
    expect(last.details).toMatchObject({ confirmedBy: 'address' });
    expect((last.details as { fields: string[] }).fields.sort()).toEqual(['first_name', 'last_name', 'locale']);
    // Spent.
    const spent = await snapshotDb(h);
    expect((await h.app.request(link, { method: 'POST' })).status).toBe(409);
    expect(await snapshotDb(h)).toEqual(spent);
  });

  it('a newer lead supersedes the waiting one, whose link then confirms nothing; an expired one confirms nothing', async () => {
    const { body } = await submit(site, 'victim.super@example.ru', { firstName: 'Борис' });
    await deliverDueMail(h);
    await submit(other, 'victim.super@example.ru', { firstName: 'Первый' });
    const [first] = await deliverDueMail(h);
    h.clock.advance(60_000);
    await submit(other, 'victim.super@example.ru', { firstName: 'Второй' });
    const [second] = await deliverDueMail(h);
    const before = await snapshotDb(h);
    expect((await h.app.request(first!.links[0]!, { method: 'POST' })).status).toBe(409);
    expect(await snapshotDb(h)).toEqual(before);
    expect((await profileOf(body.id)).first_name).toBe('Борис');

    h.clock.advance((h.config.linkTtlDays.confirmation + 1) * 86_400_000);
    expect([409, 410]).toContain((await h.app.request(second!.links[0]!, { method: 'POST' })).status);
    expect((await profileOf(body.id)).first_name).toBe('Борис');
  });

  it('the same values as stored wait for nothing and mail nothing; the same new values posted twice mail once', async () => {
    await submit(site, 'same.values@example.ru', { firstName: 'Вера' });
    await deliverDueMail(h);
    await submit(other, 'same.values@example.ru', { firstName: 'Вера' });
    expect(await deliverDueMail(h)).toEqual([]);
    await submit(other, 'same.values@example.ru', { firstName: 'Надежда', city: 'Тула' });
    await submit(other, 'same.values@example.ru', { city: 'Тула', firstName: 'Надежда' });
    expect((await deliverDueMail(h)).map((m) => m.subject)).toEqual(['Подтвердите изменение ваших данных']);
  });
});

describe('the answer does not tell a key whether anyone else knew the address', () => {
  it("201 with a first submission's consents for an address another key registered, as for a free one; 200 only on this key's own repeat", async () => {
    // Known to someone else, and confirmed there: marketing actually granted.
    const { body: known } = await submit(site, 'known.enum@example.ru');
    const c = await h.deps.signer.sign({ sub: known.id, p: 'c', ttlSeconds: 86400 });
    expect((await h.app.request(`/c/${c}`, { method: 'POST' })).status).toBe(200);

    const a = await submit(other, 'known.enum@example.ru');
    const b = await submit(other, 'free.enum@example.ru');
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.consents).toEqual(b.body.consents);
    expect(a.body.consents).toEqual({ processing: 'granted', marketing: 'pending' });
    expect(Object.keys(a.body).sort()).toEqual(['consents', 'id']);

    // Unticked marketing: 'none', not the known person's 'granted'.
    expect(
      (await submit((await apiKey(h, 'leads:write')).auth, 'known.enum@example.ru', { consents: { processing: true, marketing: false } })).body.consents
        .marketing,
    ).toBe('none');

    // This key's own repeat: 200 and the actual state.
    const again = await submit(other, 'known.enum@example.ru');
    expect(again.status).toBe(200);
    expect(again.body.consents).toEqual({ processing: 'granted', marketing: 'granted' });
    const freeAgain = await submit(other, 'free.enum@example.ru');
    expect(freeAgain.status).toBe(200);
    expect((await submit(site, 'known.enum@example.ru')).status).toBe(200);
  });
});
