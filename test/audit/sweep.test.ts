import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_ON_EVERY_ROW } from '../../src/audit/writes.js';
import { createHarness, type Harness, jsonRequest, lead, registerLead } from '../helpers/harness.js';

/**
 * Every staff write leaves an audit row. The sweep reads the write operations (POST, PUT, PATCH,
 * DELETE with a security requirement) from the OpenAPI document and makes one successful call
 * to each, so a new write route fails here until it gets a row (and an entry in WRITES below).
 * Each call must leave exactly one new row: the generic `"<METHOD> <path>"` one from
 * `auditStaffWrites`, or the route's own, more specific row (`subject.rectify`, …), never both.
 */

interface Ctx {
  h: Harness;
  /** An admin key's Authorization header: every scoped() check lets admin through. */
  auth: string;
  /** A new person, registered over the API; their id. */
  subject(): Promise<string>;
}

interface Call {
  path: string;
  init: RequestInit;
}

let seq = 0;
const unique = (what: string) => `${what}-${++seq}`;
const email = () => `${unique('sweep')}@example.ru`;

const call = (method: string, path: string, body: unknown, auth: string): Call => ({ path, init: jsonRequest(method, body, auth) });

/** A CSV body, as the import routes take it. */
const csv = (path: string, body: string, auth: string): Call => ({
  path,
  init: { method: 'POST', headers: { authorization: auth, 'content-type': 'text/csv; charset=utf-8' }, body },
});

/** Files an access request for a new person and returns its id (an open request any action applies to). */
async function openRequest(ctx: Ctx): Promise<string> {
  const id = await ctx.subject();
  const res = await ctx.h.app.request(`/v1/subjects/${id}/requests`, jsonRequest('POST', { type: 'access' }, ctx.auth));
  if (res.status !== 201) throw new Error(`filing a request answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Reserves a new person for a new campaign (DOUBLE_OPT_IN is off, so they may be mailed). */
async function reserved(ctx: Ctx): Promise<{ campaign: string; subject: string }> {
  const campaign = unique('sweep-campaign');
  const subject = await ctx.subject();
  const res = await ctx.h.app.request(`/v1/campaigns/${campaign}/reservations`, jsonRequest('POST', { subjects: [subject] }, ctx.auth));
  const body = (await res.json()) as { allowed: string[] };
  if (res.status !== 200 || !body.allowed.includes(subject)) throw new Error(`reserving answered ${res.status}: ${JSON.stringify(body)}`);
  return { campaign, subject };
}

/**
 * One successful call per staff write operation, keyed as the document names it. The setup a
 * call needs (a person, a request, a reservation) is done here, before the audit rows are
 * counted, so only the call itself is measured.
 */
const WRITES: Record<string, (ctx: Ctx) => Promise<Call>> = {
  'POST /v1/subjects': async (ctx) => call('POST', '/v1/subjects', lead(email()), ctx.auth),
  'PATCH /v1/subjects/{id}': async (ctx) => call('PATCH', `/v1/subjects/${await ctx.subject()}`, { city: 'Казань' }, ctx.auth),
  'PUT /v1/subjects/{id}/restriction': async (ctx) =>
    call('PUT', `/v1/subjects/${await ctx.subject()}/restriction`, { restricted: true, reason: 'the person contests accuracy' }, ctx.auth),
  'POST /v1/subjects/{id}/disclosures': async (ctx) =>
    call(
      'POST',
      `/v1/subjects/${await ctx.subject()}/disclosures`,
      { recipient: 'District court', legalBasis: 'Court order No. 2-1234/2026', data: 'contact details' },
      ctx.auth,
    ),
  'PUT /v1/subjects/{id}/preferences': async (ctx) =>
    call('PUT', `/v1/subjects/${await ctx.subject()}/preferences`, { frequency: 'monthly', pausedUntil: '2026-06-01' }, ctx.auth),
  'POST /v1/subjects/{id}/requests': async (ctx) => call('POST', `/v1/subjects/${await ctx.subject()}/requests`, { type: 'access' }, ctx.auth),
  'POST /v1/requests/{id}/{action}': async (ctx) => call('POST', `/v1/requests/${await openRequest(ctx)}/start`, {}, ctx.auth),
  'POST /v1/links': async (ctx) => call('POST', '/v1/links', { subjects: [await ctx.subject()], campaignId: unique('sweep-links') }, ctx.auth),
  'POST /v1/suppressions': async (ctx) => call('POST', '/v1/suppressions', { entries: [{ email: email(), note: 'asked by phone' }] }, ctx.auth),
  // Our own provider format (providers/generic.ts): the one a sender without a webhook of its own posts.
  'POST /v1/events/mail-sender': async (ctx) =>
    call('POST', '/v1/events/mail-sender', { events: [{ type: 'hard_bounce', email: email(), at: '2026-03-01T10:00:00Z', id: unique('evt') }] }, ctx.auth),
  // A Postmark inbound message to the mailto: address without a token: read, answered, nothing changed.
  'POST /v1/events/inbound': async (ctx) =>
    call(
      'POST',
      '/v1/events/inbound',
      { MessageID: unique('pm'), Subject: 'unsubscribe', OriginalRecipient: 'unsubscribe@prefs.example.ru', Headers: [] },
      ctx.auth,
    ),
  'POST /v1/campaigns/{campaignId}/reservations': async (ctx) =>
    call('POST', `/v1/campaigns/${unique('sweep-campaign')}/reservations`, { subjects: [await ctx.subject()] }, ctx.auth),
  'POST /v1/campaigns/{campaignId}/sent': async (ctx) => {
    const r = await reserved(ctx);
    return call('POST', `/v1/campaigns/${r.campaign}/sent`, { subjects: [r.subject] }, ctx.auth);
  },
  'POST /v1/campaigns/{campaignId}/release': async (ctx) => {
    const r = await reserved(ctx);
    return call('POST', `/v1/campaigns/${r.campaign}/release`, { subjects: [r.subject] }, ctx.auth);
  },
  'POST /v1/suppressions/lifts': async (ctx) => {
    const address = email();
    const res = await ctx.h.app.request('/v1/suppressions', jsonRequest('POST', { entries: [{ email: address }] }, ctx.auth));
    if (res.status !== 200) throw new Error(`suppressing answered ${res.status}`);
    return call('POST', '/v1/suppressions/lifts', { entries: [{ email: address, reason: 'entered by mistake' }] }, ctx.auth);
  },
  'POST /v1/imports/subjects': async (ctx) => csv('/v1/imports/subjects?source=sweep', `email,consent_at\n${email()},2026-01-10T10:00:00Z\n`, ctx.auth),
  'POST /v1/imports/suppressions': async (ctx) => csv('/v1/imports/suppressions?source=sweep&reason=bounced', `email\n${email()}\n`, ctx.auth),
  'PUT /v1/topics/{key}': async (ctx) => call('PUT', `/v1/topics/${unique('sweep-topic')}`, { name: { ru: 'Тема', en: 'Topic' } }, ctx.auth),
  'DELETE /v1/topics/{key}': async (ctx) => {
    const key = unique('sweep-topic');
    const res = await ctx.h.app.request(`/v1/topics/${key}`, jsonRequest('PUT', { name: { ru: 'Тема', en: 'Topic' } }, ctx.auth));
    if (res.status !== 201) throw new Error(`defining a topic answered ${res.status}`);
    return { path: `/v1/topics/${key}`, init: { method: 'DELETE', headers: { authorization: ctx.auth } } };
  },
};

/** Routes that write their own, more specific row instead of the generic one (src/subjects/routes.ts). */
const OWN_ROWS: Record<string, string> = {
  'PATCH /v1/subjects/{id}': 'subject.rectify',
  'PUT /v1/subjects/{id}/restriction': 'subject.restrict',
  'POST /v1/subjects/{id}/disclosures': 'subject.disclosure',
};

const PURPOSE = 'audit sweep';
const SUBJECT_PATH = /^\/v1\/subjects\/([0-9a-f-]{36})(\/|$)/;

let h: Harness;
let ctx: Ctx;
let keyId: string;
let documented: string[];

beforeAll(async () => {
  // Without double opt-in a new person's marketing consent is granted, so reservations succeed.
  h = await createHarness({ env: { DOUBLE_OPT_IN: 'false' } });
  const auth = await h.bearer('admin');
  // The token is `mpk_<id>_<secret>`; the audit row names the key by that id.
  keyId = auth.replace(/^Bearer /, '').split('_')[1]!;
  ctx = { h, auth, subject: async () => (await registerLead(h, email())).id };
  const doc = (await (await h.app.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  documented = Object.entries(doc.paths)
    .flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([method, op]) => ['post', 'put', 'patch', 'delete'].includes(method) && op.security?.length)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
});
afterAll(() => h.close());

async function maxAuditId(): Promise<number> {
  const r = await sql<{ n: string | number | null }>`select max(id) as n from audit_log`.execute(h.db);
  return Number(r.rows[0]?.n ?? 0);
}

const rowsAfter = (id: number) => h.db.selectFrom('audit_log').selectAll().where('id', '>', String(id)).orderBy('id').execute();

/** Sends the call with a purpose and a request id of its own, so the row can be told to be this call's. */
function send(c: Call, requestId: string) {
  const headers = new Headers(c.init.headers);
  headers.set('x-purpose', PURPOSE);
  headers.set('x-request-id', requestId);
  return h.app.request(c.path, { ...c.init, headers });
}

describe('every staff write leaves an audit row', () => {
  it('has a successful call for every staff write in the document', () => {
    expect(documented.length).toBeGreaterThan(0);
    // A new write route fails here until WRITES makes a call to it (and so proves its row).
    expect(Object.keys(WRITES).sort()).toEqual(documented);
  });

  it.each(Object.keys(WRITES))('%s succeeds and leaves exactly one row naming the key, the action and the request', async (op) => {
    const c = await WRITES[op]!(ctx);
    const before = await maxAuditId();
    const requestId = unique('sweep-req');
    const res = await send(c, requestId);
    const text = await res.text();
    expect(res.status, `${op} answered ${res.status}: ${text}`).toBeLessThan(400);

    const rows = await rowsAfter(before);
    if (KEY_ON_EVERY_ROW.has(c.path)) {
      // The mail sender's report: no audit row, its key is on the row it changed instead; a
      // relayed mailto message is the person's own act (unsubscribe/by-mail.ts).
      expect(rows, op).toEqual([]);
      if (c.path === '/v1/events/inbound') return;
      // (No other call in this file reports as the mail sender.)
      const entries = await h.db.selectFrom('suppressions').select('actor_id').where('actor_type', '=', 'mail_sender').execute();
      expect(entries, op).toEqual([{ actor_id: keyId }]);
      return;
    }
    expect(
      rows.map((r) => r.action),
      `${op}: the new audit rows`,
    ).toHaveLength(1);
    const row = rows[0]!;
    const own = OWN_ROWS[op];
    expect(row.action, op).toBe(own ?? op);
    expect(row.key_id, op).toBe(keyId);
    expect(row.request_id, op).toBe(requestId);
    // The person whose data the write changed, when the path names one; nobody otherwise.
    expect(row.subject_id, op).toBe(SUBJECT_PATH.exec(c.path)?.[1] ?? null);
    // The generic row keeps the stated purpose; own rows say why in their own terms (a reason, a legal basis).
    if (!own) expect(row.purpose, op).toBe(PURPOSE);
  });

  it('a write refused for want of a scope (403) leaves no row', async () => {
    const before = await maxAuditId();
    const res = await h.app.request('/v1/suppressions', jsonRequest('POST', { entries: [{ email: email() }] }, await h.bearer()));
    expect(res.status).toBe(403);
    expect(await rowsAfter(before)).toEqual([]);
  });

  it('a write that fails validation (422) leaves no row, generic or own', async () => {
    const id = await ctx.subject();
    const before = await maxAuditId();
    const generic = await h.app.request('/v1/suppressions', jsonRequest('POST', { entries: [] }, ctx.auth));
    expect(generic.status, await generic.text()).toBe(422);
    const own = await h.app.request(`/v1/subjects/${id}`, jsonRequest('PATCH', { shoeSize: 43 }, ctx.auth));
    expect(own.status, await own.text()).toBe(422);
    expect(await rowsAfter(before)).toEqual([]);
  });

  it('a write to a person who does not exist (404) leaves no row', async () => {
    const before = await maxAuditId();
    const res = await h.app.request('/v1/subjects/00000000-0000-4000-8000-000000000000/preferences', jsonRequest('PUT', { frequency: 'monthly' }, ctx.auth));
    expect(res.status, await res.text()).toBe(404);
    expect(await rowsAfter(before)).toEqual([]);
  });
});
