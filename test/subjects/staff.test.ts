import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { campaignCall, type ReservationBody } from '../helpers/cadence.js';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';
import { eventsOf, snapshotDb } from '../helpers/pages.js';
import { apiKey, deliverDueMail, fileRequestOk, registerPerson } from '../helpers/rights.js';

const START = '2026-03-02T09:00:00Z';
const MINUTE = 60_000;

type Key = { id: string; auth: string };

let h: Harness;
let k: Record<'leads' | 'reader' | 'writer' | 'admin' | 'manage' | 'sends', Key>;
let seq = 0;

beforeAll(async () => {
  // Double opt-in off, so a registered person has granted marketing and can be reserved for a campaign.
  h = await createHarness({ now: START, env: { DOUBLE_OPT_IN: 'false' } });
  k = {
    leads: await apiKey(h, 'leads:write'),
    reader: await apiKey(h, 'subjects:read'),
    writer: await apiKey(h, 'subjects:write'),
    admin: await apiKey(h, 'admin'),
    manage: await apiKey(h, 'requests:manage'),
    sends: await apiKey(h, 'sends:write'),
  };
});
afterAll(() => h?.close());
beforeEach(() => h.clock.set(START));

const PROFILE = {
  lastName: 'Аудитова',
  firstName: 'Ольга',
  patronymic: 'Сергеевна',
  phone: '+7 (495) 123-45-67',
  website: 'https://audit.example',
  organization: 'ООО «Учёт»',
  industry: 'Бухгалтерия',
  city: 'Тверь',
};

/** A person with every field; returns their id and (normalized) address. */
async function person(tag: string, over: Record<string, unknown> = {}): Promise<{ id: string; email: string }> {
  const email = `${tag}.${++seq}@staff-example.ru`;
  const id = await registerPerson(h, k.leads.auth, email, { ...PROFILE, ip: '198.51.100.23', userAgent: 'StaffTest/1.0', ...over });
  return { id, email };
}

const read = (path: string, key: Key | undefined, headers: Record<string, string> = {}) =>
  h.app.request(path, { headers: { ...(key ? { authorization: key.auth } : {}), ...headers } });

const auditRows = (subjectId?: string) => {
  let q = h.db.selectFrom('audit_log').selectAll().orderBy('id');
  if (subjectId) q = q.where('subject_id', '=', subjectId);
  return q.execute();
};
const auditCount = async () => (await h.db.selectFrom('audit_log').select('id').execute()).length;

const patch = (id: string, body: unknown, key: Key = k.writer) => h.app.request(`/v1/subjects/${id}`, jsonRequest('PATCH', body, key.auth));

describe('every read of personal data by a key is audited', () => {
  it('GET /v1/subjects/{id} returns the person and writes one row: key, subject, action, purpose from X-Purpose, request id, time', async () => {
    const { id, email } = await person('read');
    h.clock.advance(5 * MINUTE);
    const before = await auditCount();
    const res = await read(`/v1/subjects/${id}`, k.reader, { 'x-purpose': 'support ticket 4711', 'x-request-id': 'req-read-4711' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-read-4711');
    expect(await res.json()).toMatchObject({ id, email, ...PROFILE, status: 'active', consents: { processing: 'granted', marketing: 'granted' } });
    expect(await auditCount()).toBe(before + 1);
    const [row] = await auditRows(id);
    expect(row).toMatchObject({ key_id: k.reader.id, subject_id: id, action: 'subject.read', purpose: 'support ticket 4711', request_id: 'req-read-4711' });
    expect(new Date(row!.occurred_at).toISOString()).toBe('2026-03-02T09:05:00.000Z');
  });

  it('GET /v1/subjects?email= finds the person by the address as typed and writes a search row', async () => {
    const { id, email } = await person('search');
    const res = await read(`/v1/subjects?email=${encodeURIComponent(`  ${email.toUpperCase()}`)}`, k.reader, {
      'x-purpose': 'caller asked about their data',
      'x-request-id': 'req-search-1',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { subjects: { id: string; email: string }[] };
    expect(body.subjects.map((s) => [s.id, s.email])).toEqual([[id, email]]);
    expect(await auditRows(id)).toEqual([
      expect.objectContaining({
        key_id: k.reader.id,
        subject_id: id,
        action: 'subject.search',
        purpose: 'caller asked about their data',
        request_id: 'req-search-1',
      }),
    ]);
  });

  it('a search that finds nobody is audited too (no subject), since it still reads personal data', async () => {
    const before = await auditCount();
    const res = await read(`/v1/subjects?email=${encodeURIComponent('nobody.here@staff-example.ru')}`, k.reader, {
      'x-purpose': 'checking a complaint',
      'x-request-id': 'req-miss-1',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ subjects: [] });
    const rows = await auditRows();
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)).toMatchObject({
      key_id: k.reader.id,
      subject_id: null,
      action: 'subject.search.miss',
      purpose: 'checking a complaint',
      request_id: 'req-miss-1',
    });
  });

  it('GET /v1/subjects/{id}/export is audited as an export', async () => {
    const { id } = await person('export-audit');
    const res = await read(`/v1/subjects/${id}/export`, k.reader, { 'x-purpose': 'access request by letter', 'x-request-id': 'req-export-1' });
    expect(res.status).toBe(200);
    expect(await auditRows(id)).toEqual([
      expect.objectContaining({
        key_id: k.reader.id,
        subject_id: id,
        action: 'subject.export',
        purpose: 'access request by letter',
        request_id: 'req-export-1',
      }),
    ]);
  });

  it('a read without X-Purpose (missing or blank) answers 400 with no personal data and writes no audit row', async () => {
    const { id, email } = await person('nopurpose');
    const before = await auditCount();
    for (const path of [`/v1/subjects/${id}`, `/v1/subjects?email=${encodeURIComponent(email)}`, `/v1/subjects/${id}/export`]) {
      for (const headers of [{}, { 'x-purpose': '   ' }] as Record<string, string>[]) {
        const res = await read(path, k.reader, headers);
        expect(res.status, path).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const text = await res.text();
        expect(text).not.toContain(email);
        expect(text).not.toContain(PROFILE.lastName);
        expect(text).toMatch(/X-Purpose/);
      }
    }
    expect(await auditCount()).toBe(before);
  });

  it('reads without a key (401) or without subjects:read (403) show nothing and write no audit row', async () => {
    const { id, email } = await person('noscope');
    const before = await auditCount();
    for (const path of [`/v1/subjects/${id}`, `/v1/subjects?email=${encodeURIComponent(email)}`, `/v1/subjects/${id}/export`]) {
      const anon = await read(path, undefined, { 'x-purpose': 'x' });
      expect(anon.status).toBe(401);
      const wrong = await read(path, k.manage, { 'x-purpose': 'x' });
      expect(wrong.status).toBe(403);
      expect(await wrong.text()).not.toContain(email);
    }
    expect(await auditCount()).toBe(before);
  });

  it('reading an unknown subject answers 404', async () => {
    expect((await read(`/v1/subjects/${crypto.randomUUID()}`, k.reader, { 'x-purpose': 'x' })).status).toBe(404);
    expect((await read(`/v1/subjects/${crypto.randomUUID()}/export`, k.reader, { 'x-purpose': 'x' })).status).toBe(404);
  });
});

describe('GET /v1/audit', () => {
  it('needs the admin scope (403 otherwise, 401 without a key)', async () => {
    for (const key of [k.reader, k.writer, k.manage, k.leads]) {
      expect((await read('/v1/audit', key)).status).toBe(403);
    }
    expect((await read('/v1/audit', undefined)).status).toBe(401);
  });

  it('lists entries newest first, filtered by subject, with key, action, purpose, request id and time', async () => {
    const a = await person('audit-a');
    const b = await person('audit-b');
    const purposes = ['ticket 1', 'ticket 2', 'ticket 3'];
    for (const [i, purpose] of purposes.entries()) {
      h.clock.advance(MINUTE);
      expect((await read(`/v1/subjects/${a.id}`, k.reader, { 'x-purpose': purpose, 'x-request-id': `req-a-${i}` })).status).toBe(200);
      expect((await read(`/v1/subjects/${b.id}`, k.reader, { 'x-purpose': `other ${purpose}` })).status).toBe(200);
    }
    h.clock.advance(MINUTE);
    expect((await read(`/v1/subjects/${a.id}/export`, k.admin, { 'x-purpose': 'ticket 4' })).status).toBe(200);

    const res = await read(`/v1/audit?subject=${a.id}`, k.admin);
    expect(res.status).toBe(200);
    const { entries } = (await res.json()) as {
      entries: { id: number; key: string; subject: string; action: string; purpose: string; requestId: string; at: string }[];
    };
    expect(entries.map((e) => e.purpose)).toEqual(['ticket 4', 'ticket 3', 'ticket 2', 'ticket 1']);
    expect(entries.every((e) => e.subject === a.id)).toBe(true);
    const ids = entries.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    expect(entries[0]).toMatchObject({ key: k.admin.id, action: 'subject.export', at: '2026-03-02T09:04:00.000Z' });
    expect(entries[1]).toMatchObject({ key: k.reader.id, action: 'subject.read', requestId: 'req-a-2', at: '2026-03-02T09:03:00.000Z' });

    // Unfiltered: newest first across subjects.
    const all = (await (await read('/v1/audit?limit=3', k.admin)).json()) as { entries: { purpose: string }[] };
    expect(all.entries.map((e) => e.purpose)).toEqual(['ticket 4', 'other ticket 3', 'ticket 3']);
  });

  it('pages backwards with before= and filters by key', async () => {
    const a = await person('audit-page');
    for (let i = 0; i < 3; i++) expect((await read(`/v1/subjects/${a.id}`, k.reader, { 'x-purpose': `page ${i}` })).status).toBe(200);
    const first = (await (await read(`/v1/audit?subject=${a.id}&limit=2`, k.admin)).json()) as { entries: { id: number; purpose: string }[] };
    expect(first.entries.map((e) => e.purpose)).toEqual(['page 2', 'page 1']);
    const next = (await (await read(`/v1/audit?subject=${a.id}&before=${first.entries[1]!.id}`, k.admin)).json()) as { entries: { purpose: string }[] };
    expect(next.entries.map((e) => e.purpose)).toEqual(['page 0']);
    const byKey = (await (await read(`/v1/audit?key=${k.admin.id}`, k.admin)).json()) as { entries: { key: string }[] };
    expect(byKey.entries.every((e) => e.key === k.admin.id)).toBe(true);
  });
});

describe('rectification (PATCH /v1/subjects/{id})', () => {
  const asColumn = (f: string) => f.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);

  it('applies the changes at once and records a "rectified" event naming the fields, never their values', async () => {
    const { id } = await person('rectify');
    h.clock.advance(MINUTE);
    const res = await patch(id, { firstName: 'Оксана', city: 'Казань', phone: '+7 900 000-11-22' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { subject: Record<string, unknown>; changed: string[] };
    expect(body.subject).toMatchObject({ id, firstName: 'Оксана', city: 'Казань', phone: '+7 900 000-11-22', lastName: PROFILE.lastName });
    expect(body.changed.map(asColumn).sort()).toEqual(['city', 'first_name', 'phone']);

    const row = await h.db.selectFrom('subjects').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ first_name: 'Оксана', city: 'Казань', phone: '+7 900 000-11-22', last_name: PROFILE.lastName });
    expect(new Date(row.updated_at).toISOString()).toBe('2026-03-02T09:01:00.000Z');

    const events = (await eventsOf(h, id)).filter((e) => e.action === 'rectified');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_type: 'staff', actor_id: k.writer.id });
    const details = events[0]!.details as { fields: string[] };
    expect(details.fields.map(asColumn).sort()).toEqual(['city', 'first_name', 'phone']);
    const text = JSON.stringify(events[0]!.details);
    for (const v of ['Оксана', 'Казань', '900', PROFILE.firstName, PROFILE.city, '495']) expect(text).not.toContain(v);
  });

  it('a new e-mail is normalized and answered 202: it waits for the link mailed to it; once confirmed it is re-hashed and found by search, the old address no longer is', async () => {
    const { id, email } = await person('rectify-email');
    const res = await patch(id, { email: '  New.Address.R1@Staff-Example.RU ' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { subject: { email: string }; changed: string[]; pendingEmail: { email: string; expiresAt: string } };
    expect(body.subject.email).toBe(email);
    expect(body.changed).toEqual([]);
    expect(body.pendingEmail.email).toBe('new.address.r1@staff-example.ru');
    const requested = (await eventsOf(h, id)).filter((e) => e.action === 'requested' && e.purpose === null);
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatchObject({ actor_type: 'staff', actor_id: k.writer.id, source: 'staff-api' });

    const mails = (await deliverDueMail(h)).filter((m) => m.to === 'new.address.r1@staff-example.ru');
    expect(mails).toHaveLength(1);
    expect((await h.app.request(mails[0]!.links[0]!, { method: 'POST' })).status).toBe(200);
    const row = await h.db.selectFrom('subjects').select(['email', 'email_hash']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ email: 'new.address.r1@staff-example.ru', email_hash: await h.deps.hasher.hash('new.address.r1@staff-example.ru') });
    const found = (await (await read(`/v1/subjects?email=new.address.r1@staff-example.ru`, k.reader, { 'x-purpose': 'verify' })).json()) as {
      subjects: { id: string }[];
    };
    expect(found.subjects.map((s) => s.id)).toEqual([id]);
    const old = (await (await read(`/v1/subjects?email=${encodeURIComponent(email)}`, k.reader, { 'x-purpose': 'verify' })).json()) as { subjects: unknown[] };
    expect(old.subjects).toEqual([]);
  });

  it('an invalid e-mail answers 422 and nothing is written, not even the other fields of the same body', async () => {
    const { id } = await person('rectify-invalid');
    const before = await snapshotDb(h);
    for (const email of ['not-an-email', 'a@b@c.ru', '"quoted"@example.ru', '']) {
      const res = await patch(id, { firstName: 'Изменено', email });
      expect(res.status, email).toBe(422);
    }
    expect(await snapshotDb(h)).toEqual(before);
  });

  it("another person's address answers 202 like a free one; the owner is neither changed nor mailed", async () => {
    const a = await person('rectify-a');
    const b = await person('rectify-b');
    const bBefore = await h.db.selectFrom('subjects').selectAll().where('id', '=', b.id).executeTakeFirstOrThrow();
    const res = await patch(a.id, { city: 'Записан', email: b.email.toUpperCase() });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { subject: { email: string; city: string }; changed: string[]; pendingEmail: { email: string } };
    expect(body.subject).toMatchObject({ email: a.email, city: 'Записан' });
    expect(body.pendingEmail.email).toBe(b.email);
    expect(await h.db.selectFrom('subjects').selectAll().where('id', '=', b.id).executeTakeFirstOrThrow()).toEqual(bBefore);
    expect((await deliverDueMail(h)).filter((m) => m.to === b.email)).toEqual([]);
    expect((await h.db.selectFrom('subjects').select('email').where('id', '=', a.id).executeTakeFirstOrThrow()).email).toBe(a.email);
  });

  it('HTML is kept as text: stored exactly as given and returned JSON-escaped, never interpreted', async () => {
    const { id } = await person('rectify-html');
    const html = '<script>alert("x")</script><img src=x onerror=alert(1)> & Co';
    const res = await patch(id, { organization: html, lastName: '<b>Жирный</b>' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const raw = await res.text();
    expect(raw).toContain(JSON.stringify(html));
    expect((JSON.parse(raw) as { subject: { organization: string } }).subject.organization).toBe(html);
    const row = await h.db.selectFrom('subjects').select(['organization', 'last_name']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ organization: html, last_name: '<b>Жирный</b>' });
    const got = (await (await read(`/v1/subjects/${id}`, k.reader, { 'x-purpose': 'check' })).json()) as { organization: string; lastName: string };
    expect(got).toMatchObject({ organization: html, lastName: '<b>Жирный</b>' });
  });

  it('the same values again change nothing and record nothing; null clears a field', async () => {
    const { id } = await person('rectify-same');
    const events = (await eventsOf(h, id)).length;
    const same = await patch(id, { city: PROFILE.city, firstName: PROFILE.firstName });
    expect(same.status).toBe(200);
    expect(((await same.json()) as { changed: string[] }).changed).toEqual([]);
    expect((await eventsOf(h, id)).length).toBe(events);

    const cleared = await patch(id, { website: null });
    expect(cleared.status).toBe(200);
    expect(((await cleared.json()) as { subject: { website: unknown } }).subject.website).toBeNull();
    expect((await eventsOf(h, id)).length).toBe(events + 1);
  });

  it('refuses unknown fields and bad phones (422), unknown subjects (404), keys without subjects:write (403)', async () => {
    const { id } = await person('rectify-bad');
    const before = await snapshotDb(h);
    expect((await patch(id, { nickname: 'x' })).status).toBe(422);
    expect((await patch(id, { phone: 'call me maybe' })).status).toBe(422);
    expect((await patch(id, { status: 'erased' })).status).toBe(422);
    expect((await patch(crypto.randomUUID(), { city: 'Омск' })).status).toBe(404);
    expect((await patch(id, { city: 'Омск' }, k.reader)).status).toBe(403);
    expect(await snapshotDb(h)).toEqual(before);
  });
});

describe('restriction (PUT /v1/subjects/{id}/restriction)', () => {
  const restrict = (id: string, body: unknown, key: Key = k.writer) => h.app.request(`/v1/subjects/${id}/restriction`, jsonRequest('PUT', body, key.auth));
  const reserve = async (campaign: string, id: string) => {
    const res = await campaignCall(h, k.sends.auth, campaign, 'reservations', { subjects: [id] });
    expect(res.status).toBe(200);
    return (await res.json()) as ReservationBody;
  };

  it('restricted: status restricted and every reservation denied with reason "restricted"; lifted: allowed again; both recorded as events', async () => {
    const { id } = await person('restrict');
    const on = await restrict(id, { restricted: true, reason: 'Person disputes accuracy' });
    expect(on.status).toBe(200);
    expect(await on.json()).toEqual({ status: 'restricted', changed: true });
    expect((await h.db.selectFrom('subjects').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('restricted');
    const profile = (await (await read(`/v1/subjects/${id}`, k.reader, { 'x-purpose': 'check' })).json()) as { status: string };
    expect(profile.status).toBe('restricted');

    expect(await reserve('restricted-1', id)).toEqual({ allowed: [], denied: [expect.objectContaining({ subject: id, reason: 'restricted' })] });
    expect(await h.db.selectFrom('sends').selectAll().where('subject_id', '=', id).execute()).toEqual([]);

    h.clock.advance(MINUTE);
    const off = await restrict(id, { restricted: false, reason: 'Accuracy confirmed' });
    expect(off.status).toBe(200);
    expect(await off.json()).toEqual({ status: 'active', changed: true });
    expect(await reserve('restricted-2', id)).toEqual({ allowed: [id], denied: [] });

    const events = (await eventsOf(h, id)).filter((e) => e.action === 'restricted' || e.action === 'unrestricted');
    expect(events.map((e) => [e.action, e.actor_type, e.actor_id])).toEqual([
      ['restricted', 'staff', k.writer.id],
      ['unrestricted', 'staff', k.writer.id],
    ]);
  });

  it('restricting twice changes nothing the second time and records one event', async () => {
    const { id } = await person('restrict-twice');
    expect(await (await restrict(id, { restricted: true, reason: 'r' })).json()).toEqual({ status: 'restricted', changed: true });
    expect(await (await restrict(id, { restricted: true, reason: 'r' })).json()).toEqual({ status: 'restricted', changed: false });
    expect((await eventsOf(h, id)).filter((e) => e.action === 'restricted')).toHaveLength(1);
    // Lifting a restriction that is not there changes nothing either.
    const { id: other } = await person('unrestrict-none');
    expect(await (await restrict(other, { restricted: false, reason: 'r' })).json()).toEqual({ status: 'active', changed: false });
    expect((await eventsOf(h, other)).filter((e) => e.action === 'unrestricted')).toHaveLength(0);
  });

  it('needs a reason (422), a known subject (404) and subjects:write (403)', async () => {
    const { id } = await person('restrict-bad');
    expect((await restrict(id, { restricted: true })).status).toBe(422);
    expect((await restrict(id, { restricted: true, reason: ' ' })).status).toBe(422);
    expect((await restrict(crypto.randomUUID(), { restricted: true, reason: 'r' })).status).toBe(404);
    expect((await restrict(id, { restricted: true, reason: 'r' }, k.reader)).status).toBe(403);
    expect((await h.db.selectFrom('subjects').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('active');
  });
});

describe('disclosures and the export', () => {
  const disclose = (id: string, body: unknown, key: Key = k.manage) => h.app.request(`/v1/subjects/${id}/disclosures`, jsonRequest('POST', body, key.auth));

  it('records a disclosure to a third party (to whom, legal basis, what) and shows it in the export', async () => {
    const { id } = await person('disclose');
    h.clock.advance(MINUTE);
    const res = await disclose(id, {
      recipient: 'Арбитражный суд г. Москвы',
      legalBasis: 'Определение суда № А40-1234/2026 от 01.03.2026',
      data: 'ФИО, e-mail, история согласий',
      disclosedAt: '2026-03-01T10:00:00+03:00',
    });
    expect(res.status).toBe(201);
    const { id: disclosureId } = (await res.json()) as { id: string };
    const row = await h.db.selectFrom('disclosures').selectAll().where('id', '=', disclosureId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ subject_id: id, recipient: 'Арбитражный суд г. Москвы', recorded_by: k.manage.id });
    expect(new Date(row.disclosed_at).toISOString()).toBe('2026-03-01T07:00:00.000Z');
    expect(new Date(row.recorded_at).toISOString()).toBe('2026-03-02T09:01:00.000Z');

    const exp = (await (await read(`/v1/subjects/${id}/export`, k.reader, { 'x-purpose': 'check disclosures' })).json()) as { disclosures: unknown[] };
    expect(exp.disclosures).toEqual([
      {
        recipient: 'Арбитражный суд г. Москвы',
        legalBasis: 'Определение суда № А40-1234/2026 от 01.03.2026',
        data: 'ФИО, e-mail, история согласий',
        at: '2026-03-01T07:00:00.000Z',
      },
    ]);
  });

  it('refuses a disclosure without a legal basis (422), for an unknown subject (404), without requests:manage (403)', async () => {
    const { id } = await person('disclose-bad');
    const good = { recipient: 'Суд', legalBasis: 'Решение', data: 'ФИО' };
    expect((await disclose(id, { recipient: 'Суд', data: 'ФИО' })).status).toBe(422);
    expect((await disclose(id, { ...good, legalBasis: '  ' })).status).toBe(422);
    expect((await disclose(crypto.randomUUID(), good)).status).toBe(404);
    expect((await disclose(id, good, k.reader)).status).toBe(403);
    expect(await h.db.selectFrom('disclosures').selectAll().where('subject_id', '=', id).execute()).toEqual([]);
  });

  it('the export holds the profile, consents, consent events with their evidence, requests with their text, and disclosures', async () => {
    const { id, email } = await person('export-full');
    const appeal = await fileRequestOk(h, k.manage.auth, id, { type: 'appeal', body: 'Прошу объяснить, откуда у вас мой телефон' });
    expect((await disclose(id, { recipient: 'Прокуратура', legalBasis: 'Запрос № 7', data: 'e-mail' })).status).toBe(201);
    expect((await h.app.request(`/v1/subjects/${id}/restriction`, jsonRequest('PUT', { restricted: true, reason: 'dispute' }, k.writer.auth))).status).toBe(
      200,
    );

    const res = await read(`/v1/subjects/${id}/export`, k.reader, { 'x-purpose': 'access request' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(`subject-${id}.json`);
    const exp = (await res.json()) as {
      subject: Record<string, unknown>;
      consentEvents: Record<string, unknown>[];
      requests: Record<string, unknown>[];
      disclosures: Record<string, unknown>[];
    };
    expect(exp.subject).toMatchObject({ id, email, ...PROFILE, status: 'restricted', consents: { processing: 'granted', marketing: 'granted' } });
    expect(exp.consentEvents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ purpose: 'processing', action: 'granted', ip: '198.51.100.23', userAgent: 'StaffTest/1.0', policyVersion: '2025-06-01' }),
        expect.objectContaining({ purpose: 'marketing', action: 'granted' }),
        expect.objectContaining({ action: 'restricted', actor: 'staff' }),
      ]),
    );
    expect(exp.requests).toEqual([
      expect.objectContaining({
        id: appeal.id,
        type: 'appeal',
        status: 'received',
        receivedAt: appeal.receivedAt,
        dueAt: appeal.dueAt,
        text: 'Прошу объяснить, откуда у вас мой телефон',
      }),
    ]);
    expect(exp.disclosures).toEqual([expect.objectContaining({ recipient: 'Прокуратура', legalBasis: 'Запрос № 7', data: 'e-mail' })]);
  });

  it('the export is stamped with the service clock', async () => {
    const { id } = await person('export-clock');
    h.clock.set('2026-03-05T12:34:56Z');
    const exp = (await (await read(`/v1/subjects/${id}/export`, k.reader, { 'x-purpose': 'x' })).json()) as { exportedAt: string };
    expect(exp.exportedAt).toBe('2026-03-05T12:34:56.000Z');
  });
});
