// Staff lift of a suppression (POST /v1/suppressions/lifts): only bounces, complaints and manual
// entries, only with a stated reason, never past the person's own unsubscribe or erasure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseSubject } from '../../src/erasure/erase.js';
import { suppress } from '../../src/suppressions/queries.js';
import { expectedHash, getFeed, parseNdjson } from '../helpers/feed.js';
import { createHarness, type Harness, jsonRequest, registerLead } from '../helpers/harness.js';

let h: Harness;
let writer: string;
let reader: string;

beforeAll(async () => {
  h = await createHarness({ env: { DOUBLE_OPT_IN: 'false' } });
  writer = await h.bearer('suppressions:write');
  reader = await h.bearer('suppressions:read');
});
afterAll(() => h?.close());

const liftReq = (entries: unknown, auth = writer) => h.app.request('/v1/suppressions/lifts', jsonRequest('POST', { entries }, auth));

async function staffSuppress(email: string, reason: 'bounced' | 'complained' | 'manual', subjectId: string | null) {
  h.clock.advance(1000);
  await suppress(h.db, { hash: expectedHash(email), email, subjectId, reason, actorType: 'system', at: h.clock.now() });
}

async function oneClick(subjectId: string) {
  const links = await h.app.request('/v1/links', jsonRequest('POST', { subjects: [subjectId] }, await h.bearer('links:write')));
  const url = new URL(((await links.json()) as { links: { unsubscribeUrl: string }[] }).links[0]!.unsubscribeUrl);
  const res = await h.app.request(url.pathname, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  expect(res.status).toBe(200);
}

async function entryOf(email: string) {
  return h.db.selectFrom('suppressions').selectAll().where('hash', '=', expectedHash(email)).executeTakeFirst();
}

async function lastRecord(email: string) {
  const records = parseNdjson((await getFeed(h, reader)).text).filter((r) => r.hash === expectedHash(email));
  return { last: records.at(-1), count: records.length };
}

async function reserve(subjectId: string) {
  const res = await h.app.request(
    `/v1/campaigns/c-${h.clock.now().getTime()}/reservations`,
    jsonRequest('POST', { subjects: [subjectId] }, await h.bearer('sends:write')),
  );
  return (await res.json()) as { allowed: string[]; denied: { reason: string }[] };
}

describe('POST /v1/suppressions/lifts', () => {
  it('lifts a bounce with the stated reason: a tombstone in the feed, the reason kept, the ledger told, mail allowed again', async () => {
    const { id } = await registerLead(h, 'full-mailbox@example.ru');
    await staffSuppress('full-mailbox@example.ru', 'bounced', id);
    expect((await reserve(id)).denied[0]?.reason).toBe('suppressed');
    const res = await liftReq([{ email: 'Full-Mailbox@Example.ru', reason: 'ticket 88: the mailbox was full, the person wrote to support' }]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ lifted: 1, results: [{ index: 0, outcome: 'lifted', was: 'bounced' }] });
    const e = await entryOf('full-mailbox@example.ru');
    expect(e).toMatchObject({ active: false, reason: 'bounced', actor_type: 'staff', note: 'ticket 88: the mailbox was full, the person wrote to support' });
    const { last } = await lastRecord('full-mailbox@example.ru');
    expect(last).toMatchObject({ active: false, reason: 'bounced' });
    const ledger = await h.db
      .selectFrom('consent_events')
      .select(['action', 'actor_type', 'details'])
      .where('subject_id', '=', id)
      .where('action', '=', 'unsuppressed')
      .execute();
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ actor_type: 'staff', details: { by: 'staff', was: 'bounced' } });
    expect((await reserve(id)).allowed).toEqual([id]);
  });

  it("refuses to lift the person's own unsubscribe: only their own confirmed opt-in does", async () => {
    const { id } = await registerLead(h, 'left-us@example.ru');
    await oneClick(id);
    const before = await lastRecord('left-us@example.ru');
    const res = await liftReq([{ email: 'left-us@example.ru', reason: 'the marketing team asked' }]);
    expect(await res.json()).toEqual({ lifted: 0, results: [{ index: 0, outcome: 'own_act', was: 'unsubscribed' }] });
    expect(await entryOf('left-us@example.ru')).toMatchObject({ active: true, reason: 'unsubscribed' });
    expect(await lastRecord('left-us@example.ru')).toEqual(before);
  });

  it('a bounce on top of an unsubscribe, lifted, leaves the unsubscribe standing (never a tombstone for a person who left)', async () => {
    const { id } = await registerLead(h, 'left-then-bounced@example.ru');
    await oneClick(id);
    await staffSuppress('left-then-bounced@example.ru', 'bounced', id);
    expect(await entryOf('left-then-bounced@example.ru')).toMatchObject({ active: true, reason: 'bounced' });
    const res = await liftReq([{ email: 'left-then-bounced@example.ru', reason: 'bounce was a provider outage' }]);
    expect(await res.json()).toEqual({ lifted: 0, results: [{ index: 0, outcome: 'own_act_remains', was: 'bounced', now: 'unsubscribed' }] });
    expect(await entryOf('left-then-bounced@example.ru')).toMatchObject({ active: true, reason: 'unsubscribed' });
    const { last } = await lastRecord('left-then-bounced@example.ru');
    expect(last).toMatchObject({ active: true, reason: 'unsubscribed' });
    expect((await reserve(id)).allowed).toEqual([]);
  });

  it("a bounce for an erased person's address, lifted, stays suppressed as erased and stores no address", async () => {
    const { id } = await registerLead(h, 'gone@example.ru');
    expect(await eraseSubject(h.db, id, h.clock.now(), null)).toBe(true);
    await staffSuppress('gone@example.ru', 'bounced', id);
    const res = await liftReq([{ email: 'gone@example.ru', reason: 'cleanup' }]);
    expect(await res.json()).toEqual({ lifted: 0, results: [{ index: 0, outcome: 'own_act_remains', was: 'bounced', now: 'erased' }] });
    const e = await entryOf('gone@example.ru');
    expect(e).toMatchObject({ active: true, reason: 'erased', note: null });
    expect(e?.email ?? null).toBeNull();
  });

  it('says not_suppressed for an address without an active entry, and a second lift adds no feed record', async () => {
    await staffSuppress('twice@example.ru', 'complained', null);
    expect((await (await liftReq([{ email: 'twice@example.ru', reason: 'complaint withdrawn in writing' }])).json()).lifted).toBe(1);
    const after = await lastRecord('twice@example.ru');
    const again = await liftReq([
      { email: 'twice@example.ru', reason: 'again' },
      { email: 'never-seen@example.ru', reason: 'again' },
    ]);
    expect(await again.json()).toEqual({
      lifted: 0,
      results: [
        { index: 0, outcome: 'not_suppressed' },
        { index: 1, outcome: 'not_suppressed' },
      ],
    });
    expect(await lastRecord('twice@example.ru')).toEqual(after);
  });

  it('refuses the whole request, changing nothing, for a missing reason or a bad address', async () => {
    await staffSuppress('kept@example.ru', 'manual', null);
    for (const entries of [
      [{ email: 'kept@example.ru' }],
      [{ email: 'kept@example.ru', reason: '   ' }],
      [
        { email: 'kept@example.ru', reason: 'ok' },
        { email: 'not an address', reason: 'ok' },
      ],
      [],
    ]) {
      const res = await liftReq(entries);
      expect(res.status, JSON.stringify(entries)).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await entryOf('kept@example.ru')).toMatchObject({ active: true, reason: 'manual' });
  });

  it('needs suppressions:write: 401 without a key, 403 with another scope', async () => {
    await staffSuppress('guarded@example.ru', 'manual', null);
    expect((await h.app.request('/v1/suppressions/lifts', jsonRequest('POST', { entries: [{ email: 'guarded@example.ru', reason: 'x' }] }))).status).toBe(401);
    expect((await liftReq([{ email: 'guarded@example.ru', reason: 'x' }], reader)).status).toBe(403);
    expect(await entryOf('guarded@example.ru')).toMatchObject({ active: true });
  });

  it('writes an audit row for the lift with the purpose given', async () => {
    await staffSuppress('audited@example.ru', 'manual', null);
    const res = await h.app.request('/v1/suppressions/lifts', {
      ...jsonRequest('POST', { entries: [{ email: 'audited@example.ru', reason: 'x' }] }, writer),
      headers: { 'content-type': 'application/json', authorization: writer, 'x-purpose': 'ticket 91' },
    });
    expect(res.status).toBe(200);
    const rows = await h.db.selectFrom('audit_log').select(['action', 'purpose']).where('purpose', '=', 'ticket 91').execute();
    expect(rows.length).toBeGreaterThan(0);
  });
});
