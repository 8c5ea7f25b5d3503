import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erasureRunsAt } from '../../src/erasure/schedule.js';
import { runJobs } from '../../src/jobs/run.js';
import { silentLogger } from '../../src/log.js';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';
import { consentState, createConfirmedSubject, outboxOf } from '../helpers/pages.js';
import { apiKey, fileDelivery } from '../helpers/rights.js';

// Monday 2 March 2026, 12:00 in Moscow: due at the end of Wednesday 4 March; 24 hours' grace.
const START = '2026-03-02T09:00:00Z';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The whole withdrawal as the person lives it, on a fake clock: an appeal a minute before,
 * the withdrawal, every job run after it. What each mail claims must be true when it arrives.
 */
describe('a withdrawal, from the click to the last mail', () => {
  let h: Harness;
  let id: string;
  let mail: ReturnType<typeof fileDelivery>;
  let appealId: string;
  let withdrawnAt: Date;
  let requestId: string;
  let exportUrl: string;
  const run = () => runJobs({ db: h.db, config: h.config, logger: silentLogger, now: () => h.clock.now(), delivery: mail.delivery });
  /** What was mailed since the sequence started. */
  let base = 0;
  const since = () => mail.mails().slice(base);
  const parsed = async () => Promise.all(since().map((m) => simpleParser(m)));

  beforeAll(async () => {
    h = await createHarness({ now: START });
    mail = fileDelivery(h);
    id = await createConfirmedSubject(h, 'sequence.w7q2@example.ru', { firstName: 'Ирина' });
    await run(); // whatever the registration queued goes now: the sequence starts clean
    base = mail.mails().length;
    const p = await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 90 * 86400 });
    // A frequency change (its mail is held back 10 minutes) and, a minute later, an appeal.
    expect((await h.app.request(`/p/${p}/frequency`, { method: 'POST', body: new URLSearchParams({ frequency: 'monthly' }) })).status).toBe(200);
    h.clock.advance(MINUTE);
    const form = new FormData();
    form.set('kind', 'appeal');
    form.set('text', 'Почему мне приходили письма? SEQ-W7Q2');
    expect((await h.app.request(`/p/${p}/appeal`, { method: 'POST', body: form })).status).toBe(200);
    appealId = (await h.db.selectFrom('requests').select('id').where('subject_id', '=', id).where('type', '=', 'appeal').executeTakeFirstOrThrow()).id;
    // A minute later the person withdraws through /w, in two steps.
    h.clock.advance(MINUTE);
    withdrawnAt = h.clock.now();
    const w = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: 365 * 86400 });
    const res = await h.app.request(`/w/${w}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=yes' });
    expect(res.status).toBe(200);
    requestId = (await h.db.selectFrom('requests').select('id').where('subject_id', '=', id).where('type', '=', 'erasure').executeTakeFirstOrThrow()).id;
  });
  afterAll(() => h?.close());

  it('cancels what was queued before the withdrawal, except the withdrawal notice', async () => {
    const rows = await outboxOf(h, id);
    const pending = rows.filter((r) => r.status === 'pending').map((r) => r.kind);
    expect(pending).toEqual(['withdrawal-received']);
    const cancelled = rows
      .filter((r) => r.last_error === 'cancelled: the person withdrew consent to processing')
      .map((r) => r.kind)
      .sort();
    expect(cancelled).toEqual(['preferences-updated', 'request-received']);
  });

  it('the first run sends only the withdrawal notice; it names the true moment of erasure and a download link that works', async () => {
    h.clock.advance(MINUTE);
    const r = await run();
    expect(r.erased).toBe(0);
    const mails = await parsed();
    expect(mails.map((m) => m.subject)).toEqual(['Вы отозвали согласие на обработку данных']);
    const text = mails[0]!.text!;
    const due = await h.db.selectFrom('requests').select(['received_at', 'due_at']).where('id', '=', requestId).executeTakeFirstOrThrow();
    const runsAt = erasureRunsAt(new Date(due.received_at), new Date(due.due_at), h.config.erasureGraceHours);
    expect(runsAt.toISOString()).toBe(new Date(withdrawnAt.getTime() + 24 * HOUR).toISOString());
    expect(runsAt.getTime()).toBeLessThan(new Date(due.due_at).getTime());
    expect(text).toContain('Мы удалим все ваши данные 3 марта 2026 в 12:02 (GMT+3).');
    exportUrl = /(https:\/\/prefs\.example\.ru\/p\/[^\s]+\/export)/.exec(text)![1]!;
    const download = await h.app.request(exportUrl.replace('https://prefs.example.ru', ''));
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toContain('application/json');
    expect(await download.text()).toContain('sequence.w7q2@example.ru');
  });

  it('after the withdrawal nothing new is queued: staff preferences, the center, a fresh link, a new request', async () => {
    const before = (await outboxOf(h, id)).length;
    const write = await apiKey(h, 'subjects:write');
    expect((await h.app.request(`/v1/subjects/${id}/preferences`, jsonRequest('PUT', { frequency: 'standard', pausedUntil: null }, write.auth))).status).toBe(
      200,
    );
    const p = await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 90 * 86400 });
    expect((await h.app.request(`/p/${p}/frequency`, { method: 'POST', body: new URLSearchParams({ frequency: 'monthly' }) })).status).toBe(409);
    const form = new FormData();
    form.set('kind', 'appeal');
    form.set('text', 'Ещё одна жалоба');
    expect((await h.app.request(`/p/${p}/appeal`, { method: 'POST', body: form })).status).toBe(409);
    h.clock.advance(11 * MINUTE);
    expect((await h.app.request(`/p/${p}/fresh-link`, { method: 'POST' })).status).toBe(200);
    expect((await outboxOf(h, id)).length).toBe(before);
    expect((await run()).mail?.sent).toBe(0);
  });

  it('a mail that slipped into the outbox after the withdrawal (a race) is not delivered', async () => {
    await h.db
      .insertInto('outbox')
      .values({
        kind: 'preferences-updated',
        subject_id: id,
        payload: JSON.stringify({ subjectId: id }),
        idempotency_key: `race-${id}`,
        available_at: h.clock.now(),
        created_at: h.clock.now(),
        last_error: null,
        done_at: null,
      })
      .execute();
    const r = await run();
    expect(r.mail).toMatchObject({ sent: 0, dead: 1 });
    expect((await outboxOf(h, id)).find((o) => o.idempotency_key === `race-${id}`)).toMatchObject({
      status: 'dead',
      last_error: 'cancelled: the person withdrew consent to processing',
    });
    expect(since()).toHaveLength(1);
  });

  it('a minute before the moment nothing is erased and the download still works; at the moment the erasure runs and its notice follows, listing the appeal closed unanswered', async () => {
    h.clock.set(new Date(withdrawnAt.getTime() + 24 * HOUR - MINUTE));
    expect((await run()).erased).toBe(0);
    expect(await consentState(h, id, 'processing')).toBe('withdrawn');
    expect((await h.app.request(exportUrl.replace('https://prefs.example.ru', ''))).status).toBe(200);

    h.clock.advance(MINUTE);
    expect((await run()).erased).toBe(1);
    const mails = await parsed();
    expect(mails.map((m) => m.subject)).toEqual(['Вы отозвали согласие на обработку данных', 'Ваши данные удалены']);
    const last = mails[1]!.text!;
    expect(last).toContain(`№ ${appealId} (жалоба на обработку данных)`);
    expect(last).toContain('закрыли без ответа');
    // The download link of the first mail is gone now, as that mail said it would be.
    const gone = await h.app.request(exportUrl.replace('https://prefs.example.ru', ''));
    expect(gone.status).toBe(404);
    expect(await gone.text()).not.toContain('sequence.w7q2@example.ru');
    const w = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: 365 * 86400 });
    expect(await (await h.app.request(`/w/${w}`)).text()).toContain('Ваши данные удалены');
  });

  it('sends nothing after the last mail', async () => {
    h.clock.advance(HOUR);
    await run();
    expect(since()).toHaveLength(2);
  });
});

describe('/w after a withdrawal', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ now: START });
  });
  afterAll(() => h?.close());

  it('says so, with the moment of erasure, and offers no second button; GET and POST alike', async () => {
    const id = await createConfirmedSubject(h, 'w-after.w7q2@example.ru');
    const w = await h.deps.signer.sign({ sub: id, p: 'w', ttlSeconds: 365 * 86400 });
    expect(
      (await h.app.request(`/w/${w}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=yes' })).status,
    ).toBe(200);
    h.clock.advance(HOUR);
    for (const res of [await h.app.request(`/w/${w}`), await h.app.request(`/w/${w}`, { method: 'POST' }), await h.app.request(`/w/${w}?lang=en`)]) {
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).not.toMatch(/<button\b/);
      expect(html).toMatch(/3 марта 2026 в 12:00 \(GMT\+3\)|3 March 2026 at 12:00 \(GMT\+3\)/);
    }
  });
});
