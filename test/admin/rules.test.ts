import { describe, expect, it } from 'vitest';
import { crossSite, daysOverdue, safeNext } from '../../src/admin/rules.js';
import { readSessionCookie, sessionCookieHeader } from '../../src/admin/session.js';

describe('safeNext', () => {
  it('keeps a dashboard path with its query', () => {
    expect(safeNext('/admin/requests/x?purpose=a')).toBe('/admin/requests/x?purpose=a');
    expect(safeNext('/admin')).toBe('/admin');
  });
  it.each([
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    'https://evil.example/admin',
    'http:/admin',
    '/admin@evil.example',
    '/administrator',
    '/admin/../u/x',
    '/admin/%2e%2e/x',
    '/admin\n/x',
    ' /admin',
    `/admin/${'x'.repeat(600)}`,
    undefined,
  ])('sends %j to /admin', (next) => {
    const out = safeNext(next);
    expect(out === '/admin' || /^\/admin\//.test(out)).toBe(true);
    expect(new URL(out, 'https://prefs.example.ru').host).toBe('prefs.example.ru');
  });
});

describe('crossSite', () => {
  const own = ['https://prefs.example.ru'];
  it('believes fetch metadata first', () => {
    expect(crossSite({ secFetchSite: 'same-origin', origin: 'null' }, own)).toBe(false);
    expect(crossSite({ secFetchSite: 'same-site', origin: 'https://prefs.example.ru' }, own)).toBe(true);
    expect(crossSite({ secFetchSite: 'cross-site', origin: undefined }, own)).toBe(true);
    expect(crossSite({ secFetchSite: 'none', origin: undefined }, own)).toBe(true);
  });
  it('falls back to Origin, refusing null and foreign ones', () => {
    expect(crossSite({ secFetchSite: undefined, origin: 'https://prefs.example.ru' }, own)).toBe(false);
    expect(crossSite({ secFetchSite: undefined, origin: 'null' }, own)).toBe(true);
    expect(crossSite({ secFetchSite: undefined, origin: 'https://prefs.example.ru.evil.example' }, own)).toBe(true);
    expect(crossSite({ secFetchSite: undefined, origin: undefined }, own)).toBe(false);
  });
});

describe('the session cookie', () => {
  it('is read from among other cookies, the first of its name', () => {
    expect(readSessionCookie('a=1; mp_admin=abc.def; mp_admin=zzz')).toBe('abc.def');
    expect(readSessionCookie('mp_adminx=1')).toBeUndefined();
    expect(readSessionCookie(undefined)).toBeUndefined();
  });
  it('is set httpOnly, SameSite=Strict, on /admin, Secure only on https', () => {
    expect(sessionCookieHeader('v', { maxAge: 60, secure: true })).toBe('mp_admin=v; Max-Age=60; Path=/admin; HttpOnly; SameSite=Strict; Secure');
    expect(sessionCookieHeader('v', { maxAge: 60, secure: false })).not.toContain('Secure');
  });
});

it('counts whole days overdue', () => {
  const due = new Date('2026-03-01T00:00:00Z');
  expect(daysOverdue(due, new Date('2026-03-01T12:00:00Z'))).toBe(0);
  expect(daysOverdue(due, new Date('2026-03-03T01:00:00Z'))).toBe(2);
  expect(daysOverdue(due, new Date('2026-02-01T00:00:00Z'))).toBe(0);
});
