import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, jsonRequest, lead } from '../helpers/harness.js';

let h: Harness;
let auth: string;
beforeAll(async () => {
  h = await createHarness();
  auth = await h.bearer('leads:write');
});
afterAll(() => h.close());

describe('POST /v1/subjects', () => {
  it('registers a new person with pending marketing consent under double opt-in', async () => {
    const res = await h.app.request(
      '/v1/subjects',
      jsonRequest('POST', lead('  Anna.Smirnova@Example.RU ', { firstName: 'Анна', ip: '203.0.113.9', userAgent: 'Mozilla/5.0' }), auth),
    );
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.consents).toEqual({ processing: 'granted', marketing: 'pending' });
    const subject = await h.db.selectFrom('subjects').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(subject.email).toBe('anna.smirnova@example.ru');
    expect(subject.first_name).toBe('Анна');
    const events = await h.db.selectFrom('consent_events').selectAll().where('subject_id', '=', body.id).orderBy('id').execute();
    expect(events.map((e) => [e.purpose, e.action])).toEqual([
      ['processing', 'granted'],
      ['marketing', 'requested'],
    ]);
    expect(events[0]).toMatchObject({ ip: '203.0.113.9', user_agent: 'Mozilla/5.0', policy_version: '2025-06-01', actor_type: 'subject' });
    const outbox = await h.db.selectFrom('outbox').selectAll().where('subject_id', '=', body.id).execute();
    expect(outbox.map((o) => o.kind)).toEqual(['confirm-subscription']);
  });

  it('answers 200 for a known address and appends events instead of duplicating the person', async () => {
    const first = await (await h.app.request('/v1/subjects', jsonRequest('POST', lead('repeat@example.ru'), auth))).json();
    const res = await h.app.request('/v1/subjects', jsonRequest('POST', lead('REPEAT@example.ru', { city: 'Казань' }), auth));
    expect(res.status).toBe(200);
    const second = await res.json();
    expect(second.id).toBe(first.id);
    const count = await h.db
      .selectFrom('subjects')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('email', '=', 'repeat@example.ru')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
    const events = await h.db.selectFrom('consent_events').select('action').where('subject_id', '=', first.id).orderBy('id').execute();
    // granted + requested (marketing) twice, and the new city waiting for the address to confirm it.
    expect(events.map((e) => e.action)).toEqual(['granted', 'requested', 'granted', 'requested', 'requested']);
    const row = await h.db.selectFrom('subjects').select('city').where('id', '=', first.id).executeTakeFirstOrThrow();
    expect(row.city).toBeNull();
  });

  it('refuses a lead without consent to processing with 422 and writes nothing', async () => {
    const res = await h.app.request(
      '/v1/subjects',
      jsonRequest('POST', lead('noconsent@example.ru', { consents: { processing: false, marketing: true } }), auth),
    );
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await res.json()).code).toBe('consent_required');
    const row = await h.db.selectFrom('subjects').select('id').where('email', '=', 'noconsent@example.ru').executeTakeFirst();
    expect(row).toBeUndefined();
  });
});
