import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCell } from '../../src/imports/rules.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { tableCounts } from './helpers.js';

let h: Harness;
let key: string;

beforeAll(async () => {
  h = await createHarness({ env: { IMPORT_BODY_LIMIT_BYTES: String(256 * 1024) } });
  key = await h.bearer('imports:write');
});
afterAll(() => h.close());

const post = (path: string, body: BodyInit, auth = key, type = 'text/csv; charset=utf-8') =>
  h.app.request(path, { method: 'POST', headers: { authorization: auth, 'content-type': type }, body, duplex: 'half' } as RequestInit);

/** A body that arrives in pieces with no Content-Length, as a large upload does. */
function streamed(parts: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(typeof p === 'string' ? enc.encode(p) : p);
      c.close();
    },
  });
}

describe('POST /v1/imports/{kind}', () => {
  it('imports a streamed CSV body and answers the counts; the import and its report are then readable', async () => {
    const res = await post(
      '/v1/imports/subjects?source=site&fileName=leads.csv&policyVersion=2025-06-01',
      streamed(['email;consent;consent_at\r\n', 'api1@example.ru;yes;2024-01-01T00:00:00Z\r\napi2@exa', 'mple.ru;yes;\r\nnot-an-address;;\r\n']),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; counts: Record<string, unknown>; report: string };
    expect(body.counts).toMatchObject({ rows: 3, created: 2, granted: 1, consentNone: 1, rejected: 1 });
    expect(body.report).toBe(`/v1/imports/${body.id}/rejected.csv`);

    const got = await h.app.request(`/v1/imports/${body.id}`, { headers: { authorization: key } });
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ id: body.id, kind: 'subjects', status: 'done', committedLine: 4, fileName: 'leads.csv', source: 'site' });

    const rep = await h.app.request(body.report, { headers: { authorization: key } });
    expect(rep.status).toBe(200);
    expect(rep.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await rep.text();
    expect(text.split('\n')[0]).toBe('line,reason,detail');
    expect(text).toMatch(/^3,no_consent_evidence,/m);
    expect(text).toMatch(/^4,bad_address,/m);
    expect(text).not.toContain('not-an-address');
  });

  it('a dry run answers what would happen and writes nothing but the audit row of the staff call', async () => {
    const before = await tableCounts(h.db);
    const res = await post('/v1/imports/subjects?dryRun=true', 'email\ndry-api@example.ru\n');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: null, dryRun: true, counts: { created: 1 } });
    expect(await tableCounts(h.db)).toEqual({ ...before, audit_log: before.audit_log! + 1 });
  });

  it('suppressions with a reason column', async () => {
    const res = await post('/v1/imports/suppressions', 'email,type\nsup-api@example.ru,Spam Report\n');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ counts: { suppressed: 1 } });
    const s = await h.db.selectFrom('suppressions').select('reason').where('email', '=', 'sup-api@example.ru').executeTakeFirstOrThrow();
    expect(s.reason).toBe('complained');
  });

  it('refuses a header without an address column (422), a bad option (422), another content type (415), an unknown import (404); nothing written', async () => {
    const before = await tableCounts(h.db);
    const noEmail = await post('/v1/imports/subjects', 'name,phone\nx,1\n');
    expect(noEmail.status).toBe(422);
    expect(noEmail.headers.get('content-type')).toBe('application/problem+json');
    expect((await post('/v1/imports/subjects?preset=nope', 'email\na@b.ru\n')).status).toBe(422);
    expect((await post('/v1/imports/subjects?map=bogus=Col', 'email\na@b.ru\n')).status).toBe(422);
    expect((await post('/v1/imports/subjects', '{"email":"a@b.ru"}', key, 'application/json')).status).toBe(415);
    expect((await post('/v1/imports/subjects', 'email\na@b.ru\n', key, 'text/csv; charset=windows-1251')).status).toBe(415);
    expect((await post('/v1/imports/people', 'email\na@b.ru\n')).status).toBe(404);
    expect((await h.app.request(`/v1/imports/${crypto.randomUUID()}`, { headers: { authorization: key } })).status).toBe(404);
    expect((await h.app.request(`/v1/imports/${crypto.randomUUID()}/rejected.csv`, { headers: { authorization: key } })).status).toBe(404);
    expect(await tableCounts(h.db)).toEqual(before);
  });
});

describe('POST /v1/imports/{kind}: attacks', () => {
  it('a key without imports:write gets 403, and no key 401; nothing written', async () => {
    const other = await h.bearer('subjects:write', 'suppressions:write', 'leads:write');
    const before = await tableCounts(h.db);
    expect((await post('/v1/imports/subjects', 'email\nx403@example.ru\n', other)).status).toBe(403);
    expect((await post('/v1/imports/subjects', 'email\nx401@example.ru\n', '')).status).toBe(401);
    const res = await h.app.request(`/v1/imports/${crypto.randomUUID()}/rejected.csv`, { headers: { authorization: other } });
    expect(res.status).toBe(403);
    expect(await tableCounts(h.db)).toEqual(before);
  });

  it('a binary body that is not UTF-8 is refused with 422 and writes nothing', async () => {
    const before = await tableCounts(h.db);
    const garbage = new Uint8Array(4096);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) & 0xff;
    const res = await post('/v1/imports/subjects', streamed([garbage]));
    expect(res.status).toBe(422);
    const p = (await res.json()) as { detail: string };
    expect(p.detail).toContain('UTF-8');
    expect(await tableCounts(h.db)).toEqual(before);
  });

  it('a huge line is cut, reported as too_long, and the rows after it are read', async () => {
    const huge = `huge@example.ru,${'A'.repeat(100_000)}`;
    const res = await post('/v1/imports/subjects', streamed(['email,first_name\n', 'before@example.ru,ok\n', huge, '\nafter@example.ru,ok\n']));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { counts: { created: number; reported: Record<string, number> }; report: string };
    expect(body.counts.created).toBe(2);
    expect(body.counts.reported).toMatchObject({ too_long: 1 });
    const text = await (await h.app.request(body.report, { headers: { authorization: key } })).text();
    expect(text).toMatch(/^3,too_long,/m);
    expect(await h.db.selectFrom('subjects').select('id').where('email', '=', 'huge@example.ru').execute()).toEqual([]);
  });

  it('a body over IMPORT_BODY_LIMIT_BYTES is refused with 413, declared or streamed', async () => {
    const big = `email\n${'x@example.ru\n'.repeat(30_000)}`;
    expect((await post('/v1/imports/subjects', big)).status).toBe(413);
    const res = await post('/v1/imports/suppressions', streamed([big.slice(0, 200_000), big.slice(200_000)]));
    expect(res.status).toBe(413);
  });

  it('no cell of the report can start a spreadsheet formula, whatever the file holds', async () => {
    const evil = ["=cmd|' /C calc'!A0", '+1+1', '-2+3', '@SUM(A1)', '\t=1', '=HYPERLINK("http://evil.example")'];
    const rows = ['email,consent_at,first_name,phone'];
    for (const [i, e] of evil.entries()) {
      const q = `"${e.replace(/"/g, '""')}"`;
      rows.push(`f${i}@example.ru,${q},${q},${q}`);
    }
    rows.push(`"=1+1@example.ru",,,`);
    const res = await post('/v1/imports/subjects', rows.join('\n'));
    expect(res.status).toBe(200);
    const { report } = (await res.json()) as { report: string };
    const text = await (await h.app.request(report, { headers: { authorization: key } })).text();
    for (const line of text.trim().split('\n').slice(1)) {
      for (const cell of line.split(',')) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    }
    expect(text).not.toContain('=1+1@example.ru');
    // The cell rule itself.
    expect(reportCell('=1+1')).toBe(`"'=1+1"`);
    expect(reportCell('-2')).toBe(`"'-2"`);
    expect(reportCell('a,b')).toBe('"a,b"');
  });
});

describe('IMPORT_BODY_LIMIT_BYTES', () => {
  it('names the variable and what is wrong with it', async () => {
    const { loadConfig } = await import('../../src/config/index.js');
    expect(() => loadConfig({ IMPORT_BODY_LIMIT_BYTES: 'lots' })).toThrow(/IMPORT_BODY_LIMIT_BYTES: must be a number of bytes/);
    expect(() => loadConfig({ IMPORT_BODY_LIMIT_BYTES: '12' })).toThrow(/IMPORT_BODY_LIMIT_BYTES: must be at least 1024 bytes/);
    expect(loadConfig({}).importBodyLimitBytes).toBe(1024 ** 3);
  });
});
