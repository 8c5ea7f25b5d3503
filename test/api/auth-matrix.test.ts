import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES, type Scope } from '../../src/auth/keys.js';
import { createHarness, type Harness } from '../helpers/harness.js';

/**
 * Every operation of the OpenAPI document, asked without a key, with a bad key, with a key that
 * has no scope and with a key holding every scope except the ones it needs: 401, 401, 403, 403,
 * each as problem+json. So no route ships without a scope check (Unkey's shared role tests
 * are the model). The scopes an operation needs come from the document: its `security`
 * requirement names them (`[{ bearer: ['subjects:read'] }]`, OpenAPI 3.1 role names).
 */

/**
 * Operations whose document does not name their scopes yet, with the scopes `requireScope`
 * checks in their route. Only shrinks: a route added without naming its scopes in `security`
 * fails below, and an entry whose route now names them fails until removed.
 */
const NOT_DECLARED_YET: Record<string, Scope[]> = {
  'POST /v1/subjects': ['leads:write'],
  'GET /v1/subjects': ['subjects:read'],
  'GET /v1/subjects/{id}': ['subjects:read'],
  'PATCH /v1/subjects/{id}': ['subjects:write'],
  'GET /v1/subjects/{id}/export': ['subjects:read'],
  'PUT /v1/subjects/{id}/restriction': ['subjects:write'],
  'POST /v1/subjects/{id}/disclosures': ['requests:manage'],
  'GET /v1/subjects/{id}/cadence': ['subjects:read', 'sends:write'],
  'PUT /v1/subjects/{id}/preferences': ['subjects:write'],
  'POST /v1/subjects/{id}/requests': ['requests:manage'],
  'GET /v1/requests': ['requests:manage'],
  'POST /v1/requests/{id}/{action}': ['requests:manage'],
  'GET /v1/metrics': ['requests:manage'],
  'GET /v1/audit': ['admin'],
  'POST /v1/links': ['links:write'],
  'GET /v1/suppressions': ['suppressions:read', 'suppressions:read:hashed'],
  'POST /v1/suppressions': ['suppressions:write'],
  'POST /v1/events/mail-sender': ['mail-sender:events'],
  'POST /v1/campaigns/{campaignId}/reservations': ['sends:write'],
  'POST /v1/campaigns/{campaignId}/sent': ['sends:write'],
  'POST /v1/campaigns/{campaignId}/release': ['sends:write'],
};

interface Operation {
  key: string;
  method: string;
  path: string;
  declared: Scope[] | null;
}

let h: Harness;
let ops: Operation[];
beforeAll(async () => {
  h = await createHarness();
  const doc = (await (await h.app.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
  };
  ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, op]) => op.security?.length)
      .map(([method, op]) => {
        const named = op.security!.flatMap((s) => Object.values(s).flat()) as Scope[];
        return { key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, declared: named.length ? named : null };
      }),
  );
});
afterAll(() => h.close());

/** The path with each `{param}` filled (an id that exists nowhere: authorization comes first). */
const concrete = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'action' ? 'complete' : name === 'campaignId' ? 'matrix' : '00000000-0000-4000-8000-000000000000'));

const call = (op: Operation, authorization?: string) =>
  h.app.request(concrete(op.path), {
    method: op.method,
    headers: { 'content-type': 'application/json', 'x-purpose': 'auth matrix', ...(authorization ? { authorization } : {}) },
    ...(op.method === 'GET' ? {} : { body: '{}' }),
  });

const scopesOf = (op: Operation): Scope[] => op.declared ?? NOT_DECLARED_YET[op.key] ?? [];

async function expectProblem(res: Response, status: number, what: string) {
  expect(res.status, what).toBe(status);
  expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
  expect((await res.json()) as { status: number }, what).toMatchObject({ status });
}

describe('every authenticated operation of the OpenAPI document', () => {
  it('finds the staff operations (the document is read, not empty)', () => {
    expect(ops.length).toBeGreaterThanOrEqual(Object.keys(NOT_DECLARED_YET).length);
  });

  it('names the scopes it needs (in its security requirement, or for now in NOT_DECLARED_YET)', () => {
    expect(ops.filter((op) => scopesOf(op).length === 0).map((op) => op.key)).toEqual([]);
    // Nothing stays listed once its route declares, or after it is gone.
    const live = new Map(ops.map((op) => [op.key, op]));
    expect(Object.keys(NOT_DECLARED_YET).filter((k) => !live.has(k) || live.get(k)!.declared)).toEqual([]);
  });

  it('answers 401 problem+json without a key and with a bad key', async () => {
    for (const op of ops) {
      await expectProblem(await call(op), 401, `${op.key} without a key`);
      await expectProblem(await call(op, 'Bearer pk_not_a_real_key_0123456789'), 401, `${op.key} with a bad key`);
    }
  });

  it('answers 403 problem+json to a key without scopes and to a key holding every scope but the ones it needs', async () => {
    const none = await h.bearer();
    for (const op of ops) {
      const needed = scopesOf(op);
      await expectProblem(await call(op, none), 403, `${op.key} with no scope`);
      const others = SCOPES.filter((s) => s !== 'admin' && !needed.includes(s));
      const allBut = await h.bearer(...others);
      await expectProblem(await call(op, allBut), 403, `${op.key} with ${others.join(' ')}`);
    }
  });
});
