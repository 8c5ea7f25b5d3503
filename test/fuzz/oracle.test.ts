import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaArbitrary } from '../helpers/fuzz-schema.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { fcSeed } from '../helpers/seed.js';
import { changedTables, createValidator, fingerprint, Hang, type OpenApiDoc, type Operation, operationsOf, problemsWith, withTimeout } from './oracle.js';
import { jsonBodySchema } from './requests.js';

/**
 * The fuzz suite's own checks, shown able to fail: a passing fuzz run means something only if
 * the oracle catches a 5xx, an HTML error, an undeclared status, a body off its schema and a
 * write; and the generator's "valid" values really are valid.
 */

let h: Harness;
let doc: OpenApiDoc;
let ops: Operation[];
let validate: ReturnType<typeof createValidator>;
beforeAll(async () => {
  h = await createHarness();
  doc = (await (await h.app.request('/openapi.json')).json()) as OpenApiDoc;
  ops = operationsOf(doc);
  validate = createValidator(doc);
});
afterAll(() => h?.close());

const op = () => ops.find((o) => o.key === 'POST /v1/links')!;
const problem = (status: number) => JSON.stringify({ type: 'about:blank', title: 't', status, code: 'x' });

describe('the fuzz oracle', () => {
  it('passes a declared answer that matches its schema', () => {
    expect(problemsWith(op(), { status: 200, contentType: 'application/json', text: '{"links":[],"unknown":[]}' }, validate)).toEqual([]);
    expect(problemsWith(op(), { status: 422, contentType: 'application/problem+json', text: problem(422) }, validate)).toEqual([]);
  });

  it('catches a 5xx, an error that is not problem+json, an undeclared status, a body off its schema', () => {
    expect(problemsWith(op(), { status: 500, contentType: 'application/problem+json', text: problem(500) }, validate).join()).toMatch(/server error/);
    expect(problemsWith(op(), { status: 400, contentType: 'text/html', text: '<p>no</p>' }, validate).join()).toMatch(/not application\/problem\+json/);
    expect(problemsWith(op(), { status: 418, contentType: 'application/problem+json', text: problem(418) }, validate).join()).toMatch(
      /not a declared response/,
    );
    expect(problemsWith(op(), { status: 200, contentType: 'application/json', text: '{"links":[{"subject":1}]}' }, validate).join()).toMatch(
      /must have required property 'unknown'/,
    );
    expect(problemsWith(op(), { status: 200, contentType: 'text/plain', text: 'ok' }, validate).join()).toMatch(/declared: application\/json/);
    expect(problemsWith(op(), { status: 422, contentType: 'application/problem+json', text: problem(400) }, validate).join()).toMatch(
      /problem says status 400/,
    );
    expect(problemsWith(op(), { status: 422, contentType: 'application/problem+json', text: '{"status":422}' }, validate).join()).toMatch(
      /does not match Problem/,
    );
  });

  it('lets a router-level 404 through only where a path parameter was mutated', () => {
    const cadence = ops.find((o) => o.key === 'GET /v1/subjects/{id}/cadence')!;
    const links = op();
    expect(problemsWith(links, { status: 404, contentType: 'application/problem+json', text: problem(404) }, validate)).not.toEqual([]);
    expect(problemsWith(cadence, { status: 404, contentType: 'application/problem+json', text: problem(404) }, validate, { pathEscaped: true })).toEqual([]);
  });

  it('sees a write in any table, the audit log and the suppression sequence included', async () => {
    const before = await fingerprint(h.db);
    expect(Object.keys(before).length).toBeGreaterThanOrEqual(17);
    expect(changedTables(before, await fingerprint(h.db))).toEqual([]);
    await h.db
      .insertInto('audit_log')
      .values({ key_id: null, subject_id: null, action: 'oracle.test', purpose: null, request_id: null, occurred_at: h.clock.now() })
      .execute();
    const after = await fingerprint(h.db);
    expect(changedTables(before, after)).toEqual(['audit_log']);
    await h.db.updateTable('audit_log').set({ purpose: 'changed' }).where('action', '=', 'oracle.test').execute();
    expect(changedTables(after, await fingerprint(h.db))).toEqual(['audit_log']);
  });

  it('calls a request that never answers a hang', async () => {
    await expect(withTimeout(new Promise(() => {}), 20, 'a request')).rejects.toBeInstanceOf(Hang);
  });
});

describe('the schema generator', () => {
  it('makes request bodies and parameters that validate against the document', () => {
    // The mail-sender's providers included: each branch of its oneOf names what tells it apart.
    const withBody = ops.filter((o) => jsonBodySchema(o));
    expect(withBody.length).toBeGreaterThanOrEqual(12);
    for (const o of withBody) {
      const schema = jsonBodySchema(o)!;
      fc.assert(
        fc.property(schemaArbitrary(schema, { root: doc }), (v) => {
          const bad = validate(schema, v);
          if (bad) throw new Error(`${o.key}: ${bad}: ${JSON.stringify(v)}`);
        }),
        fcSeed({ numRuns: 50 }),
      );
    }
    for (const o of ops)
      for (const p of o.parameters) {
        fc.assert(
          fc.property(schemaArbitrary(p.schema, { root: doc }), (v) => validate(p.schema, v) === null),
          fcSeed({ numRuns: 30 }),
        );
      }
  });
});
