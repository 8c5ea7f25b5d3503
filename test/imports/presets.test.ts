import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImportDeps, runImport } from '../../src/imports/actions.js';
import { PRESET_NAMES } from '../../src/imports/presets.js';
import { reportPages } from '../../src/imports/queries.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { textChunks } from './helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
let h: Harness;
let deps: ImportDeps;

beforeAll(async () => {
  h = await createHarness();
  deps = { hasher: h.deps.hasher, newId: () => crypto.randomUUID(), now: () => h.clock.now(), defaultLocale: 'ru' };
});
afterAll(() => h.close());

async function load(file: string, kind: 'subjects' | 'suppressions', preset: string) {
  const r = await runImport(h.db, deps, { kind, preset, text: textChunks(readFileSync(join(FIXTURES, file), 'utf8'), 97), source: preset, fileName: file });
  if (r.kind !== 'done') throw new Error(JSON.stringify(r));
  let report = '';
  for await (const p of reportPages(h.db, r.id!)) report += p;
  return { ...r, report };
}

async function person(email: string) {
  const s = await h.db.selectFrom('subjects').selectAll().where('email', '=', email).executeTakeFirst();
  if (!s) return null;
  const consents = await h.db.selectFrom('consents').select(['purpose', 'state']).where('subject_id', '=', s.id).orderBy('purpose').execute();
  const ledger = await sql<{ action: string; purpose: string; occurred_at: Date; ip: string | null; details: unknown }>`
    select action, purpose, occurred_at, ip, details from consent_events where subject_id = ${s.id} and purpose = 'marketing' order by id`.execute(h.db);
  return { ...s, consents: Object.fromEntries(consents.map((c) => [c.purpose, c.state])), marketingLedger: ledger.rows };
}

async function suppression(email: string) {
  return h.db.selectFrom('suppressions').select(['reason', 'active']).where('email', '=', email).executeTakeFirst();
}

describe('presets, each on a sample in its real format', () => {
  it('listmonk: name split, no opt-in time so consent none, blocklisted → unsubscribed suppression', async () => {
    const r = await load('listmonk-subscribers.csv', 'subjects', 'listmonk');
    expect(r.counts).toMatchObject({ rows: 3, created: 2, granted: 0, consentNone: 2, suppressed: 1 });
    expect(await person('anna.smirnova@example.org')).toMatchObject({
      first_name: 'Anna',
      last_name: 'Smirnova',
      consents: { marketing: 'none', processing: 'granted' },
    });
    expect(await person('boris@example.org')).toBeNull();
    expect(await suppression('boris@example.org')).toEqual({ reason: 'unsubscribed', active: true });
    expect(r.report).toContain('2,no_consent_evidence');
  });

  it('mautic: fields by alias, the first non-empty phone, locale from preferred_locale', async () => {
    const r = await load('mautic-contacts.csv', 'subjects', 'mautic');
    expect(r.counts).toMatchObject({ rows: 2, created: 2, granted: 0 });
    expect(await person('d.orlov@example.net')).toMatchObject({
      first_name: 'Dmitry',
      last_name: 'Orlov',
      organization: 'Orlov & Co',
      phone: '+7 900 000-00-01',
      city: 'Moscow',
      website: 'https://orlov.example.net',
      locale: 'ru',
    });
    expect(await person('elena.petrova@example.net')).toMatchObject({ phone: '8 (495) 000-00-02', locale: 'en' });
  });

  it('mailchimp: OPTIN_TIME and OPTIN_IP are the evidence, CONFIRM_TIME when there is no opt-in time; none without either', async () => {
    const r = await load('mailchimp-subscribed_members_export.csv', 'subjects', 'mailchimp');
    expect(r.counts).toMatchObject({ rows: 3, created: 3, granted: 2, consentNone: 1 });
    const g = await person('galina@example.com');
    expect(g).toMatchObject({ first_name: 'Galina', last_name: 'Ivanova', phone: '+7 812 000 0003', consents: { marketing: 'granted' } });
    expect(new Date(g!.marketingLedger[0]!.occurred_at).toISOString()).toBe('2021-05-06T07:08:09.000Z');
    expect(g!.marketingLedger[0]!.ip).toBe('203.0.113.5');
    const i = await person('igor@example.com');
    expect(new Date(i!.marketingLedger[0]!.occurred_at).toISOString()).toBe('2022-02-02T02:02:02.000Z');
    expect(i!.marketingLedger[0]!.ip).toBe('198.51.100.9');
    expect(await person('kira@example.com')).toMatchObject({ consents: { marketing: 'none' } });
    expect(r.report).toMatch(/^4,no_consent_evidence,/m);
  });

  it('mailchimp: the unsubscribed and cleaned members files become suppressions, never people', async () => {
    const u = await load('mailchimp-unsubscribed_members_export.csv', 'subjects', 'mailchimp');
    const c = await load('mailchimp-cleaned_members_export.csv', 'subjects', 'mailchimp');
    expect(u.counts).toMatchObject({ created: 0, suppressed: 1 });
    expect(c.counts).toMatchObject({ created: 0, suppressed: 1 });
    expect(await person('leonid@example.com')).toBeNull();
    expect(await suppression('leonid@example.com')).toEqual({ reason: 'unsubscribed', active: true });
    expect(await suppression('maria@example.com')).toEqual({ reason: 'bounced', active: true });
    // The same files through the suppressions preset change nothing more.
    const again = await load('mailchimp-cleaned_members_export.csv', 'suppressions', 'mailchimp-suppressions');
    expect(again.counts).toMatchObject({ suppressed: 0, alreadySuppressed: 1 });
  });

  it('unisender: semicolons and a BOM, email_confirm_time is the evidence, unsubscribed status → suppression', async () => {
    const r = await load('unisender-contacts.csv', 'subjects', 'unisender');
    expect(r.counts).toMatchObject({ rows: 3, created: 2, granted: 1, consentNone: 1, suppressed: 1 });
    const n = await person('nina@example.ru');
    expect(n).toMatchObject({ first_name: 'Нина', last_name: 'Соколова', phone: '+79000000005', consents: { marketing: 'granted' } });
    expect(n!.marketingLedger[0]!.ip).toBe('198.51.100.20');
    expect(await suppression('oleg@example.ru')).toEqual({ reason: 'unsubscribed', active: true });
    expect(await person('pavel@example.ru')).toMatchObject({ consents: { marketing: 'none' } });
  });

  it.each([
    ['sendgrid-bounces', 'rita@example.net', 'bounced'],
    ['sendgrid-blocks', 'semyon@example.net', 'manual'],
    ['sendgrid-spam-reports', 'tanya@example.net', 'complained'],
    ['sendgrid-global-unsubscribes', 'ulyana@example.net', 'unsubscribed'],
    ['sendgrid-unsubscribes', 'fedor@example.net', 'unsubscribed'],
  ])('%s: every row a suppression with its reason', async (preset, email, reason) => {
    const r = await load(`${preset}.csv`, 'suppressions', preset);
    expect(r.counts).toMatchObject({ rows: 1, suppressed: 1 });
    expect(await suppression(email)).toEqual({ reason, active: true });
  });

  it('every preset has a sample here', () => {
    const tested = [
      'listmonk',
      'mautic',
      'mailchimp',
      'unisender',
      'mailchimp-suppressions',
      'sendgrid-bounces',
      'sendgrid-blocks',
      'sendgrid-spam-reports',
      'sendgrid-global-unsubscribes',
      'sendgrid-unsubscribes',
    ];
    expect([...PRESET_NAMES].sort()).toEqual(tested.sort());
  });

  it('a preset of the other kind, an unknown preset and a file without the address column are refused before anything is written', async () => {
    const mk = (preset: string, text = 'email\na@b.ru\n') => runImport(h.db, deps, { kind: 'subjects', preset, text: textChunks(text), source: 't' });
    expect((await mk('sendgrid-bounces')).kind).toBe('bad_header');
    expect((await mk('nope')).kind).toBe('bad_header');
    const r = await mk('mailchimp', 'Email,Name\na@b.ru,x\n');
    expect(r).toMatchObject({ kind: 'bad_header' });
    expect(JSON.stringify(r)).toContain('Email Address');
  });
});
