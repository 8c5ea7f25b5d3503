import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer, OutgoingMail } from '../../src/emails/mailer.js';
import { silentLogger } from '../../src/log.js';
import { deliverEmails } from '../../src/outbox/deliver.js';
import { unsubscribe } from '../../src/unsubscribe/actions.js';
import { createHarness, type Harness, onPostgres } from '../helpers/harness.js';
import { consentState, createConfirmedSubject, raceOnSubject } from '../helpers/pages.js';

/**
 * After a one-click unsubscribe nothing more is mailed unless the operator opts in with
 * NOTIFY_ON_UNSUBSCRIBE=true; then the `unsubscribed` notice is queued once per act.
 */

const oneClick = (): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 (compatible; Google-Unsubscribe)' },
  body: 'List-Unsubscribe=One-Click',
});
const pageForm = (): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=1' });

let quiet: Harness;
let notifying: Harness;
beforeAll(async () => {
  [quiet, notifying] = await Promise.all([createHarness(), createHarness({ env: { NOTIFY_ON_UNSUBSCRIBE: 'true' } })]);
});
afterAll(async () => {
  await quiet?.close();
  await notifying?.close();
});

const sent: OutgoingMail[] = [];
const mailer: Mailer = { describe: 'memory', close: async () => {}, send: async (m) => void sent.push(m) };
const deliver = (h: Harness) =>
  deliverEmails({ db: h.db, mailer, signer: h.deps.signer, config: h.config, clock: h.clock, logger: silentLogger, random: () => 0.5 });
const queued = async (h: Harness, subjectId: string) =>
  (await h.db.selectFrom('outbox').select(['kind', 'status']).where('subject_id', '=', subjectId).where('status', '=', 'pending').execute()).map((r) => r.kind);
/** A confirmed subscriber with nothing left in the outbox. */
async function subscriber(h: Harness, email: string): Promise<string> {
  const id = await createConfirmedSubject(h, email, { firstName: 'Ирина' });
  await h.db.updateTable('outbox').set({ status: 'done' }).where('subject_id', '=', id).execute();
  return id;
}
const unsubscribeUrl = async (h: Harness, id: string) => `/u/${await h.deps.signer.sign({ sub: id, p: 'u', cmp: 'winter-2026' })}`;

describe('by default (NOTIFY_ON_UNSUBSCRIBE unset): stop means stop', () => {
  it('a one-click unsubscribe queues no mail of any kind, and nothing is sent', async () => {
    expect(quiet.config.notifyOnUnsubscribe).toBe(false);
    const id = await subscriber(quiet, 'quiet@example.ru');
    const res = await quiet.app.request(await unsubscribeUrl(quiet, id), oneClick());
    expect(res.status).toBe(200);
    expect(await consentState(quiet, id, 'marketing')).toBe('withdrawn');
    expect(await queued(quiet, id)).toEqual([]);
    sent.length = 0;
    await deliver(quiet);
    expect(sent).toEqual([]);
  });
});

describe('NOTIFY_ON_UNSUBSCRIBE=true', () => {
  it("queues the unsubscribed notice with the unsubscribe, and sends it in the person's language", async () => {
    const id = await subscriber(notifying, 'notify@example.ru');
    expect((await notifying.app.request(await unsubscribeUrl(notifying, id), oneClick())).status).toBe(200);
    expect(await queued(notifying, id)).toEqual(['unsubscribed']);
    sent.length = 0;
    await deliver(notifying);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toBe('notify@example.ru');
    expect(sent[0]!.subject).toBe('Вы отписались от рассылки');
    expect(sent[0]!.text).toContain('Здравствуйте, Ирина!');
  });

  it("a repeated click, one-click or the page's button, queues nothing more", async () => {
    const id = await subscriber(notifying, 'notify-twice@example.ru');
    const url = await unsubscribeUrl(notifying, id);
    expect((await notifying.app.request(url, oneClick())).status).toBe(200);
    expect((await notifying.app.request(url, oneClick())).status).toBe(200);
    expect((await notifying.app.request(url, pageForm())).status).toBe(200);
    const rows = await notifying.db.selectFrom('outbox').select('kind').where('subject_id', '=', id).where('kind', '=', 'unsubscribed').execute();
    expect(rows).toHaveLength(1);
  });

  it('a new act after subscribing again gets its own notice', async () => {
    const id = await subscriber(notifying, 'notify-again@example.ru');
    const url = await unsubscribeUrl(notifying, id);
    expect((await notifying.app.request(url, oneClick())).status).toBe(200);
    expect(await subscriber(notifying, 'notify-again@example.ru')).toBe(id); // a new lead and a new confirmation
    expect(await consentState(notifying, id, 'marketing')).toBe('granted');
    expect((await notifying.app.request(url, oneClick())).status).toBe(200);
    const rows = await notifying.db.selectFrom('outbox').select('idempotency_key').where('subject_id', '=', id).where('kind', '=', 'unsubscribed').execute();
    expect(rows).toHaveLength(2);
  });

  it('an erased person gets nothing', async () => {
    const id = await subscriber(notifying, 'notify-erased@example.ru');
    await notifying.db.updateTable('subjects').set({ status: 'erased', email: null }).where('id', '=', id).execute();
    expect((await notifying.app.request(await unsubscribeUrl(notifying, id), oneClick())).status).toBe(200);
    expect(await queued(notifying, id)).toEqual([]);
  });
});

describe.skipIf(!onPostgres)('NOTIFY_ON_UNSUBSCRIBE=true under racing clicks (PostgreSQL)', () => {
  it('eight clicks at once queue exactly one notice', async () => {
    const id = await subscriber(notifying, 'notify-race@example.ru');
    const url = await unsubscribeUrl(notifying, id);
    const answers = await raceOnSubject(notifying, id, 8, () => notifying.app.request(url, oneClick()));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    const rows = await notifying.db.selectFrom('outbox').select('kind').where('subject_id', '=', id).where('kind', '=', 'unsubscribed').execute();
    expect(rows).toHaveLength(1);
  });
});

describe('round trips', () => {
  /** Counts the statements sent through a Kysely instance (transaction begin and commit aside). */
  const counting = (h: Harness) => {
    let n = 0;
    const plugin: KyselyPlugin = {
      transformQuery: (a) => {
        n++;
        return a.node;
      },
      transformResult: async (a) => a.result,
    };
    return { db: h.db.withPlugin(plugin), count: () => n };
  };

  it('the unsubscribe stays one statement with the notice off, and adds one insert with it on', async () => {
    const off = counting(quiet);
    const id1 = await subscriber(quiet, 'rt-off@example.ru');
    expect((await unsubscribe(off.db, id1, { actorType: 'subject', at: quiet.clock.now() })).kind).toBe('unsubscribed');
    expect(off.count()).toBe(1);

    const on = counting(notifying);
    const id2 = await subscriber(notifying, 'rt-on@example.ru');
    expect((await unsubscribe(on.db, id2, { actorType: 'subject', at: notifying.clock.now() }, { notify: true })).kind).toBe('unsubscribed');
    expect(on.count()).toBe(2);
    expect(await queued(notifying, id2)).toEqual(['unsubscribed']);
  });
});
