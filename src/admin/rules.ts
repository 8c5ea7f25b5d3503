import { type ApiKeyIdentity, hasScope, type Scope } from '../auth/keys.js';

/**
 * The dashboard's pure rules: who may sign in and see what, where a sign-in may send the
 * browser on to, and which posts come from our own pages. No I/O.
 */

/** The scopes that may sign in to the dashboard at all. */
export const SIGN_IN_SCOPES: readonly Scope[] = ['requests:manage'];

/** The dashboard's sections and the scope each needs (`admin` holds every scope). */
export const SECTION_SCOPE = {
  requests: 'requests:manage',
  charts: 'admin',
  cadence: 'admin',
  outbox: 'admin',
  mailbox: 'admin',
  keys: 'admin',
} as const satisfies Record<string, Scope>;

export type Section = keyof typeof SECTION_SCOPE;

/** Whether this key may enter this section. */
export function maySee(key: ApiKeyIdentity, section: Section): boolean {
  return hasScope(key, [SECTION_SCOPE[section]]);
}

/**
 * Where to go after signing in: a path of the dashboard, else the dashboard's start. Anything
 * that could leave it (`//evil.example`, `/\evil`, `https://…`, `/admin@evil`, control
 * characters) falls back to `/admin`.
 *
 * @example
 * safeNext('/admin/outbox')          // '/admin/outbox'
 * safeNext('//evil.example/admin')   // '/admin'
 */
export function safeNext(next: string | undefined | null): string {
  const fallback = '/admin';
  if (!next || next.length > 512) return fallback;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return fallback;
  if (!/^\/admin(?:[/?#]|$)/.test(next) || next.includes('//')) return fallback;
  try {
    const u = new URL(next, 'http://dashboard.invalid');
    if (u.origin !== 'http://dashboard.invalid' || !/^\/admin(?:\/|$)/.test(u.pathname)) return fallback;
    return u.pathname + u.search;
  } catch {
    return fallback;
  }
}

/**
 * Whether a state-changing request comes from somewhere else. `Sec-Fetch-Site` decides when the
 * browser sends it (every current one does; a page cannot forge it): only `same-origin` passes.
 * Without it, an `Origin` that is not ours is refused (`null` included). Our pages send no
 * referrer, so Chromium's own posts carry `Origin: null`: that is why the fetch metadata comes
 * first. Clients that send neither (scripts) are judged by the CSRF token alone.
 */
export function crossSite(h: { origin: string | undefined; secFetchSite: string | undefined }, ownOrigins: readonly string[]): boolean {
  if (h.secFetchSite) return h.secFetchSite !== 'same-origin';
  return h.origin !== undefined && h.origin !== '' && !ownOrigins.includes(h.origin);
}

/** Whole days a due date is past `now` (0 while it is within the first day). */
export function daysOverdue(dueAt: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - dueAt.getTime()) / 86_400_000));
}
