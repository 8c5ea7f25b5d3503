import type { Config } from '../config/index.js';
import type { Locale } from '../pages/i18n.js';

/**
 * The dashboard's session: a cookie holding which API key signed in, a random session id and
 * when it ends, sealed with HMAC-SHA-256. Nothing is stored server-side; every request opens
 * the cookie and then checks the key is still live and holds its scopes (routes.tsx), so a
 * revoked key ends its sessions at once. Web Crypto only: it runs on Workers too.
 */

export const SESSION_COOKIE = 'mp_admin';

/** What a session cookie holds: the key's id (never the key), a random id, its end, the language. */
export interface AdminSession {
  keyId: string;
  /** Random per sign-in: the CSRF token is bound to it. */
  sid: string;
  /** Expiry, ms since the epoch. */
  exp: number;
  locale: Locale;
}

const enc = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(s: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

// Without ADMIN_SESSION_KEY nor SUPPRESSION_HASH_KEY (development on generated secrets) the
// process makes its own: sessions then end when it restarts, which development can live with.
let processSecret: string | undefined;

/**
 * The HMAC key of sessions and CSRF tokens: HKDF-SHA-256 of `ADMIN_SESSION_KEY`, else of
 * `SUPPRESSION_HASH_KEY` (required in production) under its own label, so the dashboard never
 * uses the hash key itself and one cannot stand in for the other.
 *
 * @example
 * const key = await sessionKey(config);
 */
export async function sessionKey(config: Pick<Config, 'admin' | 'suppressionHashKey'>): Promise<CryptoKey> {
  let secret = config.admin.sessionKey ?? config.suppressionHashKey;
  if (!secret) {
    processSecret ??= b64url(crypto.getRandomValues(new Uint8Array(32)));
    secret = processSecret;
  }
  const base = await crypto.subtle.importKey('raw', enc.encode(secret), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: enc.encode('mailprefs'), info: enc.encode('admin-session-v1') },
    base,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign', 'verify'],
  );
}

async function mac(key: CryptoKey, label: string, data: string): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(`${label}.${data}`))));
}

/** The cookie value for a session: payload and MAC, both base64url. */
export async function sealSession(key: CryptoKey, s: AdminSession): Promise<string> {
  const payload = b64url(enc.encode(JSON.stringify({ k: s.keyId, s: s.sid, e: s.exp, l: s.locale })));
  return `${payload}.${await mac(key, 'session', payload)}`;
}

/** A new session for this key, ending `hours` from `now`. */
export function newSession(keyId: string, locale: Locale, now: Date, hours: number): AdminSession {
  return { keyId, sid: b64url(crypto.getRandomValues(new Uint8Array(18))), exp: now.getTime() + hours * 3_600_000, locale };
}

/**
 * The session a cookie value holds, or null: a bad MAC (forged or tampered), a bad shape, or
 * past its end. The MAC is checked by `crypto.subtle.verify` (constant time) before anything
 * of the payload is read.
 */
export async function openSession(key: CryptoKey, value: string | undefined, now: Date): Promise<AdminSession | null> {
  if (!value || value.length > 1024) return null;
  const [payload, tag, extra] = value.split('.');
  if (!payload || !tag || extra !== undefined) return null;
  const sig = fromB64url(tag);
  if (sig?.length !== 32) return null;
  if (!(await crypto.subtle.verify('HMAC', key, sig, enc.encode(`session.${payload}`)))) return null;
  let p: unknown;
  try {
    p = JSON.parse(new TextDecoder().decode(fromB64url(payload) ?? new Uint8Array()));
  } catch {
    return null;
  }
  const o = p as { k?: unknown; s?: unknown; e?: unknown; l?: unknown };
  if (typeof o.k !== 'string' || typeof o.s !== 'string' || typeof o.e !== 'number' || (o.l !== 'ru' && o.l !== 'en')) return null;
  if (o.e <= now.getTime()) return null;
  return { keyId: o.k, sid: o.s, exp: o.e, locale: o.l };
}

/** The CSRF token of a session: a MAC of its id, so it is worthless with any other session. */
export function csrfToken(key: CryptoKey, s: AdminSession): Promise<string> {
  return mac(key, 'csrf', s.sid);
}

/** Whether a posted token is this session's (constant-time). */
export async function csrfValid(key: CryptoKey, s: AdminSession, token: string | undefined): Promise<boolean> {
  const sig = token ? fromB64url(token) : null;
  if (sig?.length !== 32) return false;
  return crypto.subtle.verify('HMAC', key, sig, enc.encode(`csrf.${s.sid}`));
}

/** The session cookie's value in a `Cookie` header: the first one (browsers send the most specific path first). */
export function readSessionCookie(header: string | undefined): string | undefined {
  let found: string | undefined;
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) found ??= part.slice(eq + 1).trim();
  }
  return found;
}

/**
 * The `Set-Cookie` value of a session (or, with an empty value and `maxAge` 0, of its removal):
 * httpOnly, SameSite=Strict, only under /admin, Secure on https. Written here rather than with
 * hono/cookie: the one cookie the service sets, for the Worker bundle's sake.
 */
export function sessionCookieHeader(value: string, opts: { maxAge: number; secure: boolean }): string {
  return `${SESSION_COOKIE}=${value}; Max-Age=${opts.maxAge}; Path=/admin; HttpOnly; SameSite=Strict${opts.secure ? '; Secure' : ''}`;
}
