import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer, OutgoingMail } from '../../src/emails/mailer.js';
import { silentLogger } from '../../src/log.js';
import { deliverEmails } from '../../src/outbox/deliver.js';
import { enqueue } from '../../src/outbox/queries.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { apiKey, registerPerson } from '../helpers/rights.js';

/**
 * A Message-ID is never used twice: not by a second database, not after a restore from backup
 * (both hand out the same outbox ids again), while every retry of one row keeps its own.
 */

let a: Harness;
let b: Harness;
let fail = false;
const sent: OutgoingMail[] = [];
const mailer: Mailer = {
  describe: 'memory',
  close: async () => {},
  send: async (m) => {
    if (fail) throw new Error('421 try again later');
    sent.push(m);
  },
};
const deliver = (h: Harness) =>
  deliverEmails({ db: h.db, mailer, signer: h.deps.signer, config: h.config, clock: h.clock, logger: silentLogger, random: () => 0.5 });
const notice = async (h: Harness, subjectId: string, key: string) =>
  enqueue(h.db, { kind: 'unsubscribed', subjectId, payload: { subjectId }, idempotencyKey: key, at: h.clock.now() });
const lastId = async (h: Harness) =>
  String(
    (
      await h.db
        .selectFrom('outbox')
        .select((e) => e.fn.max('id').as('id'))
        .executeTakeFirstOrThrow()
    ).id,
  );

let personA: string;
let personB: string;
beforeAll(async () => {
  [a, b] = await Promise.all([createHarness(), createHarness()]);
  personA = await registerPerson(a, (await apiKey(a, 'leads:write')).auth, 'mid-a@example.ru', { consents: { processing: true, marketing: false } });
  personB = await registerPerson(b, (await apiKey(b, 'leads:write')).auth, 'mid-b@example.ru', { consents: { processing: true, marketing: false } });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

describe('Message-ID', () => {
  it('differs between two databases for rows with the same id', async () => {
    sent.length = 0;
    await notice(a, personA, 'two-dbs');
    await notice(b, personB, 'two-dbs');
    expect(await lastId(a)).toBe(await lastId(b));
    await deliver(a);
    await deliver(b);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.messageId).not.toBe(sent[1]!.messageId);
    for (const m of sent) expect(m.messageId).toMatch(/^<outbox-\d+\.[0-9a-f]{32}@prefs\.example\.ru>$/);
  });

  it('is not reused after a restore hands out the same outbox id again', async () => {
    sent.length = 0;
    await notice(a, personA, 'before-restore');
    const id = await lastId(a);
    await deliver(a);
    // The restore: the backup was taken before this row existed.
    await sql`delete from outbox where id = ${id}`.execute(a.db);
    await sql`alter table outbox alter column id restart with ${sql.lit(Number(id))}`.execute(a.db);
    await notice(a, personA, 'after-restore');
    expect(await lastId(a)).toBe(id);
    await deliver(a);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.messageId).toContain(`<outbox-${id}.`);
    expect(sent[1]!.messageId).toContain(`<outbox-${id}.`);
    expect(sent[1]!.messageId).not.toBe(sent[0]!.messageId);
  });

  it('stays the same on every retry of one row', async () => {
    sent.length = 0;
    await notice(a, personA, 'retried');
    const id = await lastId(a);
    const token = (await a.db.selectFrom('outbox').select('message_token').where('id', '=', id).executeTakeFirstOrThrow()).message_token;
    fail = true;
    expect(await deliver(a)).toMatchObject({ retried: 1 });
    fail = false;
    a.clock.advance(24 * 3_600_000);
    expect(await deliver(a)).toMatchObject({ sent: 1 });
    expect(sent.map((m) => m.messageId)).toEqual([`<outbox-${id}.${token}@prefs.example.ru>`]);
  });
});
