import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/auth/keys.js';
import type { SuppressionReason } from '../../src/db/schema.js';
import { lift, sequenceSuppressions, suppress } from '../../src/suppressions/queries.js';
import { expectedHash, getFeed, parseCsvRows, parseFeedCsv, parseNdjson, streamLines, type WireRecord } from '../helpers/feed.js';
import { createHarness, createTestDb, type Harness, jsonRequest, lead, onPostgres } from '../helpers/harness.js';
import { fcSeed } from '../helpers/seed.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function suppressAddress(h: Harness, email: string, reason: SuppressionReason = 'unsubscribed', db = h.db) {
  return suppress(db, { hash: expectedHash(email), email, subjectId: null, reason, actorType: 'system', at: h.clock.now() });
}

async function countSuppressions(h: Harness): Promise<number> {
  const r = await h.db
    .selectFrom('suppressions')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

function expectStrictlyIncreasing(records: WireRecord[]) {
  for (let i = 1; i < records.length; i++) expect(records[i]!.seq).toBeGreaterThan(records[i - 1]!.seq);
}

describe('GET /v1/suppressions', () => {
  let h: Harness;
  let full: string;
  let hashed: string;
  const seeded: [string, SuppressionReason][] = [
    ['first@example.ru', 'unsubscribed'],
    ['second@example.ru', 'bounced'],
    ['third@example.ru', 'complained'],
    ['fourth@example.ru', 'withdrawn'],
    ['fifth@example.ru', 'manual'],
  ];

  beforeAll(async () => {
    h = await createHarness();
    full = await h.bearer('suppressions:read');
    hashed = await h.bearer('suppressions:read:hashed');
    for (const [email, reason] of seeded) {
      await suppressAddress(h, email, reason);
      h.clock.advance(1000);
    }
  });
  afterAll(() => h?.close());

  it('serves ndjson by default: one record per line, strictly in seq order, with the address for suppressions:read', async () => {
    const { res, text } = await getFeed(h, full);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    expect(text.endsWith('\n')).toBe(true);
    const records = parseNdjson(text);
    // Entries numbered in one go have no specified order among themselves; the seqs must still increase.
    const byEmail = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(records.map((r) => [r.email, r.reason, r.active]).sort(byEmail)).toEqual(seeded.map(([e, reason]) => [e, reason, true]).sort(byEmail));
    expectStrictlyIncreasing(records);
    for (const r of records) {
      expect(Object.keys(r).sort()).toEqual(['active', 'createdAt', 'email', 'hash', 'reason', 'seq', 'topic']);
      expect(r.topic).toBeNull();
      expect(Number.isInteger(r.seq)).toBe(true);
      expect(r.hash).toBe(expectedHash(r.email!));
      expect(new Date(r.createdAt).toISOString()).toBe(r.createdAt);
    }
  });

  it('serves csv with the documented header that parses to the same records as ndjson', async () => {
    const ndjson = parseNdjson((await getFeed(h, full)).text);
    const { res, text } = await getFeed(h, full, { format: 'csv' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(text.split('\n')[0]).toBe('seq,hash,email,reason,active,createdAt,topic');
    const csv = parseFeedCsv(text);
    expect(csv.records).toEqual(ndjson);
  });

  it('serves json as {records, highWaterMark} with the same records as ndjson and the high-water mark of the header', async () => {
    const ndjson = parseNdjson((await getFeed(h, full)).text);
    const { res, text } = await getFeed(h, full, { format: 'json' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = JSON.parse(text) as { records: WireRecord[]; highWaterMark: number };
    expect(Object.keys(body).sort()).toEqual(['highWaterMark', 'records']);
    expect(body.records).toEqual(ndjson);
    expect(body.highWaterMark).toBe(ndjson[ndjson.length - 1]!.seq);
    expect(res.headers.get('x-high-water-mark')).toBe(String(body.highWaterMark));
  });

  it('returns only records with a seq greater than since, and nothing when since is the high-water mark', async () => {
    const all = parseNdjson((await getFeed(h, full)).text);
    const since = all[1]!.seq;
    expect(parseNdjson((await getFeed(h, full, { since })).text)).toEqual(all.slice(2));
    const last = all[all.length - 1]!.seq;
    const atEnd = await getFeed(h, full, { since: last });
    expect(atEnd.res.status).toBe(200);
    expect(atEnd.text).toBe('');
    expect(JSON.parse((await getFeed(h, full, { since: last, format: 'json' })).text)).toEqual({ records: [], highWaterMark: last });
    expect(parseFeedCsv((await getFeed(h, full, { since: last, format: 'csv' })).text).records).toEqual([]);
  });

  it('caps the number of records at limit, and paging with since=<last seq> covers the whole feed once', async () => {
    const all = parseNdjson((await getFeed(h, full)).text);
    expect(parseNdjson((await getFeed(h, full, { limit: 2 })).text)).toEqual(all.slice(0, 2));
    expect(JSON.parse((await getFeed(h, full, { limit: 3, format: 'json' })).text).records).toEqual(all.slice(0, 3));
    expect(parseFeedCsv((await getFeed(h, full, { limit: 1, format: 'csv' })).text).records).toEqual(all.slice(0, 1));
    const paged: WireRecord[] = [];
    let cursor = 0;
    for (;;) {
      const page = parseNdjson((await getFeed(h, full, { since: cursor, limit: 2 })).text);
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(2);
      paged.push(...page);
      cursor = page[page.length - 1]!.seq;
    }
    expect(paged).toEqual(all);
  });

  it('refuses a malformed query (negative since, unknown format, zero limit) with 422 problem+json', async () => {
    for (const q of ['since=-1', 'format=xml', 'limit=0', 'since=abc']) {
      const res = await h.app.request(`/v1/suppressions?${q}`, { headers: { authorization: full } });
      expect(res.status, q).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('sends the high-water mark as ETag; If-None-Match answers 304 without a body until a new suppression changes the ETag', async () => {
    const first = await getFeed(h, full);
    const hwm = first.res.headers.get('x-high-water-mark');
    const etag = first.res.headers.get('etag');
    expect(hwm).toBe(String(parseNdjson(first.text).at(-1)!.seq));
    expect(etag).toMatch(new RegExp(`^"[^"]*\\b${hwm}\\b[^"]*"$`));
    // Same state, any format or cursor: nothing changed.
    for (const q of [{}, { format: 'csv' }, { format: 'json', since: 2 }] as Record<string, string | number>[]) {
      const again = await getFeed(h, full, q, { 'if-none-match': etag! });
      expect(again.res.status).toBe(304);
      expect(again.text).toBe('');
      expect(again.res.headers.get('etag')).toBe(etag);
    }
    const weak = await getFeed(h, full, {}, { 'if-none-match': `"other", W/${etag}` });
    expect(weak.res.status).toBe(304);

    await suppressAddress(h, 'sixth@example.ru', 'bounced');
    const changed = await getFeed(h, full, {}, { 'if-none-match': etag! });
    expect(changed.res.status).toBe(200);
    const newEtag = changed.res.headers.get('etag');
    expect(newEtag).not.toBe(etag);
    expect(Number(changed.res.headers.get('x-high-water-mark'))).toBeGreaterThan(Number(hwm));
    expect(parseNdjson(changed.text).at(-1)).toMatchObject({ email: 'sixth@example.ru', reason: 'bounced', active: true });
    expect((await getFeed(h, full, {}, { 'if-none-match': newEtag! })).res.status).toBe(304);
  });

  it('gives the hashed and the unhashed variant different ETags at the same high-water mark', async () => {
    const a = await getFeed(h, full);
    const b = await getFeed(h, hashed);
    expect(a.res.headers.get('x-high-water-mark')).toBe(b.res.headers.get('x-high-water-mark'));
    expect(a.res.headers.get('etag')).not.toBe(b.res.headers.get('etag'));
    // A 304 for one variant must not be earned with the other's ETag.
    expect((await getFeed(h, hashed, {}, { 'if-none-match': a.res.headers.get('etag')! })).res.status).toBe(200);
  });

  it('never sends an email field, nor any address, to a key with only suppressions:read:hashed, in any format', async () => {
    const reference = parseNdjson((await getFeed(h, full)).text);
    expect(reference.length).toBeGreaterThan(0);
    const withoutEmail = reference.map(({ email: _email, ...rest }) => rest);

    const nd = await getFeed(h, hashed);
    expect(nd.res.status).toBe(200);
    expect(nd.text).not.toContain('@');
    expect(nd.text).not.toContain('"email"');
    expect(parseNdjson(nd.text)).toEqual(withoutEmail);

    const csv = await getFeed(h, hashed, { format: 'csv' });
    expect(csv.text).not.toContain('@');
    const parsed = parseFeedCsv(csv.text);
    expect(parsed.header).toEqual(['seq', 'hash', 'email', 'reason', 'active', 'createdAt', 'topic']);
    expect(parsed.records).toEqual(withoutEmail);

    const json = await getFeed(h, hashed, { format: 'json' });
    expect(json.text).not.toContain('@');
    expect(json.text).not.toContain('"email"');
    expect(JSON.parse(json.text).records).toEqual(withoutEmail);
  });

  it('sends the address to admin keys as well as to suppressions:read keys', async () => {
    const admin = await h.bearer('admin');
    const records = parseNdjson((await getFeed(h, admin)).text);
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) expect(r.email).toMatch(/@example\.ru$/);
  });

  it('omits email for an entry whose address is gone (hash only), even for suppressions:read', async () => {
    const hash = expectedHash('gone@example.ru');
    await suppress(h.db, { hash, email: null, subjectId: null, reason: 'erased', actorType: 'system', at: h.clock.now() });
    const records = parseNdjson((await getFeed(h, full)).text);
    const rec = records.find((r) => r.hash === hash);
    expect(rec).toBeDefined();
    expect(rec).not.toHaveProperty('email');
    expect(rec).toMatchObject({ reason: 'erased', active: true });
  });

  it('adds no feed record when an already active suppression is repeated', async () => {
    const before = (await getFeed(h, full)).res.headers.get('etag');
    expect(await suppressAddress(h, 'first@example.ru', 'unsubscribed')).toBe(false);
    // A staff-only reason on top of another staff-only reason changes nothing either.
    expect(await suppressAddress(h, 'fifth@example.ru', 'bounced')).toBe(false);
    const after = await getFeed(h, full);
    expect(after.res.headers.get('etag')).toBe(before);
    expect(parseNdjson(after.text).filter((r) => r.email === 'first@example.ru')).toHaveLength(1);
  });

  it("upgrades the person's own reason to a staff-only one with a new feed record", async () => {
    const hwm = Number((await getFeed(h, full)).res.headers.get('x-high-water-mark'));
    await suppressAddress(h, 'upgrade@example.ru', 'unsubscribed');
    expect(await suppressAddress(h, 'upgrade@example.ru', 'complained')).toBe(true);
    const later = parseNdjson((await getFeed(h, full, { since: hwm })).text).filter((r) => r.email === 'upgrade@example.ru');
    expect(later).toHaveLength(1);
    expect(later[0]).toMatchObject({ reason: 'complained', active: true });
    // and the person's own act does not downgrade it back
    expect(await suppressAddress(h, 'upgrade@example.ru', 'unsubscribed')).toBe(false);
  });

  it('carries a lifted entry as active:false with a higher seq, once, at its latest state', async () => {
    const all = parseNdjson((await getFeed(h, full)).text);
    const target = all.find((r) => r.email === 'fifth@example.ru')!;
    expect(target).toMatchObject({ reason: 'manual', active: true });
    const hwm = all.at(-1)!.seq;

    // A reason not in the allowed set lifts nothing.
    expect(await lift(h.db, { hash: target.hash, reasons: ['bounced'], actorType: 'staff', at: h.clock.now() })).toBe(false);
    expect(parseNdjson((await getFeed(h, full, { since: hwm })).text)).toEqual([]);

    h.clock.advance(60_000);
    expect(await lift(h.db, { hash: target.hash, reasons: ['manual'], actorType: 'staff', note: 'asked by phone', at: h.clock.now() })).toBe(true);
    const later = parseNdjson((await getFeed(h, full, { since: hwm })).text);
    expect(later).toHaveLength(1);
    expect(later[0]).toMatchObject({ hash: target.hash, email: 'fifth@example.ru', reason: 'manual', active: false });
    expect(later[0]!.seq).toBeGreaterThan(hwm);

    const whole = parseNdjson((await getFeed(h, full)).text);
    expect(whole.filter((r) => r.hash === target.hash)).toEqual(later);
    expectStrictlyIncreasing(whole);

    // Lifting a tombstone again changes nothing.
    expect(await lift(h.db, { hash: target.hash, reasons: ['manual'], actorType: 'staff', at: h.clock.now() })).toBe(false);
    expect(parseNdjson((await getFeed(h, full, { since: later[0]!.seq })).text)).toEqual([]);

    // Suppressing it again reactivates it with yet another, higher seq.
    expect(await suppressAddress(h, 'fifth@example.ru', 'manual')).toBe(true);
    const again = parseNdjson((await getFeed(h, full, { since: later[0]!.seq })).text);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ hash: target.hash, active: true });
    expect(again[0]!.seq).toBeGreaterThan(later[0]!.seq);
  });
});

describe('sequenceSuppressions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h?.close());

  async function insertUnsequenced(emails: string[]) {
    await h.db
      .insertInto('suppressions')
      .values(
        emails.map((email) => ({
          hash: expectedHash(email),
          email,
          subject_id: null,
          reason: 'bounced' as const,
          active: true,
          seq: null,
          changed_at: h.clock.now(),
          created_at: h.clock.now(),
          actor_type: 'mail_sender' as const,
          actor_id: null,
          note: null,
        })),
      )
      .execute();
  }

  async function seqs(): Promise<Map<string, number | null>> {
    const rows = await h.db.selectFrom('suppressions').select(['hash', 'seq']).execute();
    return new Map(rows.map((r) => [r.hash, r.seq == null ? null : Number(r.seq)]));
  }

  it('numbers unsequenced entries with fresh numbers that never repeat and never go backwards', async () => {
    expect(await sequenceSuppressions(h.db)).toBe(0);

    await insertUnsequenced(['s1@example.ru', 's2@example.ru', 's3@example.ru']);
    const hwm1 = await sequenceSuppressions(h.db);
    const after1 = await seqs();
    const first = [...after1.values()];
    expect(first.every((s) => s !== null && s > 0 && s <= hwm1)).toBe(true);
    expect(new Set(first).size).toBe(3);
    expect(hwm1).toBe(Math.max(...(first as number[])));

    // Nothing pending: the same high-water mark, nobody renumbered.
    expect(await sequenceSuppressions(h.db)).toBe(hwm1);
    expect(await seqs()).toEqual(after1);

    await insertUnsequenced(['s4@example.ru', 's5@example.ru']);
    h.clock.advance(1000);
    expect(await lift(h.db, { hash: expectedHash('s2@example.ru'), reasons: ['bounced'], actorType: 'staff', at: h.clock.now() })).toBe(true);
    const hwm2 = await sequenceSuppressions(h.db);
    const after2 = await seqs();
    expect(hwm2).toBeGreaterThan(hwm1);
    for (const e of ['s4@example.ru', 's5@example.ru', 's2@example.ru']) {
      const s = after2.get(expectedHash(e))!;
      expect(s, e).toBeGreaterThan(hwm1);
      expect(s, e).toBeLessThanOrEqual(hwm2);
    }
    // Untouched entries keep their numbers.
    for (const e of ['s1@example.ru', 's3@example.ru']) expect(after2.get(expectedHash(e))).toBe(after1.get(expectedHash(e)));
    const all = [...after2.values()] as number[];
    expect(new Set(all).size).toBe(all.length);
    expect(Math.max(...all)).toBe(hwm2);
  });
});

describe('GET /v1/suppressions over a large feed', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h?.close());

  it('streams all 25,000 entries with contiguous, increasing seqs', async () => {
    const N = 25_000;
    await sql`
      insert into suppressions (hash, email, subject_id, reason, active, seq, changed_at, created_at, actor_type)
      select md5('bulk-a-' || g) || md5('bulk-b-' || g), 'bulk' || g || '@example.ru', null, 'manual', true, null,
             timestamptz '2026-03-01 00:00:00+00' + g * interval '1 second', timestamptz '2026-03-01 00:00:00+00', 'staff'
      from generate_series(1, ${N}) as g`.execute(h.db);

    const auth = await h.bearer('suppressions:read');
    const res = await h.app.request('/v1/suppressions', { headers: { authorization: auth } });
    expect(res.status).toBe(200);
    let count = 0;
    let first = -1;
    let prev = -1;
    let contiguous = true;
    const hashes = new Set<string>();
    for await (const line of streamLines(res)) {
      if (!line) continue;
      const r = JSON.parse(line) as WireRecord;
      if (count === 0) first = r.seq;
      else if (r.seq !== prev + 1) contiguous = false;
      prev = r.seq;
      hashes.add(r.hash);
      count++;
    }
    expect(count).toBe(N);
    expect(contiguous).toBe(true);
    expect(prev - first).toBe(N - 1);
    expect(hashes.size).toBe(N);
    expect(Number(res.headers.get('x-high-water-mark'))).toBe(prev);

    // The json form holds the same number of records and ends at the same mark.
    const json = JSON.parse(await (await h.app.request('/v1/suppressions?format=json', { headers: { authorization: auth } })).text());
    expect(json.records).toHaveLength(N);
    expect(json.highWaterMark).toBe(prev);
  });
});

describe.skipIf(!onPostgres)('GET /v1/suppressions with concurrent writers (PostgreSQL)', () => {
  let h: Harness;
  let auth: string;
  beforeAll(async () => {
    h = await createHarness({ handle: await createTestDb({ poolMax: 20 }) });
    auth = await h.bearer('suppressions:read:hashed');
  });
  afterAll(() => h?.close());

  async function readSince(cursor: number): Promise<WireRecord[]> {
    const { res, text } = await getFeed(h, auth, { since: cursor });
    expect(res.status).toBe(200);
    return parseNdjson(text);
  }

  it('does not skip an entry that commits after a later-started entry was already read', async () => {
    let releaseA!: () => void;
    const gate = new Promise<void>((r) => (releaseA = r));
    let insertedA!: () => void;
    const aInserted = new Promise<void>((r) => (insertedA = r));
    const hashA = expectedHash('slow@example.ru');
    const hashB = expectedHash('fast@example.ru');
    const writerA = h.db.transaction().execute(async (trx) => {
      await suppress(trx, { hash: hashA, email: 'slow@example.ru', subjectId: null, reason: 'unsubscribed', actorType: 'subject', at: h.clock.now() });
      insertedA();
      await gate;
    });
    await aInserted;
    h.clock.advance(1000);
    await suppress(h.db, { hash: hashB, email: 'fast@example.ru', subjectId: null, reason: 'unsubscribed', actorType: 'subject', at: h.clock.now() });

    const firstRead = await readSince(0);
    expect(firstRead.map((r) => r.hash)).toEqual([hashB]);
    const cursor = firstRead[0]!.seq;

    releaseA();
    await writerA;
    const secondRead = await readSince(cursor);
    expect(secondRead.map((r) => r.hash)).toEqual([hashA]);
    expect(secondRead[0]!.seq).toBeGreaterThan(cursor);
  });

  it('lets a consumer that keeps its cursor see every suppression committed by many concurrent transactions, none missed', async () => {
    const N = 150;
    const emails = Array.from({ length: N }, (_, i) => `concurrent${i}@example.ru`);
    const want = new Set(emails.map((e) => expectedHash(e)));
    let writersDone = false;

    // At most 12 writers at once, leaving pool connections for readers and sequencers.
    let next = 0;
    const writer = async () => {
      while (next < N) {
        const i = next++;
        await h.db.transaction().execute(async (trx) => {
          await suppress(trx, {
            hash: expectedHash(emails[i]!),
            email: emails[i]!,
            subjectId: null,
            reason: 'unsubscribed',
            actorType: 'subject',
            at: h.clock.now(),
          });
          // Some transactions stay open while others commit and get read.
          if (i % 3 === 0) await sleep(5 + ((i * 37) % 80));
        });
        if (i % 5 === 0) await sleep((i * 13) % 20);
      }
    };
    const writers = Promise.all(Array.from({ length: 12 }, writer)).finally(() => {
      writersDone = true;
    });

    const consumer = async () => {
      const seen = new Map<string, number>();
      let cursor = 0;
      let reads = 0;
      const take = async () => {
        reads++;
        for (const r of await readSince(cursor)) {
          expect(r.seq).toBeGreaterThan(cursor);
          cursor = r.seq;
          seen.set(r.hash, (seen.get(r.hash) ?? 0) + 1);
        }
      };
      while (!writersDone) {
        await take();
        await sleep(3);
      }
      await take(); // everything has committed by now
      return { seen, reads };
    };
    // Readers sequencing on their own add contention on the sequencer.
    const sequencer = async () => {
      while (!writersDone) {
        await sequenceSuppressions(h.db);
        await sleep(2);
      }
    };

    const [, a, b] = await Promise.all([writers, consumer(), consumer(), sequencer()]);
    for (const { seen, reads } of [a, b]) {
      expect(reads).toBeGreaterThan(1);
      const missed = [...want].filter((x) => !seen.has(x));
      expect(missed).toEqual([]);
      expect([...want].filter((x) => seen.has(x))).toHaveLength(N);
    }
  });
});

describe('POST /v1/suppressions', () => {
  let h: Harness;
  let write: string;
  let read: string;
  beforeAll(async () => {
    h = await createHarness();
    write = await h.bearer('suppressions:write');
    read = await h.bearer('suppressions:read');
  });
  afterAll(() => h?.close());

  const post = (body: unknown, auth?: string) => h.app.request('/v1/suppressions', jsonRequest('POST', body, auth));

  it("adds 'manual' entries under the normalized address and its keyed hash", async () => {
    const res = await post({ entries: [{ email: '  Manual.One@Example.RU ' }, { email: 'manual2@почта.рф', note: 'asked by phone' }] }, write);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ added: 2, unchanged: 0 });
    const records = parseNdjson((await getFeed(h, read)).text);
    // Both were written at the same instant, so their order between them is not specified.
    expect(records.map((r) => [r.email, r.hash, r.reason, r.active]).sort()).toEqual([
      ['manual.one@example.ru', expectedHash('manual.one@example.ru'), 'manual', true],
      ['manual2@xn--80a1acny.xn--p1ai', expectedHash('manual2@xn--80a1acny.xn--p1ai'), 'manual', true],
    ]);
  });

  it('leaves an address that is already suppressed unchanged and adds no feed record', async () => {
    const before = (await getFeed(h, read)).res.headers.get('etag');
    const res = await post({ entries: [{ email: 'MANUAL.ONE@example.ru' }, { email: 'manual3@example.ru' }, { email: 'Manual3@Example.ru' }] }, write);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ added: 1, unchanged: 2 });
    const after = await getFeed(h, read);
    expect(after.res.headers.get('etag')).not.toBe(before);
    const emails = parseNdjson(after.text).map((r) => r.email);
    expect(emails.at(-1)).toBe('manual3@example.ru');
    expect(emails.sort()).toEqual(['manual.one@example.ru', 'manual2@xn--80a1acny.xn--p1ai', 'manual3@example.ru']);
    const repeat = await post({ entries: [{ email: 'manual3@example.ru' }] }, write);
    expect(await repeat.json()).toEqual({ added: 0, unchanged: 1 });
    expect((await getFeed(h, read)).res.headers.get('etag')).toBe(after.res.headers.get('etag'));
  });

  it('takes 10,000 entries at once; each person named gets one ledger event, a repeat none', async () => {
    const leads = await h.bearer('leads:write');
    const people: string[] = [];
    for (const email of ['bulk-known-1@example.ru', 'bulk-known-2@example.ru']) {
      const res = await h.app.request('/v1/subjects', jsonRequest('POST', lead(email), leads));
      people.push(((await res.json()) as { id: string }).id);
    }
    const entries = Array.from({ length: 9_998 }, (_, i) => ({ email: `bulk-${i}@example.ru` }));
    entries.push({ email: 'bulk-known-1@example.ru' }, { email: 'BULK-KNOWN-2@example.ru', note: 'asked by phone' } as { email: string });
    const before = await countSuppressions(h);
    const res = await post({ entries }, write);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ added: 10_000, unchanged: 0 });
    expect(await countSuppressions(h)).toBe(before + 10_000);
    const events = await h.db
      .selectFrom('consent_events')
      .select(['subject_id', 'action', 'actor_type', 'details'])
      .where('subject_id', 'in', people)
      .where('action', '=', 'suppressed')
      .execute();
    expect(events.map((e) => e.subject_id).sort()).toEqual([...people].sort());
    expect(events.every((e) => e.actor_type === 'staff')).toBe(true);
    const row = await h.db
      .selectFrom('suppressions')
      .select(['reason', 'note', 'subject_id'])
      .where('hash', '=', expectedHash('bulk-known-2@example.ru'))
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ reason: 'manual', note: 'asked by phone', subject_id: people[1] });

    const again = await post({ entries: entries.slice(-2) }, write);
    expect(await again.json()).toEqual({ added: 0, unchanged: 2 });
    expect(await h.db.selectFrom('consent_events').select('id').where('subject_id', 'in', people).where('action', '=', 'suppressed').execute()).toHaveLength(2);
  });

  it('refuses the whole batch with 422 naming the bad entry when one address is invalid, adding nothing', async () => {
    const before = await countSuppressions(h);
    const res = await post({ entries: [{ email: 'good1@example.ru' }, { email: 'not-an-address' }, { email: 'good2@example.ru' }] }, write);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = await res.json();
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors).toEqual([{ path: 'entries.1.email', message: expect.any(String) }]);
    expect(JSON.stringify(problem)).not.toContain('not-an-address');
    expect(await countSuppressions(h)).toBe(before);
  });

  it('refuses an empty batch and unknown fields with 422', async () => {
    const before = await countSuppressions(h);
    for (const body of [{ entries: [] }, { entries: [{ email: 'x@example.ru', reason: 'bounced' }] }, { emails: ['x@example.ru'] }]) {
      const res = await post(body, write);
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    expect(await countSuppressions(h)).toBe(before);
  });

  it('answers 401 without a key and 403 for a key lacking the scope, on both methods', async () => {
    const body = { entries: [{ email: 'authz@example.ru' }] };
    expect((await post(body)).status).toBe(401);
    expect((await h.app.request('/v1/suppressions')).status).toBe(401);

    const leads = await h.bearer('leads:write');
    const hashed = await h.bearer('suppressions:read:hashed');
    for (const key of [leads, read, hashed]) {
      const res = await post(body, key);
      expect(res.status).toBe(403);
      expect((await res.json()).code).toBe('forbidden');
    }
    for (const key of [leads, write]) expect((await getFeed(h, key)).res.status).toBe(403);
    expect(parseNdjson((await getFeed(h, read)).text).some((r) => r.email === 'authz@example.ru')).toBe(false);
  });

  it('answers 401 for a revoked key that worked before', async () => {
    const { id, key } = await createApiKey(h.db, { name: 'to-revoke', scopes: ['suppressions:write', 'suppressions:read'] }, h.clock.now());
    const auth = `Bearer ${key}`;
    expect((await getFeed(h, auth)).res.status).toBe(200);
    expect(await revokeApiKey(h.db, id, h.clock.now())).toBe(true);
    const res = await post({ entries: [{ email: 'revoked@example.ru' }] }, auth);
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe('unauthorized');
    expect((await getFeed(h, auth)).res.status).toBe(401);
    expect(await revokeApiKey(h.db, id, h.clock.now())).toBe(false);
  });
});

describe('GET /v1/suppressions?format=csv: formula injection (OWASP CSV injection)', () => {
  let h: Harness;
  let full: string;
  // Addresses a mail sender or a form could hand us whose first character a spreadsheet reads
  // as the start of a formula; stored as they are (they are the person's data).
  const hostile = ['=cmd@example.ru', '+7-900@example.ru', '-sum@example.ru', '@sum(a1)@example.ru', '\tx@example.ru', '\rx@example.ru', '=1+1,"x"@example.ru'];
  beforeAll(async () => {
    h = await createHarness();
    full = await h.bearer('suppressions:read');
    const manual = await h.bearer('suppressions:write');
    // Through the API where the address is one the API takes, directly otherwise.
    const res = await h.app.request('/v1/suppressions', jsonRequest('POST', { entries: [{ email: '-sum@example.ru' }] }, manual));
    expect(res.status).toBeLessThan(300);
    for (const email of hostile) if (email !== '-sum@example.ru') await suppressAddress(h, email);
    await suppressAddress(h, 'plain@example.ru');
  });
  afterAll(() => h?.close());

  it('prefixes a cell starting with = + - @ tab or CR with a single quote, quoted; a plain address stays as it is', async () => {
    const { text } = await getFeed(h, full, { format: 'csv' });
    const rows = parseCsvRows(text).slice(1);
    expect(rows).toHaveLength(hostile.length + 1);
    const emails = rows.map((r) => r[2]!);
    expect(emails.sort()).toEqual([...hostile.map((e) => `'${e}`), 'plain@example.ru'].sort());
    // Quoted in the raw text too, so no reader takes the cell apart.
    expect(text).toContain(`,"'=cmd@example.ru",`);
    expect(text).toContain(',plain@example.ru,');
    for (const line of text.split('\n').slice(1)) {
      const cells = line.split(',');
      if (cells.length > 2) expect(cells[2]!).not.toMatch(/^[=+\-@\t\r]/);
    }
  });

  it('leaves ndjson and json as they are: the address exactly as stored', async () => {
    const nd = parseNdjson((await getFeed(h, full)).text).map((r) => r.email);
    const js = (JSON.parse((await getFeed(h, full, { format: 'json' })).text) as { records: WireRecord[] }).records.map((r) => r.email);
    expect(nd.sort()).toEqual([...hostile, 'plain@example.ru'].sort());
    expect(js.sort()).toEqual(nd);
  });
});

describe('records written by PostgreSQL', () => {
  let h: Harness;
  let full: string;
  let hashedKey: string;
  // Addresses as stored, whatever a mail sender or an import hands us: quotes, commas, line
  // breaks, control characters, backslashes, formula starters, non-ASCII. Seeded, so a failure
  // is replayed with the printed seed.
  const unit = fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', "'", '\\', '\u0001', '\u001f', '\u007f', '\u2028', 'я', '😀', 'a', '1', ' ');
  let stored: string[] = [];
  beforeAll(async () => {
    h = await createHarness();
    full = await h.bearer('suppressions:read');
    hashedKey = await h.bearer('suppressions:read:hashed');
    stored = [...new Set(fc.sample(fc.string({ unit, minLength: 1, maxLength: 12 }), { numRuns: 300, ...fcSeed() }))];
    for (const v of stored) {
      await suppressAddress(h, `${v}@example.ru`);
      h.clock.advance(7);
    }
  });
  afterAll(() => h?.close());

  /** What the feed wrote before PostgreSQL wrote it: the record serialized in JavaScript. */
  const asJavaScriptWrote = (r: { seq: number; hash: string; email: string | null; reason: string; active: boolean; changed_at: Date }, withEmail: boolean) =>
    JSON.stringify({
      seq: r.seq,
      hash: r.hash,
      ...(withEmail && r.email ? { email: r.email } : {}),
      reason: r.reason,
      active: r.active,
      createdAt: r.changed_at.toISOString(),
      topic: null,
    });

  it('are byte for byte what JSON.stringify wrote of each record, with and without the address', async () => {
    const rows = (await h.db.selectFrom('suppressions').select(['seq', 'hash', 'email', 'reason', 'active', 'changed_at']).orderBy('seq').execute()).map(
      (r) => ({
        ...r,
        seq: Number(r.seq),
      }),
    );
    // Sequenced by the feed's first read.
    await getFeed(h, full);
    const seqd = (await h.db.selectFrom('suppressions').select(['seq', 'hash', 'email', 'reason', 'active', 'changed_at']).orderBy('seq').execute()).map(
      (r) => ({
        ...r,
        seq: Number(r.seq),
      }),
    );
    expect(seqd).toHaveLength(rows.length);
    for (const [key, withEmail] of [
      [full, true],
      [hashedKey, false],
    ] as const) {
      const nd = (await getFeed(h, key)).text;
      expect(nd).toBe(`${seqd.map((r) => asJavaScriptWrote(r, withEmail)).join('\n')}\n`);
      const js = (await getFeed(h, key, { format: 'json' })).text;
      expect(js).toBe(`{"records":[${seqd.map((r) => asJavaScriptWrote(r, withEmail)).join(',')}],"highWaterMark":${seqd.at(-1)!.seq}}`);
    }
  });

  it('in CSV: every address reads back as stored, or behind a quote where a spreadsheet would take it for a formula', async () => {
    const { text } = await getFeed(h, full, { format: 'csv' });
    const rows = parseCsvRows(text);
    expect(rows[0]).toEqual(['seq', 'hash', 'email', 'reason', 'active', 'createdAt', 'topic']);
    const emails = rows.slice(1).map((r) => {
      expect(r).toHaveLength(7);
      expect(r[2]!).not.toMatch(/^[=+\-@\t\r]/);
      return r[2]!;
    });
    const expected = stored.map((v) => `${v}@example.ru`).map((e) => (/^[=+\-@\t\r]/.test(e) ? `'${e}` : e));
    expect(emails.sort()).toEqual(expected.sort());
  });

  it('pages the feed without losing or repeating a record, whatever the page size', async () => {
    const { readFeedPages } = await import('../../src/suppressions/queries.js');
    const all = (await getFeed(h, full)).text;
    const hwm = await sequenceSuppressions(h.db);
    for (const pageSize of [1, 7, 299, 10_000]) {
      const pages: string[] = [];
      for await (const p of readFeedPages(h.db, { since: 0, upTo: hwm, limit: Number.MAX_SAFE_INTEGER, format: 'ndjson', withEmail: true, pageSize }))
        pages.push(p);
      expect(`${pages.join('\n')}\n`).toBe(all);
    }
  });
});
