import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compactVerify, createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningJwk } from '../../src/links/tokens.js';
import { silentLogger } from '../../src/log.js';
import { createPushSigner, pushSuppressions } from '../../src/pushes/push.js';
import { lift } from '../../src/suppressions/queries.js';
import { subscribeToTopic } from '../../src/topics/actions.js';
import { expectedHash, getFeed, parseFeedCsv, parseNdjson, type WireRecord } from '../helpers/feed.js';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';
import { createConfirmedSubject } from '../helpers/pages.js';
import { personEvidenceAt } from '../helpers/topics.js';

let h: Harness;
let admin: string;
let full: string;
let hashed: string;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.bearer('admin');
  full = await h.bearer('suppressions:read');
  hashed = await h.bearer('suppressions:read:hashed');
  for (const key of ['webinars', 'digest']) await h.app.request(`/v1/topics/${key}`, jsonRequest('PUT', { name: { ru: key, en: key } }, admin));
});
afterAll(() => h.close());

const oneClick: RequestInit = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' };

async function leave(subject: string, topic?: string) {
  const token = await h.deps.signer.sign({ sub: subject, p: 'u', ...(topic ? { t: topic } : {}) });
  expect((await h.app.request(`/u/${token}`, oneClick)).status).toBe(200);
}

/** What a consumer that ignores `topic` holds: the last record per hash. */
function naiveState(records: WireRecord[]): Map<string, boolean> {
  const m = new Map<string, boolean>();
  for (const r of records) m.set(r.hash, r.active);
  return m;
}

describe('the feed carries the scope', () => {
  it('has a topic record for a topic left, and topic null on global records, in ndjson, csv and json, hashed too; one sequence, since cursors still valid', async () => {
    const a = await createConfirmedSubject(h, 'feed-global@example.ru');
    await leave(a);
    const first = parseNdjson((await getFeed(h, full)).text);
    const cursor = first.at(-1)!.seq;
    expect(first.at(-1)).toMatchObject({ hash: expectedHash('feed-global@example.ru'), topic: null, active: true });

    const b = await createConfirmedSubject(h, 'feed-topic@example.ru');
    await leave(b, 'webinars');
    const c = await createConfirmedSubject(h, 'feed-after@example.ru');
    await leave(c);

    const after = parseNdjson((await getFeed(h, full, { since: cursor })).text);
    // Numbered in one run of the sequencer: the global entries, then the topic suppressions.
    expect(after.map((r) => [r.hash, r.topic, r.active, r.reason])).toEqual([
      [expectedHash('feed-after@example.ru'), null, true, 'unsubscribed'],
      [expectedHash('feed-topic@example.ru'), 'webinars', true, 'unsubscribed'],
    ]);
    expect(after[0]!.seq).toBeGreaterThan(cursor);
    expect(after[1]!.seq).toBeGreaterThan(after[0]!.seq);
    expect(after[1]!.email).toBe('feed-topic@example.ru');

    const all = parseNdjson((await getFeed(h, full)).text);
    expect(parseFeedCsv((await getFeed(h, full, { format: 'csv' })).text).records).toEqual(all);
    expect((JSON.parse((await getFeed(h, full, { format: 'json' })).text) as { records: WireRecord[] }).records).toEqual(all);

    const hashedText = (await getFeed(h, hashed)).text;
    expect(hashedText).not.toContain('@');
    expect(parseNdjson(hashedText)).toEqual(all.map(({ email: _e, ...r }) => r));
    const hashedCsv = parseFeedCsv((await getFeed(h, hashed, { format: 'csv' })).text);
    expect(hashedCsv.header.at(-1)).toBe('topic');
    expect(hashedCsv.records.find((r) => r.topic === 'webinars')?.hash).toBe(expectedHash('feed-topic@example.ru'));
  });

  it('keeps a consumer that ignores topics on the safe side: a person who left everything stays suppressed after coming back to a topic', async () => {
    const id = await createConfirmedSubject(h, 'naive-1@example.ru');
    await leave(id, 'digest');
    await leave(id);
    // Their own act through their own center: back to the digest (advertising consent still withdrawn).
    expect((await subscribeToTopic(h.db, id, 'digest', personEvidenceAt(h))).kind).toBe('subscribed');
    const records = parseNdjson((await getFeed(h, full)).text);
    const mine = records.filter((r) => r.hash === expectedHash('naive-1@example.ru'));
    // The topic's lift, then the global record sent again after it.
    expect(mine.slice(-2).map((r) => [r.topic, r.active])).toEqual([
      ['digest', false],
      [null, true],
    ]);
    expect(naiveState(records).get(expectedHash('naive-1@example.ru'))).toBe(true);
  });

  it('keeps a consumer that ignores topics on the safe side: a global lift is followed by the topics still left', async () => {
    const id = await createConfirmedSubject(h, 'naive-2@example.ru');
    await leave(id, 'webinars');
    await leave(id);
    const hash = expectedHash('naive-2@example.ru');
    expect(await lift(h.db, { hash, reasons: ['unsubscribed'], actorType: 'subject', at: h.clock.now() })).toBe(true);
    const records = parseNdjson((await getFeed(h, full)).text);
    const mine = records.filter((r) => r.hash === hash);
    expect(mine.slice(-2).map((r) => [r.topic, r.active])).toEqual([
      [null, false],
      ['webinars', true],
    ]);
    expect(naiveState(records).get(hash)).toBe(true);
  });

  it('signed pushes carry the topic of each change', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const signer = await createPushSigner([await generateSigningJwk('push-topics')]);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push`;
      const id = await createConfirmedSubject(h, 'push-topic@example.ru');
      await leave(id, 'webinars');
      const r = await pushSuppressions({ db: h.db, clock: h.clock, logger: silentLogger, signer, endpoints: [url], random: () => 0.5 });
      expect(r.failed).toBe(0);
      const changes = [];
      for (const b of bodies) {
        const v = await compactVerify(b, createLocalJWKSet(signer.publicJwks));
        changes.push(...(JSON.parse(new TextDecoder().decode(v.payload)) as { changes: { hash: string; topic: string | null }[] }).changes);
      }
      expect(changes.find((c) => c.hash === expectedHash('push-topic@example.ru'))).toMatchObject({ topic: 'webinars', active: true });
      expect(changes.filter((c) => c.topic === null).length).toBeGreaterThan(0);
      expect(JSON.stringify(changes)).not.toContain('@');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
