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
const concrete = (path: string) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'action' ? 'complete' : name === 'campaignId' ? 'matrix' : '00000000-0000-4000-8000-000000000000'));

// The imports take a CSV file (text/csv); every other write takes JSON.
const isImport = (op: Operation) => op.path.startsWith('/v1/imports/');

const call = (op: Operation, authorization?: string) =>
  h.app.request(concrete(op.path), {
    method: op.method,
    headers: { 'content-type': isImport(op) ? 'text/csv' : 'application/json', 'x-purpose': 'auth matrix', ...(authorization ? { authorization } : {}) },
    ...(op.method === 'GET' ? {} : { body: isImport(op) ? 'email\n' : '{}' }),
  });

const scopesOf = (op: Operation): Scope[] => op.declared ?? [];

async function expectProblem(res: Response, status: number, what: string) {
  expect(res.status, what).toBe(status);
  expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
  expect((await res.json()) as { status: number }, what).toMatchObject({ status });
}

describe('every authenticated operation of the OpenAPI document', () => {
  it('finds the staff operations (the document is read, not empty)', () => {
    expect(ops.length).toBeGreaterThanOrEqual(21);
  });

  it('names the scopes it needs in its security requirement (routes declare them with scoped())', () => {
    expect(ops.filter((op) => scopesOf(op).length === 0).map((op) => op.key)).toEqual([]);
    expect(
      ops.flatMap((op) =>
        scopesOf(op)
          .filter((s) => !SCOPES.includes(s))
          .map((s) => `${op.key}: ${s}`),
      ),
    ).toEqual([]);
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

  it('lets each scope it names through (the document names what the check accepts)', async () => {
    for (const op of ops) {
      for (const scope of scopesOf(op)) {
        const res = await call(op, await h.bearer(scope));
        expect([401, 403], `${op.key} with ${scope}: ${res.status}`).not.toContain(res.status);
      }
    }
  });
});
