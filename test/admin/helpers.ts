import { expect } from 'vitest';
import { createApiKey, type Scope } from '../../src/auth/keys.js';
import type { Harness } from '../helpers/harness.js';

/** A dashboard session: its cookie header, its CSRF token, the key behind it. */
export interface Signed {
  cookie: string;
  csrf: string;
  keyId: string;
  key: string;
}

/** The `name=value` of a Set-Cookie for the session cookie, or null. */
export function sessionCookie(res: Response): string | null {
  const set = res.headers.getSetCookie().find((v) => v.startsWith('mp_admin='));
  return set ? set.split(';')[0]! : null;
}

/** POSTs a form like a browser on our own page would (same-origin). */
export function postForm(h: Harness, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return h.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The CSRF token a dashboard page carries. */
export async function csrfOf(h: Harness, cookie: string, path = '/admin'): Promise<string> {
  const res = await h.app.request(path, { headers: { cookie } });
  expect(res.status).toBe(200);
  const m = /name="csrf" value="([^"]+)"/.exec(await res.text());
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}

/** Creates a key with these scopes and signs in with it. */
export async function signIn(h: Harness, ...scopes: Scope[]): Promise<Signed> {
  const { id, key } = await createApiKey(h.db, { name: `dash-${scopes.join('+')}`, scopes }, h.clock.now());
  return signInWith(h, id, key);
}

/** Signs in with an existing key. */
export async function signInWith(h: Harness, keyId: string, key: string): Promise<Signed> {
  const res = await postForm(h, '/admin/login', { key });
  expect(res.status).toBe(303);
  const cookie = sessionCookie(res);
  if (!cookie) throw new Error('no session cookie');
  return { cookie, csrf: await csrfOf(h, cookie), keyId, key };
}
