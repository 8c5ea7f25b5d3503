import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedHash } from '../helpers/feed.js';
import type { Harness } from '../helpers/harness.js';
import { fcSeed } from '../helpers/seed.js';
import { signSns, snsHarness } from './sns-signing.js';

/**
 * One bad event in a mail sender's batch must not cost the good ones: text PostgreSQL cannot
 * store (a NUL, an unpaired surrogate) used to fail the whole transaction with 422, so every
 * bounce of the batch was lost and the sender retried it forever. The good events are applied;
 * each refused one is listed with its index and reason.
 */

type Json = Record<string, any>;
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Json;

interface Result {
  processed: number;
  duplicates: number;
  suppressed: number;
  ignored: { index: number; reason: string }[];
}

let h: Harness;
let auth: string;
beforeAll(async () => {
  h = await snsHarness();
  auth = await h.bearer('mail-sender:events');
});
afterAll(() => h.close());

async function postOk(body: unknown, headers: Record<string, string> = {}): Promise<Result> {
  const res = await h.app.request('/v1/events/mail-sender', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as Result;
}

const suppression = (email: string) => h.db.selectFrom('suppressions').selectAll().where('hash', '=', expectedHash(email)).executeTakeFirst();

describe('POST /v1/events/mail-sender with a bad event among good ones', () => {
  it('our shape: applies the good events (a NUL in a diagnostic is kept as U+FFFD) and lists the refused by index and reason', async () => {
    const at = '2026-03-01T10:00:00Z';
    const r = await postOk({
      events: [
        { type: 'hard_bounce', email: 'good-1@example.ru', at, id: 'p-1' },
        { type: 'hard_bounce', email: 'bad-id@example.ru', at, id: 'p-\u00002' },
        { type: 'hard_bounce', email: 'nul-detail@example.ru', at, id: 'p-3', detail: '550 5.1.1 \u0000 user unknown' },
        { type: 'hard_bounce', email: 'nul\u0000@example.ru', at, id: 'p-4' },
        { type: 'complaint', email: 'surrogate-detail@example.ru', at, id: 'p-5', detail: 'abuse \ud800' },
        { type: 'hard_bounce', email: 'bad-id-2@example.ru', at, id: 'p-6\udc00' },
        { type: 'hard_bounce', email: 'good-2@example.ru', at, id: 'p-7' },
      ],
    });
    expect(r).toEqual({
      processed: 4,
      duplicates: 0,
      suppressed: 4,
      ignored: [
        { index: 1, reason: 'invalid_id' },
        { index: 3, reason: 'invalid_email' },
        { index: 5, reason: 'invalid_id' },
      ],
    });
    for (const email of ['good-1@example.ru', 'nul-detail@example.ru', 'surrogate-detail@example.ru', 'good-2@example.ru']) {
      expect((await suppression(email))?.active, email).toBe(true);
    }
    for (const email of ['bad-id@example.ru', 'bad-id-2@example.ru']) expect(await suppression(email), email).toBeUndefined();
    const note = (await suppression('nul-detail@example.ru'))!.note ?? '';
    expect(note).not.toContain('\u0000');
  });

  it('a body that is wholly invalid is still refused with 422', async () => {
    const res = await h.app.request('/v1/events/mail-sender', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify({ events: 'nope' }),
    });
    expect(res.status).toBe(422);
  });

  it('through SNS: an SES bounce whose diagnostic holds a NUL is applied for every good recipient', async () => {
    const n = fixture('ses-bounce-with-dsn.json');
    const recipients = [
      { emailAddress: 'sns-good@example.ru', status: '5.1.1', diagnosticCode: 'smtp; 550 \u0000 no such user' },
      { emailAddress: 'sns-\u0000bad@example.ru', status: '5.1.1' },
    ];
    n.bounce = { ...n.bounce, bounceType: 'Permanent', feedbackId: 'sns-nul-1', bouncedRecipients: recipients };
    const body = signSns({ ...fixture('sns-notification.json'), Message: JSON.stringify(n) });
    const r = await postOk(body, { 'x-amz-sns-message-type': 'Notification' });
    expect(r).toMatchObject({ processed: 1, suppressed: 1, ignored: [{ index: 1, reason: 'invalid_email' }] });
    expect((await suppression('sns-good@example.ru'))?.active).toBe(true);
  });
});

describe('any batch of our shape', () => {
  it('is answered 200, every event either applied or listed in ignored by its index, whatever text the fields hold', async () => {
    const hostileText = fc.string({
      unit: fc.oneof(fc.constantFrom('\u0000', '\ud800', '\udc00', '@', '=', ' ', "'", '"', '\\', 'я', '😀'), fc.constantFrom(...'abcxyz0129.-_'.split(''))),
      maxLength: 30,
    });
    const event = fc.record({
      type: fc.oneof(fc.constantFrom('hard_bounce', 'soft_bounce', 'complaint', 'unsubscribe'), hostileText),
      email: fc.oneof(
        fc.emailAddress().map((e) => e.slice(0, 300)),
        hostileText,
        hostileText.map((t) => `${t}@example.ru`),
      ),
      at: fc.oneof(fc.constant('2026-03-01T10:00:00Z'), hostileText),
      id: fc.oneof(fc.uuid(), hostileText),
      detail: fc.option(hostileText, { nil: undefined }),
    });
    let batch = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 12 }), async (events) => {
        batch++;
        // Unique ids per run, so a replay of an earlier run is not what is counted.
        const body = { events: events.map((e) => ({ ...e, id: typeof e.id === 'string' && e.id ? `${batch}-${e.id}` : e.id })) };
        const r = await postOk(body);
        const ignoredIdx = r.ignored.map((i) => i.index);
        expect(new Set(ignoredIdx).size).toBe(ignoredIdx.length);
        for (const i of ignoredIdx) expect(i).toBeLessThan(events.length);
        expect(r.processed + r.duplicates + r.ignored.length).toBe(events.length);
      }),
      fcSeed({ numRuns: 40 }),
    );
    expect(batch).toBeGreaterThanOrEqual(40);
  });
});
