import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Mailer, OutgoingMail } from '../../src/emails/mailer.js';
import { runJobs } from '../../src/jobs/run.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { deliverEmails } from '../../src/outbox/deliver.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { apiKey, fileRequest, fileRequestOk, listRequestsOk, parseMetrics, type RequestOut, registerPerson, requestAction } from '../helpers/rights.js';

// Monday 2 March 2026, 12:00 in Moscow.
const START = '2026-03-02T09:00:00Z';
const HOUR = 3_600_000;
const MINUTE = 60_000;

let seq = 0;
const nextEmail = (tag: string) => `${tag}.${++seq}@requests-example.ru`;

describe('staff intake: due dates by the Russian production calendar', () => {
  let h: Harness;
  let leads: string;
  let manage: string;
  beforeAll(async () => {
    h = await createHarness({ now: START });
    leads = (await apiKey(h, 'leads:write')).auth;
    manage = (await apiKey(h, 'requests:manage')).auth;
  });
  afterAll(() => h?.close());
  beforeEach(() => h.clock.set(START));

  const person = () => registerPerson(h, leads, nextEmail('intake'));

  it('an erasure received on Wednesday 2025-12-31 is due at the end of Tuesday 2026-01-13 (1-11 January are days off)', async () => {
    const id = await person();
    const r = await fileRequestOk(h, manage, id, { type: 'erasure', receivedAt: '2025-12-31T12:00:00+03:00' });
    expect(r).toMatchObject({ subject: id, type: 'erasure', status: 'received', channel: 'staff', completedAt: null });
    expect(r.receivedAt).toBe('2025-12-31T09:00:00.000Z');
    expect(r.dueAt).toBe('2026-01-13T20:59:59.999Z');
  });

  it('an access request received the same day is due 10 business days later, at the end of Friday 2026-01-23', async () => {
    const r = await fileRequestOk(h, manage, await person(), { type: 'access', receivedAt: '2025-12-31T12:00:00+03:00' });
    expect(r.dueAt).toBe('2026-01-23T20:59:59.999Z');
  });

  it('gives each type its own deadline: erasure 2, rectification 7, access, objection and appeals 10, restriction at once', async () => {
    // Monday 2 March 2026; Monday 9 March is a day off (8 March moved).
    const received = '2026-03-02T12:00:00+03:00';
    const due: Record<string, string> = {};
    for (const type of ['erasure', 'withdrawal', 'access', 'rectification', 'restriction', 'objection', 'appeal', 'automated_decision_appeal']) {
      due[type] = (await fileRequestOk(h, manage, await person(), { type, receivedAt: received })).dueAt;
    }
    expect(due).toEqual({
      erasure: '2026-03-04T20:59:59.999Z',
      withdrawal: '2026-03-04T20:59:59.999Z',
      access: '2026-03-17T20:59:59.999Z',
      rectification: '2026-03-12T20:59:59.999Z',
      restriction: '2026-03-02T09:00:00.000Z',
      objection: '2026-03-17T20:59:59.999Z',
      appeal: '2026-03-17T20:59:59.999Z',
      automated_decision_appeal: '2026-03-17T20:59:59.999Z',
    });
  });

  it('counts from the Moscow date the request arrived on, not the UTC date', async () => {
    // 23:59 Monday 12 January in Moscow, and one minute later (already Tuesday).
    const monday = await fileRequestOk(h, manage, await person(), { type: 'erasure', receivedAt: '2026-01-12T20:59:00Z' });
    const tuesday = await fileRequestOk(h, manage, await person(), { type: 'erasure', receivedAt: '2026-01-12T21:00:00Z' });
    expect(monday.dueAt).toBe('2026-01-14T20:59:59.999Z');
    expect(tuesday.dueAt).toBe('2026-01-15T20:59:59.999Z');
  });

  it('defaults receivedAt to now', async () => {
    const r = await fileRequestOk(h, manage, await person(), { type: 'appeal', body: 'Прошу пересмотреть' });
    expect(r.receivedAt).toBe(new Date(START).toISOString());
    expect(r.dueAt).toBe('2026-03-17T20:59:59.999Z');
  });

  it('refuses receivedAt in the future with 422 and files nothing', async () => {
    const id = await person();
    const res = await fileRequest(h, manage, id, { type: 'access', receivedAt: new Date(Date.parse(START) + MINUTE).toISOString() });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await h.db.selectFrom('requests').select('id').where('subject_id', '=', id).execute()).toEqual([]);
  });

  it('refuses an unknown type or a malformed receivedAt with 422, an unknown subject with 404', async () => {
    const id = await person();
    expect((await fileRequest(h, manage, id, { type: 'complaint' })).status).toBe(422);
    expect((await fileRequest(h, manage, id, { type: 'access', receivedAt: 'yesterday' })).status).toBe(422);
    expect((await fileRequest(h, manage, crypto.randomUUID(), { type: 'access' })).status).toBe(404);
    expect(await h.db.selectFrom('requests').select('id').where('subject_id', '=', id).execute()).toEqual([]);
  });

  it('an erasure filed by staff withdraws processing and suppresses at once, like the withdrawal link', async () => {
    const email = nextEmail('intake-erasure');
    const id = await registerPerson(h, leads, email);
    await fileRequestOk(h, manage, id, { type: 'erasure' });
    const consents = await h.db.selectFrom('consents').select(['purpose', 'state']).where('subject_id', '=', id).orderBy('purpose').execute();
    expect(consents).toEqual([
      { purpose: 'marketing', state: 'withdrawn' },
      { purpose: 'processing', state: 'withdrawn' },
    ]);
    const sup = await h.db
      .selectFrom('suppressions')
      .select(['active'])
      .where('hash', '=', await h.deps.hasher.hash(email))
      .executeTakeFirst();
    expect(sup).toEqual({ active: true });
  });
});

describe('GET /v1/requests filters', () => {
  let h: Harness;
  let leads: string;
  let manage: string;
  const r: Record<string, RequestOut> = {};
  beforeAll(async () => {
    h = await createHarness({ now: START });
    leads = (await apiKey(h, 'leads:write')).auth;
    manage = (await apiKey(h, 'requests:manage')).auth;
    const file = async (name: string, type: string, receivedAt?: string) => {
      r[name] = await fileRequestOk(h, manage, await registerPerson(h, leads, nextEmail(name)), { type, ...(receivedAt ? { receivedAt } : {}) });
    };
    await file('erasure', 'erasure'); // due 2026-03-04T20:59:59.999Z
    await file('access', 'access'); // due 2026-03-17T20:59:59.999Z
    await file('appeal', 'appeal'); // due 2026-03-17T20:59:59.999Z, then started
    await file('old', 'rectification', '2026-02-02T09:00:00Z'); // due 2026-02-11T20:59:59.999Z: overdue already
    await file('done', 'access', '2026-02-02T09:00:00Z'); // past due, but completed
    await file('rejected', 'objection', '2026-02-02T09:00:00Z'); // past due, but rejected
    expect((await requestAction(h, manage, r.appeal!.id, 'start')).status).toBe(200);
    expect((await requestAction(h, manage, r.done!.id, 'complete')).status).toBe(200);
    expect((await requestAction(h, manage, r.rejected!.id, 'reject', { reason: 'not the person' })).status).toBe(200);
  });
  afterAll(() => h?.close());
  beforeEach(() => h.clock.set(START));

  const ids = (list: RequestOut[]) => list.map((x) => x.id);

  it('lists every request, oldest due first, with the contract fields', async () => {
    const all = await listRequestsOk(h, manage);
    expect(all).toHaveLength(6);
    const dues = all.map((x) => x.dueAt);
    expect(dues).toEqual([...dues].sort());
    expect(all.find((x) => x.id === r.access!.id)).toMatchObject({
      subject: r.access!.subject,
      type: 'access',
      status: 'received',
      receivedAt: '2026-03-02T09:00:00.000Z',
      dueAt: '2026-03-17T20:59:59.999Z',
      completedAt: null,
      overdue: false,
    });
  });

  it('filters by status', async () => {
    expect(ids(await listRequestsOk(h, manage, { status: 'in_progress' }))).toEqual([r.appeal!.id]);
    expect(ids(await listRequestsOk(h, manage, { status: 'completed' }))).toEqual([r.done!.id]);
    expect(ids(await listRequestsOk(h, manage, { status: 'rejected' }))).toEqual([r.rejected!.id]);
    expect(ids(await listRequestsOk(h, manage, { status: 'received' })).sort()).toEqual([r.erasure!.id, r.access!.id, r.old!.id].sort());
  });

  it('filters by type and by subject', async () => {
    expect(ids(await listRequestsOk(h, manage, { type: 'access' })).sort()).toEqual([r.access!.id, r.done!.id].sort());
    expect(ids(await listRequestsOk(h, manage, { type: 'access', status: 'received' }))).toEqual([r.access!.id]);
    expect(ids(await listRequestsOk(h, manage, { subject: r.erasure!.subject }))).toEqual([r.erasure!.id]);
  });

  it('overdue=true lists only open requests past their due time, and grows as the clock advances', async () => {
    expect(ids(await listRequestsOk(h, manage, { overdue: 'true' }))).toEqual([r.old!.id]);
    // One millisecond past the erasure's due time (end of Wednesday 4 March in Moscow).
    h.clock.set('2026-03-04T21:00:00.000Z');
    const later = await listRequestsOk(h, manage, { overdue: 'true' });
    expect(ids(later)).toEqual([r.old!.id, r.erasure!.id]);
    expect(later.every((x) => x.overdue)).toBe(true);
    h.clock.set('2026-03-18T00:00:00Z');
    expect(ids(await listRequestsOk(h, manage, { overdue: 'true' })).sort()).toEqual([r.old!.id, r.erasure!.id, r.access!.id, r.appeal!.id].sort());
  });

  it('overdue=false does not filter', async () => {
    expect(await listRequestsOk(h, manage, { overdue: 'false' })).toHaveLength(6);
  });

  it('dueWithin=hours lists open requests due within that many hours (overdue ones included)', async () => {
    // The erasure is due 59 h 59 min 59.999 s after START.
    expect(ids(await listRequestsOk(h, manage, { dueWithin: '59' }))).toEqual([r.old!.id]);
    expect(ids(await listRequestsOk(h, manage, { dueWithin: '60' }))).toEqual([r.old!.id, r.erasure!.id]);
    expect(ids(await listRequestsOk(h, manage, { dueWithin: String(16 * 24) })).sort()).toEqual([r.old!.id, r.erasure!.id, r.access!.id, r.appeal!.id].sort());
  });

  it('refuses an unknown status, a negative dueWithin, an unknown type with 422', async () => {
    for (const q of ['status=done', 'dueWithin=-1', 'type=complaint', 'overdue=yes']) {
      const res = await h.app.request(`/v1/requests?${q}`, { headers: { authorization: manage } });
      expect(res.status, q).toBe(422);
    }
  });
});

describe('actions on a request', () => {
  let h: Harness;
  let leads: string;
  let manage: { id: string; auth: string };
  beforeAll(async () => {
    h = await createHarness({ now: START });
    leads = (await apiKey(h, 'leads:write')).auth;
    manage = await apiKey(h, 'requests:manage');
  });
  afterAll(() => h?.close());
  beforeEach(() => h.clock.set(START));

  const file = async (type = 'access') => fileRequestOk(h, manage.auth, await registerPerson(h, leads, nextEmail('act')), { type });
  const row = (id: string) => h.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const act = async (id: string, action: string, body: Record<string, unknown> = {}) => {
    const res = await requestAction(h, manage.auth, id, action, body);
    return { status: res.status, body: (await res.json()) as RequestOut & { detail?: string } };
  };

  it('start moves received to in_progress; complete records completed_at', async () => {
    const r = await file();
    const started = await act(r.id, 'start');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ id: r.id, status: 'in_progress', completedAt: null });
    h.clock.advance(2 * HOUR);
    const done = await act(r.id, 'complete');
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', completedAt: '2026-03-02T11:00:00.000Z' });
    expect(await row(r.id)).toMatchObject({ status: 'completed' });
  });

  it('reject needs a reason: 422 without (nothing changes), recorded with it', async () => {
    const r = await file('appeal');
    for (const body of [{}, { reason: '   ' }]) {
      const res = await act(r.id, 'reject', body);
      expect(res.status).toBe(422);
    }
    expect(await row(r.id)).toMatchObject({ status: 'received', completed_at: null, status_reason: null });
    const res = await act(r.id, 'reject', { reason: 'Identity could not be verified' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'rejected', statusReason: 'Identity could not be verified', completedAt: new Date(START).toISOString() });
  });

  it('extend needs a reason (422 without), moves the due time by 5 business days and records the extension', async () => {
    const r = await file('access');
    expect(r.dueAt).toBe('2026-03-17T20:59:59.999Z');
    expect((await act(r.id, 'extend')).status).toBe(422);
    expect(new Date((await row(r.id)).due_at).toISOString()).toBe('2026-03-17T20:59:59.999Z');

    h.clock.advance(HOUR);
    const res = await act(r.id, 'extend', { reason: 'Data held in an archive; the person was told' });
    expect(res.status).toBe(200);
    // Wednesday 18 to Tuesday 24 March: five business days.
    expect(res.body.dueAt).toBe('2026-03-24T20:59:59.999Z');
    expect(res.body.status).toBe('received');
    expect(res.body.extensions).toEqual([
      {
        at: '2026-03-02T10:00:00.000Z',
        by: manage.id,
        businessDays: 5,
        reason: 'Data held in an archive; the person was told',
        from: '2026-03-17T20:59:59.999Z',
        to: '2026-03-24T20:59:59.999Z',
      },
    ]);
    const stored = await row(r.id);
    expect(new Date(stored.due_at).toISOString()).toBe('2026-03-24T20:59:59.999Z');
    expect(stored.extensions).toEqual(res.body.extensions);
    // And the list shows the new due date.
    expect((await listRequestsOk(h, manage.auth, { subject: r.subject }))[0]!.dueAt).toBe('2026-03-24T20:59:59.999Z');
  });

  it('extend with businessDays moves by that many, across the 9 March day off', async () => {
    const r = await fileRequestOk(h, manage.auth, await registerPerson(h, leads, nextEmail('ext')), { type: 'access' });
    // Received Monday 2 March: 10 business days skip the 9 March day off → end of 17 March.
    expect(r.dueAt).toBe('2026-03-17T20:59:59.999Z');
    const res = await act(r.id, 'extend', { reason: 'archive retrieval', businessDays: 3 });
    expect(res.status).toBe(200);
    expect(res.body.dueAt).toBe('2026-03-20T20:59:59.999Z');
    expect((await act(r.id, 'extend', { reason: 'too long', businessDays: 6 })).status).toBe(422);
  });

  it('refuses to extend an erasure request: 2 business days is the promise', async () => {
    const r = await fileRequestOk(h, manage.auth, await registerPerson(h, leads, nextEmail('ext-erasure')), { type: 'erasure' });
    expect(r.dueAt).toBe('2026-03-04T20:59:59.999Z');
    expect((await act(r.id, 'extend', { reason: 'backup restore', businessDays: 3 })).status).toBe(409);
    expect((await row(r.id)).due_at.toISOString()).toBe('2026-03-04T20:59:59.999Z');
  });

  it('an erasure request cannot be completed by hand (409); it stays open for the job', async () => {
    const r = await file('erasure');
    const res = await act(r.id, 'complete');
    expect(res.status).toBe(409);
    expect(await row(r.id)).toMatchObject({ status: 'received', completed_at: null });
  });

  it('every action on a completed or rejected request answers 409 and changes nothing', async () => {
    const done = await file('access');
    expect((await act(done.id, 'complete')).status).toBe(200);
    const rejected = await file('access');
    expect((await act(rejected.id, 'reject', { reason: 'duplicate' })).status).toBe(200);
    for (const r of [done, rejected]) {
      const before = await row(r.id);
      h.clock.advance(HOUR);
      for (const [action, body] of [
        ['start', {}],
        ['complete', {}],
        ['reject', { reason: 'again' }],
        ['extend', { reason: 'again' }],
      ] as const) {
        expect((await act(r.id, action, body)).status, `${action} on ${before.status}`).toBe(409);
      }
      expect(await row(r.id)).toEqual(before);
    }
  });

  it('an unknown request id answers 404, a malformed one 422', async () => {
    for (const action of ['start', 'complete', 'reject', 'extend']) {
      expect((await act(crypto.randomUUID(), action, { reason: 'x' })).status).toBe(404);
    }
    expect((await requestAction(h, manage.auth, 'not-a-uuid', 'start')).status).toBe(422);
  });

  it('an unknown action or an unknown body field is refused and changes nothing', async () => {
    const r = await file('access');
    const unknownAction = await requestAction(h, manage.auth, r.id, 'delete');
    expect(unknownAction.status).toBeGreaterThanOrEqual(400);
    expect(unknownAction.status).toBeLessThan(500);
    expect((await act(r.id, 'start', { status: 'completed' })).status).toBe(422);
    expect(await row(r.id)).toMatchObject({ status: 'received' });
  });
});

describe('scopes', () => {
  let h: Harness;
  let subjectId: string;
  let requestId: string;
  beforeAll(async () => {
    h = await createHarness({ now: START });
    const manage = (await apiKey(h, 'requests:manage')).auth;
    subjectId = await registerPerson(h, (await apiKey(h, 'leads:write')).auth, nextEmail('scopes'));
    requestId = (await fileRequestOk(h, manage, subjectId, { type: 'access' })).id;
  });
  afterAll(() => h?.close());

  const calls = () =>
    [
      ['GET /v1/requests', (auth?: string) => h.app.request('/v1/requests', { headers: auth ? { authorization: auth } : {} })],
      ['GET /v1/metrics', (auth?: string) => h.app.request('/v1/metrics', { headers: auth ? { authorization: auth } : {} })],
      ['POST start', (auth?: string) => requestAction(h, auth, requestId, 'start')],
      ['POST intake', (auth?: string) => fileRequest(h, auth, subjectId, { type: 'appeal' })],
    ] as const;

  it('answers 401 without a key or with an unknown one', async () => {
    for (const [name, call] of calls()) {
      expect((await call()).status, name).toBe(401);
      expect((await call('Bearer mpk_nope_nope')).status, name).toBe(401);
    }
  });

  it('answers 403 to keys without requests:manage, and writes nothing', async () => {
    const others = await apiKey(h, 'subjects:read', 'subjects:write', 'leads:write', 'sends:write');
    const before = await h.db.selectFrom('requests').selectAll().orderBy('id').execute();
    for (const [name, call] of calls()) {
      expect((await call(others.auth)).status, name).toBe(403);
    }
    expect(await h.db.selectFrom('requests').selectAll().orderBy('id').execute()).toEqual(before);
  });

  it('admin implies requests:manage', async () => {
    const admin = (await apiKey(h, 'admin')).auth;
    expect((await h.app.request('/v1/requests', { headers: { authorization: admin } })).status).toBe(200);
    expect((await h.app.request('/v1/metrics', { headers: { authorization: admin } })).status).toBe(200);
  });
});

describe('deadline monitoring', () => {
  // Each test counts every request in its database, so each has its own.
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ now: START });
  });
  afterEach(() => h?.close());

  it('GET /v1/metrics exposes open, overdue and due-soon (within 4 hours) counts in Prometheus text format', async () => {
    const leads = (await apiKey(h, 'leads:write')).auth;
    const manage = (await apiKey(h, 'requests:manage')).auth;
    const file = async (type: string, receivedAt?: string) =>
      fileRequestOk(h, manage, await registerPerson(h, leads, nextEmail('metrics')), { type, ...(receivedAt ? { receivedAt } : {}) });
    const metrics = async () => {
      const res = await h.app.request('/v1/metrics', { headers: { authorization: manage } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toContain('# TYPE mailprefs_requests_overdue gauge');
      expect(text).toContain('# TYPE mailprefs_requests_due_soon gauge');
      const m = parseMetrics(text);
      return { open: m.mailprefs_requests_open, overdue: m.mailprefs_requests_overdue, dueSoon: m.mailprefs_requests_due_soon };
    };

    expect(await metrics()).toEqual({ open: 0, overdue: 0, dueSoon: 0 });
    const a = await file('erasure'); // due 2026-03-04T20:59:59.999Z
    const b = await file('erasure', '2026-02-26T12:00:00+03:00'); // Friday 27 Feb, Monday 2 Mar: due 2026-03-02T20:59:59.999Z
    await file('access'); // due 2026-03-17
    const c = await file('appeal');
    expect(b.dueAt).toBe('2026-03-02T20:59:59.999Z');
    expect((await requestAction(h, manage, c.id, 'complete')).status).toBe(200);

    expect(await metrics()).toEqual({ open: 3, overdue: 0, dueSoon: 0 });
    // Exactly 4 hours before b is due.
    h.clock.set('2026-03-02T16:59:59.999Z');
    expect(await metrics()).toEqual({ open: 3, overdue: 0, dueSoon: 1 });
    h.clock.set('2026-03-02T16:59:59.998Z');
    expect(await metrics()).toEqual({ open: 3, overdue: 0, dueSoon: 0 });
    h.clock.set('2026-03-04T18:00:00Z');
    expect(await metrics()).toEqual({ open: 3, overdue: 1, dueSoon: 1 });
    expect(a.dueAt).toBe('2026-03-04T20:59:59.999Z');
    h.clock.set('2026-03-04T21:00:00Z');
    expect(await metrics()).toEqual({ open: 3, overdue: 2, dueSoon: 0 });
  });

  it('runJobs logs a warning per overdue or at-risk request with its id, never an address or a name; an overdue erasure is erased instead', async () => {
    const leads = (await apiKey(h, 'leads:write')).auth;
    const manage = (await apiKey(h, 'requests:manage')).auth;
    const person = (tag: string) =>
      registerPerson(h, leads, `${tag}.warn@requests-example.ru`, { lastName: `Предупреждаев-${tag}`, firstName: 'Варвара', city: 'Тревогинск' });
    const overdue = await fileRequestOk(h, manage, await person('p1'), {
      type: 'appeal',
      body: 'пишите на other@mail.example',
      receivedAt: '2026-02-02T12:00:00+03:00',
    });
    const atRisk = await fileRequestOk(h, manage, await person('p2'), { type: 'access', receivedAt: '2026-02-16T12:00:00+03:00' });
    const later = await fileRequestOk(h, manage, await person('p3'), { type: 'access' });
    const overdueErasure = await fileRequestOk(h, manage, await person('p4'), { type: 'erasure', receivedAt: '2026-02-02T12:00:00+03:00' });
    expect(overdue.dueAt).toBe('2026-02-16T20:59:59.999Z');
    // 17-20 Feb, (23 Feb off) 24-27 Feb, 2-3 Mar.
    expect(atRisk.dueAt).toBe('2026-03-03T20:59:59.999Z');

    h.clock.set('2026-03-03T18:30:00Z');
    const lines: string[] = [];
    const report = await runJobs({ db: h.db, config: h.config, logger: createLogger('warn', (l) => lines.push(l)), now: () => h.clock.now() });
    expect(report).toMatchObject({ erased: 1, overdue: 1, atRisk: 1 });

    const warnings = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(2);
    expect(warnings.find((w) => w.request === overdue.id)).toMatchObject({
      msg: 'request overdue',
      subject: overdue.subject,
      type: 'appeal',
      dueAt: overdue.dueAt,
    });
    expect(warnings.find((w) => w.request === atRisk.id)).toMatchObject({ msg: 'request due within 4 hours', type: 'access', dueAt: atRisk.dueAt });
    expect(warnings.some((w) => w.request === later.id || w.request === overdueErasure.id)).toBe(false);
    for (const line of lines) {
      expect(line).not.toContain('@');
      expect(line).not.toContain('Предупреждаев');
      expect(line).not.toContain('Варвара');
      expect(line).not.toContain('Тревогинск');
    }
    expect(await h.db.selectFrom('requests').select('status').where('id', '=', overdueErasure.id).executeTakeFirstOrThrow()).toEqual({ status: 'completed' });
  });
});

describe('deadlines the law sets, on the production calendar: a request on Friday 25 December 2026, before the New Year holidays', () => {
  // 31 December 2026 and 1-8 January 2027 are days off; 9-10 January a weekend.
  const FRIDAY = '2026-12-25T12:00:00+03:00';
  let h: Harness;
  let leads: string;
  let manage: { id: string; auth: string };
  const sent: OutgoingMail[] = [];
  const mailer: Mailer = { describe: 'memory', send: async (m) => void sent.push(m), close: async () => {} };
  beforeAll(async () => {
    h = await createHarness({ now: '2026-12-25T10:00:00Z', env: { SUPPORT_EMAIL: 'privacy@example.ru' } });
    leads = (await apiKey(h, 'leads:write')).auth;
    manage = await apiKey(h, 'requests:manage');
  });
  afterAll(() => h?.close());
  beforeEach(() => {
    h.clock.set('2026-12-25T10:00:00Z');
    sent.length = 0;
  });

  const file = async (type: string, over: Record<string, unknown> = {}) =>
    fileRequestOk(h, manage.auth, await registerPerson(h, leads, nextEmail(`ny-${type}`), over), { type, receivedAt: FRIDAY });
  const extend = async (id: string, body: Record<string, unknown>) => {
    const res = await requestAction(h, manage.auth, id, 'extend', body);
    return { status: res.status, body: (await res.json()) as RequestOut & { detail?: string } };
  };
  const deliver = () => deliverEmails({ db: h.db, mailer, signer: h.deps.signer, config: h.config, clock: h.clock, logger: silentLogger, random: () => 0.5 });

  it('is due at the end of Tuesday 29 December for erasure (2), Thursday 14 January for rectification (7), Tuesday 19 January for access, objection and appeals (10)', async () => {
    expect((await file('erasure')).dueAt).toBe('2026-12-29T20:59:59.999Z');
    expect((await file('withdrawal')).dueAt).toBe('2026-12-29T20:59:59.999Z');
    // 28, 29, 30 December, 11, 12, 13, 14 January.
    expect((await file('rectification')).dueAt).toBe('2027-01-14T20:59:59.999Z');
    for (const type of ['access', 'objection', 'appeal', 'automated_decision_appeal']) expect((await file(type)).dueAt, type).toBe('2027-01-19T20:59:59.999Z');
  });

  it('a restriction filed late (a letter from last week) is blocked and completed now, due when it was received: it shows as late', async () => {
    const r = await fileRequestOk(h, manage.auth, await registerPerson(h, leads, nextEmail('ny-late')), {
      type: 'restriction',
      receivedAt: '2026-12-18T12:00:00+03:00',
    });
    expect(r).toMatchObject({ status: 'completed', dueAt: '2026-12-18T09:00:00.000Z', completedAt: '2026-12-25T10:00:00.000Z' });
    const ev = await h.db
      .selectFrom('consent_events')
      .select(['action', 'occurred_at'])
      .where('subject_id', '=', r.subject)
      .where('action', '=', 'restricted')
      .executeTakeFirstOrThrow();
    expect(new Date(ev.occurred_at).toISOString()).toBe('2026-12-25T10:00:00.000Z');
  });

  it('records a restriction completed the moment it is received, and blocks the person then', async () => {
    const r = await file('restriction');
    expect(r).toMatchObject({
      status: 'completed',
      receivedAt: '2026-12-25T09:00:00.000Z',
      dueAt: '2026-12-25T09:00:00.000Z',
      completedAt: '2026-12-25T10:00:00.000Z',
      overdue: false,
    });
    const s = await h.db.selectFrom('subjects').select('status').where('id', '=', r.subject).executeTakeFirstOrThrow();
    expect(s.status).toBe('restricted');
    // Nothing left open, so no acknowledgment that promises an answer later.
    expect(await h.db.selectFrom('outbox').select('id').where('subject_id', '=', r.subject).where('kind', '=', 'request-received').execute()).toEqual([]);
  });

  it('extends an access request once, by 5 business days to Tuesday 26 January, and mails the person the reason', async () => {
    const r = await file('access', { firstName: 'Пётр' });
    const res = await extend(r.id, { reason: 'Данные хранятся в архиве, нужен запрос в архив' });
    expect(res.status).toBe(200);
    expect(res.body.dueAt).toBe('2027-01-26T20:59:59.999Z');

    await deliver();
    const notice = sent.filter((m) => m.subject === 'Срок ответа на ваше обращение продлён');
    expect(notice).toHaveLength(1);
    expect(notice[0]!.text).toContain('Здравствуйте, Пётр!');
    expect(notice[0]!.text).toContain('Причина продления: Данные хранятся в архиве, нужен запрос в архив');
    expect(notice[0]!.text).toContain('Прежний срок ответа: 19 января 2027\n');
    expect(notice[0]!.text).toContain('Новый срок ответа: 26 января 2027\n');
    expect(notice[0]!.text).toContain(r.id);
    expect(notice[0]!.text).toContain('privacy@example.ru');
  });

  it('refuses a second extension of an access request or a demand to stop processing (409, the due date stays)', async () => {
    for (const type of ['access', 'objection']) {
      const r = await file(type);
      expect((await extend(r.id, { reason: 'first', businessDays: 2 })).status).toBe(200);
      const before = await h.db.selectFrom('requests').select(['due_at', 'extensions']).where('id', '=', r.id).executeTakeFirstOrThrow();
      const second = await extend(r.id, { reason: 'second', businessDays: 1 });
      expect(second.status, type).toBe(409);
      expect(second.body.detail).toMatch(/only once/);
      expect(await h.db.selectFrom('requests').select(['due_at', 'extensions']).where('id', '=', r.id).executeTakeFirstOrThrow()).toEqual(before);
      expect(await h.db.selectFrom('outbox').select('id').where('subject_id', '=', r.subject).where('kind', '=', 'request-extended').execute()).toHaveLength(1);
    }
  });

  it('refuses to extend what the law or our promise does not let move: rectification, restriction, erasure, withdrawal', async () => {
    for (const type of ['rectification', 'erasure', 'withdrawal']) {
      const r = await file(type);
      const res = await extend(r.id, { reason: 'busy' });
      expect(res.status, type).toBe(409);
      expect(res.body.detail).toMatch(/cannot be extended/);
      expect(new Date((await h.db.selectFrom('requests').select('due_at').where('id', '=', r.id).executeTakeFirstOrThrow()).due_at).toISOString()).toBe(
        r.dueAt,
      );
    }
    // A restriction is done at once: nothing open to extend.
    expect((await extend((await file('restriction')).id, { reason: 'busy' })).status).toBe(409);
  });

  it('keeps an appeal of an automated decision within the 30 days the law gives (to the end of 24 January)', async () => {
    const r = await file('automated_decision_appeal');
    const tooFar = await extend(r.id, { reason: 'need an expert', businessDays: 5 }); // would be 26 January
    expect(tooFar.status).toBe(409);
    expect(tooFar.body.detail).toMatch(/within 30 days/);
    const ok = await extend(r.id, { reason: 'need an expert', businessDays: 3 });
    expect(ok.status).toBe(200);
    expect(ok.body.dueAt).toBe('2027-01-22T20:59:59.999Z');
  });

  it('lets an ordinary appeal be extended more than once, as before (no law limits it)', async () => {
    const r = await file('appeal');
    expect((await extend(r.id, { reason: 'one' })).body.dueAt).toBe('2027-01-26T20:59:59.999Z');
    expect((await extend(r.id, { reason: 'two' })).body.dueAt).toBe('2027-02-02T20:59:59.999Z');
  });
});
