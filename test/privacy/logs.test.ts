import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/auth/keys.js';
import { runJobs } from '../../src/jobs/run.js';
import { generateSigningJwk } from '../../src/links/tokens.js';
import { smtpMailer } from '../../src/node/mailer.js';
import { createPushSigner } from '../../src/pushes/push.js';
import { createHarness, type Harness, jsonRequest } from '../helpers/harness.js';
import { captureLogs, findSecrets, type Secret } from '../helpers/log-capture.js';
import { formsOf, submitForm } from '../helpers/pages.js';
import { type Inbox, startSmtp } from '../helpers/smtp.js';

/**
 * Logs carry ids and keyed hashes, never personal data or credentials (log lines leave the
 * Russian servers: shipping, screenshots). The suite's main flows run here with every log call
 * recorded at debug level, through a real SMTP server (which refuses one recipient, quoting the
 * address as relays do) and a push receiver that fails once; then every line is searched for
 * every address (and its local part), name, phone (and its digits), link token (and each of its
 * pieces) and API key (and its secret part).
 */

const A = {
  email: 'Ivan.Leakcheck@example.ru',
  lastName: 'Утечкин',
  firstName: 'Секретослав',
  patronymic: 'Логович',
  phone: '+7 912 345-67-89',
  city: 'Тайноградск',
  organization: 'ООО Скрытность',
  website: 'https://leakcheck-site.example',
};
const A_NEW = 'new.leakcheck@example.org';
const B = { email: 'bounce.leakcheck@example.com', lastName: 'Отскоков', phone: '+7 913 222-33-44' };
const C = { email: 'rejected.leakcheck@example.net', lastName: 'Отказов', firstName: 'Непринятий' };
const STRANGER = 'nobody.leakcheck@example.ru';
const APPEAL = 'Жалоба-тайна: откуда у вас мой адрес';
const IP = '203.0.113.77';

const logs = captureLogs();
let h: Harness;
let smtp: Inbox;
let receiver: Server;
let receiverUrl: string;
let receiverCalls = 0;
const keys: string[] = [];
const tokens = new Set<string>();

const collectTokens = (text: string) => {
  for (const m of text.matchAll(/\/[cpwu]\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)) tokens.add(m[1]!);
};

beforeAll(async () => {
  h = await createHarness({ logger: logs.logger, clientIp: IP });
  // The relay refuses one recipient with a 550 that quotes the address, as relays do.
  smtp = await startSmtp({
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('rejected.')) {
        const e = Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected: user unknown`), { responseCode: 550 });
        return cb(e);
      }
      cb();
    },
  });
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(++receiverCalls === 1 ? 500 : 200).end(receiverCalls === 1 ? 'try later' : 'ok'));
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/push`;
});
afterAll(async () => {
  await smtp?.close();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  await h?.close();
});

async function key(): Promise<string> {
  const auth = await h.bearer(...SCOPES);
  keys.push(auth.slice('Bearer '.length));
  return auth;
}

const form = (path: string, fields: Record<string, string>) =>
  h.app.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

const staff = (auth: string, method: string, path: string, body?: unknown) =>
  h.app.request(path, {
    method,
    headers: { authorization: auth, 'x-purpose': 'ticket 42', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function ok(res: Response | Promise<Response>, what: string): Promise<string> {
  const r = await res;
  const text = await r.text();
  collectTokens(text);
  if (r.status >= 400) throw new Error(`${what}: ${r.status} ${text.slice(0, 300)}`);
  return text;
}

async function jobs() {
  const mailer = smtpMailer(`smtp://127.0.0.1:${smtp.port}`, { timeoutMs: 5_000 });
  const push = {
    db: h.db,
    clock: h.clock,
    logger: logs.logger,
    signer: await createPushSigner([await generateSigningJwk('push-1')]),
    endpoints: [receiverUrl],
    random: () => 0.5,
  };
  try {
    await runJobs({
      db: h.db,
      config: h.config,
      logger: logs.logger,
      now: () => h.clock.now(),
      delivery: { db: h.db, mailer, signer: h.deps.signer, config: h.config, clock: h.clock, logger: logs.logger, random: () => 0.5 },
      push,
    });
  } finally {
    await mailer.close();
  }
  for (const m of smtp.mails) collectTokens(`${m.text ?? ''} ${typeof m.html === 'string' ? m.html : ''}`);
}

/** The last mail to this address, with its link of this purpose. */
function linkIn(to: string, p: 'c' | 'p' | 'w' | 'u'): string {
  const mail = [...smtp.mails].reverse().find((m) => JSON.stringify(m.to).toLowerCase().includes(to.toLowerCase()));
  const link = mail?.text?.match(new RegExp(`/${p}/([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)`))?.[1];
  if (!link) throw new Error(`no /${p}/ link in a mail to ${to}`);
  return link;
}

const secrets = (): Secret[] => [
  ...[A.email, A_NEW, B.email, C.email, STRANGER].map((value) => ({ label: `address ${value}`, kind: 'email' as const, value })),
  ...[A.lastName, A.firstName, A.patronymic, B.lastName, C.lastName, C.firstName].map((value) => ({ label: `name ${value}`, kind: 'name' as const, value })),
  ...[A.phone, B.phone].map((value) => ({ label: `phone ${value}`, kind: 'phone' as const, value })),
  ...[A.city, A.organization, A.website, APPEAL, IP].map((value) => ({ label: `personal text ${value}`, kind: 'text' as const, value })),
  ...[...tokens].map((value) => ({ label: 'link token', kind: 'token' as const, value })),
  ...keys.map((value) => ({ label: 'API key', kind: 'api-key' as const, value })),
];

describe('the log scanner', () => {
  it('finds a planted address, local part, name, phone digits, token piece and key secret', () => {
    const planted = captureLogs();
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXBpZWNl';
    const apiKey = 'mpk_0a1b2c3d_S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3c';
    planted.logger.debug('plain', { to: 'IVAN.LEAKCHECK@EXAMPLE.RU' });
    planted.logger.info('local', { user: 'ivan.leakcheck' });
    planted.logger.warn('name', { who: 'Утечкин' });
    planted.logger.error('phone', { n: 79123456789 });
    planted.logger.info('piece', { sig: 'c2lnbmF0dXJlLXBpZWNl' });
    planted.logger.debug('key', { err: new Error('bad key S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3c') });
    planted.logger.info('clean', { subject: '00000000-0000-4000-8000-000000000000', hash: 'ab'.repeat(32) });
    const found = findSecrets(planted.lines, [
      { label: 'address', kind: 'email', value: A.email },
      { label: 'name', kind: 'name', value: A.lastName },
      { label: 'phone', kind: 'phone', value: A.phone },
      { label: 'token', kind: 'token', value: token },
      { label: 'key', kind: 'api-key', value: apiKey },
    ]);
    const lineOf = (l: string) => JSON.parse(l).msg as string;
    expect([...new Set(found.map((f) => lineOf(f.line)))].sort()).toEqual(['key', 'local', 'name', 'phone', 'piece', 'plain']);
  });
});

describe('the logs of the main flows', () => {
  it('hold no address, name, phone, token or API key', async () => {
    const leadKey = await key();
    const auth = await key();
    // Leads, with the evidence and the whole profile; one address submitted twice (known address).
    const { email, ...profile } = A;
    const lead = (e: string, over: Record<string, unknown>) => ({
      email: e,
      consents: { processing: true, marketing: true },
      policyVersion: '2025-06-01',
      source: 'site:leakcheck',
      ip: IP,
      userAgent: 'LeakAgent/9.9',
      ...over,
    });
    const a = JSON.parse(await ok(h.app.request('/v1/subjects', jsonRequest('POST', lead(email, profile), leadKey)), 'lead A')) as { id: string };
    await ok(h.app.request('/v1/subjects', jsonRequest('POST', lead(email, { ...profile, city: 'Другой' }), auth)), 'lead A again');
    const b = JSON.parse(
      await ok(h.app.request('/v1/subjects', jsonRequest('POST', lead(B.email, { lastName: B.lastName, phone: B.phone }), leadKey)), 'lead B'),
    ) as { id: string };
    const c = JSON.parse(
      await ok(h.app.request('/v1/subjects', jsonRequest('POST', lead(C.email, { lastName: C.lastName, firstName: C.firstName }), leadKey)), 'lead C'),
    ) as { id: string };
    await jobs();
    expect(smtp.mails.length).toBeGreaterThanOrEqual(2);

    // Double opt-in from the mailed link.
    const confirm = linkIn(A.email, 'c');
    await ok(h.app.request(`/c/${confirm}`), 'GET /c');
    await ok(h.app.request(`/c/${confirm}`, { method: 'POST' }), 'POST /c');

    // Links, and every public page.
    const links = JSON.parse(
      await ok(h.app.request('/v1/links', jsonRequest('POST', { subjects: [a.id, b.id, c.id], campaignId: 'leak-campaign' }, auth)), 'links'),
    ) as {
      links: { subject: string; unsubscribeUrl: string; preferencesUrl: string; withdrawUrl: string }[];
    };
    const pathOf = (url: string) => new URL(url).pathname;
    const la = links.links.find((l) => l.subject === a.id)!;
    const lb = links.links.find((l) => l.subject === b.id)!;
    const [u, p, w] = [pathOf(la.unsubscribeUrl), pathOf(la.preferencesUrl), pathOf(la.withdrawUrl)];
    for (const path of [u, p, w, `${p}/export`]) await ok(h.app.request(path), `GET ${path.slice(0, 3)}`);

    // The preference center's edits.
    await ok(form(`${p}/frequency`, { frequency: 'monthly', pausedUntil: '' }), 'center frequency');
    await ok(form(`${p}/rectify`, { ...profile, email: A.email, city: `${A.city}-2`, phone: '+7 912 345-67-00' }), 'center rectify');
    await ok(form(`${p}/appeal`, { kind: 'appeal', text: APPEAL }), 'center appeal');

    // Staff: reads, rectification with a new address, blocking, a disclosure, a request and its handling.
    await ok(staff(auth, 'GET', `/v1/subjects?email=${encodeURIComponent(A.email)}`), 'find by address');
    await ok(staff(auth, 'GET', `/v1/subjects/${a.id}`), 'read');
    // Staff paste an address where the id goes: refused, and the path is not logged as it came.
    expect((await staff(auth, 'GET', `/v1/subjects/${encodeURIComponent(A.email)}`)).status).toBe(422);
    expect((await staff(auth, 'GET', `/v1/subjects/${A.email}/cadence`)).status).toBe(422);
    await ok(staff(auth, 'GET', `/v1/subjects/${a.id}/export`), 'export');
    await ok(staff(auth, 'PATCH', `/v1/subjects/${a.id}`, { email: A_NEW, lastName: A.lastName, phone: A.phone }), 'rectify');
    await ok(staff(auth, 'PATCH', `/v1/subjects/${b.id}`, { email: A.email }), 'rectify to a taken address');
    await ok(staff(auth, 'PUT', `/v1/subjects/${b.id}/restriction`, { restricted: true, reason: 'ticket 7' }), 'restrict');
    await ok(staff(auth, 'PUT', `/v1/subjects/${b.id}/restriction`, { restricted: false, reason: 'ticket 8' }), 'lift');
    await ok(staff(auth, 'POST', `/v1/subjects/${a.id}/disclosures`, { recipient: 'Court', legalBasis: 'order 1', data: 'e-mail, name' }), 'disclosure');
    const req = JSON.parse(await ok(staff(auth, 'POST', `/v1/subjects/${a.id}/requests`, { type: 'access', body: APPEAL }), 'file a request')) as {
      id: string;
    };
    await ok(staff(auth, 'POST', `/v1/requests/${req.id}/start`, {}), 'start');
    await ok(staff(auth, 'POST', `/v1/requests/${req.id}/extend`, { reason: 'volume', businessDays: 5 }), 'extend');
    await ok(staff(auth, 'POST', `/v1/requests/${req.id}/complete`, { reason: 'sent' }), 'complete');
    await ok(staff(auth, 'GET', '/v1/requests'), 'list requests');
    await ok(staff(auth, 'GET', '/v1/metrics'), 'metrics');
    await ok(staff(auth, 'GET', '/v1/audit'), 'audit');
    await jobs();
    // The new address confirmed from its own mail.
    await ok(h.app.request(`/c/${linkIn(A_NEW, 'c')}`, { method: 'POST' }), 'confirm the new address');

    // The mail sender's reports: generic events (one bad), and a Postmark bounce.
    await ok(
      h.app.request(
        '/v1/events/mail-sender',
        jsonRequest(
          'POST',
          {
            events: [
              { type: 'soft_bounce', email: B.email, at: '2026-03-02T08:00:00Z', id: 'leak-1', detail: `452 4.2.2 <${B.email}> mailbox full` },
              { type: 'hard_bounce', email: STRANGER, at: '2026-03-02T08:00:00Z', id: 'leak-2', detail: `550 <${STRANGER}> unknown` },
              { type: 'complaint', email: `${B.lastName}@@bad`, at: '2026-03-02T08:00:00Z', id: 'leak-3' },
            ],
          },
          auth,
        ),
      ),
      'mail-sender events',
    );
    const postmark = JSON.parse(readFileSync(new URL('../mailsender/fixtures/postmark-bounce.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    await ok(
      h.app.request('/v1/events/mail-sender', jsonRequest('POST', { ...postmark, Email: B.email, Details: `550 <${B.email}>` }, auth)),
      'postmark bounce',
    );

    // Cadence by address, and the feed in every format.
    await ok(h.app.request('/v1/campaigns/leak/reservations', jsonRequest('POST', { emails: [A_NEW, B.email, STRANGER] }, auth)), 'reserve');
    await ok(h.app.request('/v1/campaigns/leak/sent', jsonRequest('POST', { emails: [A_NEW, STRANGER] }, auth)), 'sent');
    await ok(h.app.request('/v1/campaigns/leak/release', jsonRequest('POST', { emails: [B.email] }, auth)), 'release');
    await ok(
      h.app.request('/v1/suppressions', jsonRequest('POST', { entries: [{ email: STRANGER, note: `asked by ${A.lastName}` }] }, auth)),
      'manual suppression',
    );
    for (const format of ['ndjson', 'csv', 'json'])
      await ok(h.app.request(`/v1/suppressions?format=${format}`, { headers: { authorization: auth } }), `feed ${format}`);

    // Unsubscribe (one-click, and the page's way back), the address form, a fresh link.
    await ok(form(pathOf(lb.unsubscribeUrl), { 'List-Unsubscribe': 'One-Click' }), 'one-click');
    await ok(form(u, {}), 'unsubscribe button');
    await ok(form(`${u}/resubscribe`, {}), 'resubscribe');
    await ok(form('/u/by-address', { email: A_NEW }), 'by address');
    await ok(form('/u/by-address', { email: STRANGER }), 'by address, a stranger');
    const short = await h.deps.signer.sign({ sub: a.id, p: 'p', ttlSeconds: 60 });
    tokens.add(short);
    h.clock.advance(120_000);
    await ok(h.app.request(`/p/${short}`), 'expired link page').catch(() => undefined);
    await ok(form(`/p/${short}/fresh-link`, { email: A_NEW }), 'fresh link');
    await jobs();

    // Withdrawal through the two steps, then the erasure job and its last mail.
    const [step] = formsOf(await ok(h.app.request(w), 'withdraw page'));
    const [confirmStep] = formsOf(await ok(submitForm(h, step!), 'withdraw step 1'));
    await ok(submitForm(h, confirmStep!), 'withdraw');
    await jobs();
    h.clock.advance(25 * 3_600_000);
    await jobs();
    await ok(h.app.request(w), 'withdrawn page');
    await ok(staff(auth, 'GET', `/v1/subjects/${a.id}`), 'read the erased');

    // The flows ran, and were logged at debug level (what the scan below reads).
    const erased = await h.db.selectFrom('subjects').select('status').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(erased.status).toBe('erased');
    expect(smtp.mails.length).toBeGreaterThanOrEqual(6);
    expect(receiverCalls).toBeGreaterThanOrEqual(2);
    expect(tokens.size).toBeGreaterThanOrEqual(6);
    // One `request` line per request (info, with its id and route), and every other line.
    expect(logs.lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThan(50);
    expect(logs.lines.some((l) => l.startsWith('{"level":"warn"') || l.startsWith('{"level":"error"'))).toBe(true);

    const leaks = findSecrets(logs.lines, secrets());
    expect(leaks.map((l) => `${l.label} (as ${l.found}): ${l.line.slice(0, 600)}`)).toEqual([]);
  });
});
