import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, jsonRequest, lead } from '../helpers/harness.js';
import { createConfirmedSubject, snapshotDb } from '../helpers/pages.js';

/**
 * Text PostgreSQL cannot store (a NUL character) or that is not Unicode (an unpaired surrogate)
 * is refused where it enters, with 422 naming the field: a campaign id with a NUL used to be
 * signed into every link, and each of those links then failed when the person clicked it.
 */

let h: Harness;
let admin: string;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.bearer('admin');
});
afterAll(() => h.close());

async function expect422(res: Response, path: string) {
  const text = await res.text();
  expect(res.status, text).toBe(422);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = JSON.parse(text) as { code: string; errors: { path: string; message: string }[] };
  expect(body.code).toBe('validation_failed');
  expect(body.errors.map((e) => e.path)).toContain(path);
  // The submitted value is never echoed (the instance is the request path, by design).
  expect(JSON.stringify([body.errors, (body as { detail?: string }).detail])).not.toContain('\\u0000');
  return body;
}

const BAD = ['spring\u0000sale', '\u0000', 'lone \ud800 surrogate', 'x\udc00'];

describe('POST /v1/links: campaignId', () => {
  it('a campaignId with a NUL or an unpaired surrogate is 422 at entry, and no link is signed', async () => {
    const id = await createConfirmedSubject(h, 'nul-links@example.ru');
    for (const campaignId of BAD) {
      const res = await h.app.request('/v1/links', jsonRequest('POST', { subjects: [id], campaignId }, admin));
      await expect422(res, 'campaignId');
    }
  });

  it('a link signed with a good campaignId still unsubscribes (the control)', async () => {
    const id = await createConfirmedSubject(h, 'nul-control@example.ru');
    const res = await h.app.request('/v1/links', jsonRequest('POST', { subjects: [id], campaignId: 'spring-sale' }, admin));
    expect(res.status).toBe(200);
    const { links } = (await res.json()) as { links: { unsubscribeUrl: string }[] };
    const path = new URL(links[0]!.unsubscribeUrl).pathname;
    const click = await h.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(click.status).toBe(200);
  });
});

describe('every API input: the same rule wherever text enters', () => {
  it('a campaign id in the path of a reservation', async () => {
    const id = await createConfirmedSubject(h, 'nul-reserve@example.ru');
    const before = await snapshotDb(h);
    const res = await h.app.request('/v1/campaigns/spring%00sale/reservations', jsonRequest('POST', { subjects: [id] }, admin));
    await expect422(res, 'campaignId');
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('profile fields of a lead, a nested field, and a query parameter', async () => {
    const before = await snapshotDb(h);
    await expect422(await h.app.request('/v1/subjects', jsonRequest('POST', lead('nul-lead@example.ru', { firstName: 'Ив\u0000ан' }), admin)), 'firstName');
    await expect422(await h.app.request('/v1/subjects', jsonRequest('POST', lead('nul-lead@example.ru', { source: 'form\ud800' }), admin)), 'source');
    await expect422(
      await h.app.request(
        '/v1/suppressions',
        jsonRequest('POST', { entries: [{ email: 'ok@example.ru' }, { email: 'b@example.ru', note: 'n\u0000' }] }, admin),
      ),
      'entries.1.note',
    );
    await expect422(await h.app.request('/v1/subjects?email=a%00@example.ru', { headers: { authorization: admin, 'x-purpose': 'support' } }), 'email');
    expect(await snapshotDb(h)).toEqual(before);
  });
});

describe('links already in mailboxes', () => {
  it('a link signed before the check, with a NUL in its campaign, still unsubscribes (leaving must always work); the campaign is kept with U+FFFD', async () => {
    const id = await createConfirmedSubject(h, 'nul-old-link@example.ru');
    const token = await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'old\u0000campaign' });
    const res = await h.app.request(`/u/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    const events = await h.db
      .selectFrom('consent_events')
      .select(['action', 'campaign_id'])
      .where('subject_id', '=', id)
      .where('action', '=', 'unsubscribed')
      .execute();
    expect(events).toEqual([{ action: 'unsubscribed', campaign_id: 'old\ufffdcampaign' }]);
  });
});
