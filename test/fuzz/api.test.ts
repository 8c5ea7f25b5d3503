import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/auth/keys.js';
import { plausibleEmail } from '../helpers/fuzz-schema.js';
import { createHarness, registerLead } from '../helpers/harness.js';
import { fcSeed } from '../helpers/seed.js';
import { KNOWN_MISMATCHES } from './known-mismatches.js';
import {
  type Answer,
  changedTables,
  createValidator,
  excused,
  failure,
  fingerprint,
  type OpenApiDoc,
  type Operation,
  operationsOf,
  problemsWith,
  withTimeout,
} from './oracle.js';
import { type FuzzRequest, hostileRequest, validRequest } from './requests.js';

/**
 * The API fuzzed from its own contract. Every operation of `/openapi.json` gets requests built
 * from its parameter and body schemas (valid ones, then hostile mutations of them), sent
 * in-process with a key holding every scope. Whatever is asked:
 * - no 5xx, and an answer within `TIMEOUT_MS` (else "hang");
 * - every error is problem+json matching the Problem schema;
 * - the status is declared for the operation, and the content type and body match what it
 *   declares (ajv, JSON Schema 2020-12), except the spec errors listed in `known-mismatches.ts`;
 * - a refused request (4xx) changes nothing in the database (a fingerprint of every table).
 * Bounded: `VALID_RUNS` + `HOSTILE_RUNS` requests per operation, seeded (TEST_SEED replays).
 */

// FUZZ_SCALE=10 for a deeper run by hand; CI runs the default.
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const VALID_RUNS = Math.round(20 * SCALE);
const HOSTILE_RUNS = Math.round(30 * SCALE);
const TIMEOUT_MS = 10_000;

const h = await createHarness();
const auth = await h.bearer(...SCOPES);
const doc = (await (await h.app.request('/openapi.json')).json()) as OpenApiDoc;
const ops = operationsOf(doc);
const validate = createValidator(doc);

// A few people and a request, so generated ids and addresses sometimes find someone.
const knownEmails = ['fuzz.one@example.ru', 'fuzz.two@example.ru', 'fuzz.three@example.com'];
const subjects: string[] = [];
for (const [i, email] of knownEmails.entries()) {
  subjects.push((await registerLead(h, email, { lastName: `Фаззов${i}`, firstName: 'Иван', phone: `+7 900 000-00-0${i}` })).id);
}
const filed = await h.app.request(`/v1/subjects/${subjects[0]}/requests`, {
  method: 'POST',
  headers: { authorization: auth, 'content-type': 'application/json' },
  body: JSON.stringify({ type: 'appeal', body: 'fuzz' }),
});
const knownIds = [...subjects, ((await filed.json()) as { id: string }).id];
const opts = {
  root: doc,
  uuid: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...knownIds) }, { weight: 1, arbitrary: fc.uuid() }),
  email: fc.oneof(fc.constantFrom(...knownEmails), plausibleEmail),
  // The document does not yet say `format` for these (the contract is being fixed alongside).
  formatByName: { email: 'email', emails: 'email', at: 'date-time' },
};

let last = await fingerprint(h.db);
const statuses = new Map<string, Map<number, number>>();

afterAll(async () => {
  const summary = [...statuses].map(([op, s]) => `${op}: ${[...s].map(([code, n]) => `${code}×${n}`).join(' ')}`);
  console.log(`fuzz api: statuses per operation\n  ${summary.join('\n  ')}`);
  if (excused.size)
    console.log(`fuzz api: known spec mismatches met\n  ${[...excused].map(([m, n]) => `${m.operation} ${m.status} ${m.kind} ×${n}: ${m.why}`).join('\n  ')}`);
  await h.close();
});

async function send(r: FuzzRequest): Promise<Answer> {
  const what = `${r.method} ${r.url.slice(0, 200)}`;
  const res = await withTimeout(
    Promise.resolve(h.app.request(r.url, { method: r.method, headers: r.headers, ...(r.body === undefined ? {} : { body: r.body }) })),
    TIMEOUT_MS,
    what,
  );
  const text = await withTimeout(res.text(), TIMEOUT_MS, `${what} (reading the body)`);
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text };
}

/** Sends the request and checks the answer and the database; throws what is wrong. */
async function check(op: Operation, r: FuzzRequest): Promise<void> {
  const a = await send(r);
  const now = await fingerprint(h.db);
  const lines = problemsWith(op, a, validate, { pathEscaped: r.pathEscaped });
  if (a.status >= 400) {
    const changed = changedTables(last, now);
    if (changed.length) lines.push(`refused with ${a.status} but changed: ${changed.join(', ')}`);
  }
  last = now;
  const s = statuses.get(op.key) ?? new Map<number, number>();
  s.set(a.status, (s.get(a.status) ?? 0) + 1);
  statuses.set(op.key, s);
  if (lines.length)
    throw failure(`${op.key}: ${r.method} ${r.url.slice(0, 300)}\n  ${r.note.slice(0, 600)}\n  → ${a.status} ${a.contentType} ${a.text.slice(0, 300)}`, lines);
}

/**
 * Real bodies per operation, mutated alongside the generated ones. The mail-sender fixtures,
 * with every signing-certificate URL off Amazon's hosts: the fuzz never fetches over the network.
 */
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../mailsender/fixtures/${name}`, import.meta.url), 'utf8').replaceAll('amazonaws.com', 'amazonaws.invalid')) as unknown;
const examples: Record<string, unknown[]> = {
  'POST /v1/events/mail-sender': [
    'postmark-bounce.json',
    'postmark-spam-complaint.json',
    'postmark-subscription-change.json',
    'ses-bounce-with-dsn.json',
    'ses-complaint-with-feedback.json',
    'ses-delivery.json',
    'sns-notification.json',
    'sns-subscription-confirmation.json',
  ].map(fixture),
  // The inbound samples (test/unsubscribe/fixtures), raw and inside an SNS Notification.
  'POST /v1/events/inbound': [
    JSON.parse(readFileSync(new URL('../unsubscribe/fixtures/postmark-inbound.json', import.meta.url), 'utf8')) as unknown,
    JSON.parse(readFileSync(new URL('../unsubscribe/fixtures/ses-receipt-sns-action.json', import.meta.url), 'utf8')) as unknown,
    {
      ...(fixture('sns-notification.json') as Record<string, unknown>),
      Message: readFileSync(new URL('../unsubscribe/fixtures/ses-receipt-sns-action.json', import.meta.url), 'utf8'),
    },
  ],
};

const bodyLimitOf = (op: Operation) => (op.path.startsWith('/v1/campaigns/') ? null : h.config.apiBodyLimitBytes);

describe('the API, fuzzed from /openapi.json', () => {
  it('walks every operation of the document', () => {
    expect(ops.length).toBeGreaterThanOrEqual(21);
    expect(KNOWN_MISMATCHES.every((m) => ops.some((op) => op.key === m.operation))).toBe(true);
  });

  it('answers a conditional feed read with its ETag as it declares (304, no body)', async () => {
    const op = ops.find((o) => o.key === 'GET /v1/suppressions')!;
    for (const format of ['ndjson', 'csv', 'json']) {
      const first = await h.app.request(`/v1/suppressions?format=${format}`, { headers: { authorization: auth } });
      await first.text();
      const etag = first.headers.get('etag');
      expect(etag, format).toBeTruthy();
      const r: FuzzRequest = {
        url: `/v1/suppressions?format=${format}`,
        method: 'GET',
        headers: { authorization: auth, 'if-none-match': etag! },
        note: `If-None-Match ${etag}`,
      };
      await check(op, r);
      expect(statuses.get(op.key)?.get(304) ?? 0).toBeGreaterThan(0);
    }
  });

  for (const op of ops) {
    describe(op.key, () => {
      it(
        'answers requests valid against its schemas as it declares',
        async () => {
          await fc.assert(
            fc.asyncProperty(validRequest(op, auth, opts), (r) => check(op, r)),
            fcSeed({ numRuns: VALID_RUNS, endOnFailure: true }),
          );
        },
        60_000 * SCALE,
      );

      it(
        'refuses hostile requests with a declared problem, no 5xx, no hang, and changes nothing',
        async () => {
          await fc.assert(
            fc.asyncProperty(hostileRequest(op, auth, { ...opts, bodyLimit: bodyLimitOf(op), examples: examples[op.key] }), (r) => check(op, r)),
            fcSeed({ numRuns: HOSTILE_RUNS, endOnFailure: true }),
          );
        },
        60_000 * SCALE,
      );
    });
  }
});
