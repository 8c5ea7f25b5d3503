// The Worker on workerd: `wrangler dev` on loopback against a fresh PostgreSQL database (through
// Hyperdrive's local connection string), a real HTTP server standing in for the mail API.
// PostgreSQL only: workerd reaches the database over TCP, which the embedded PGlite has not.

import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { compactVerify, importJWK, type JWK } from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/keys.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import { generateSigningJwk } from '../../src/links/tokens.js';
import { onPostgres } from '../helpers/harness.js';
import { type OpenApiDoc, openApiDoc } from '../helpers/openapi-doc.js';
import { startWranglerDev, stopProcessGroup, wranglerWorkspace } from '../helpers/wrangler.js';

const PUBLIC_BASE = 'https://prefs.example.test';
const MAIL_API_KEY = 'smoke-mail-api-key';
/** How long wrangler may take to build and start workerd on a loaded machine. */
const START_BOUND_MS = 120_000;

interface Push {
  headers: IncomingHttpHeaders;
  jws: string;
}

interface Mail {
  headers: IncomingHttpHeaders;
  body: { to: string; from: string; subject: string; html: string; text: string; messageId: string; headers: Record<string, string> };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const port = (s.address() as AddressInfo).port;
  await new Promise((done) => s.close(done));
  return port;
}

describe.skipIf(!onPostgres)('the Worker on workerd (wrangler dev; needs PostgreSQL: TEST_DATABASE_URL, skipped on PGlite)', () => {
  const mails: Mail[] = [];
  const pushes: Push[] = [];
  let pushPublicJwk: JWK;
  let receiver: Server;
  let ws: ReturnType<typeof wranglerWorkspace>;
  let dev: ReturnType<typeof startWranglerDev> | undefined;
  let base: string;
  let dbName: string;
  let dbUrl: string;
  let apiKey: string;
  let staffKey: string;
  let startedMs = 0;
  const killOnExit = () => {
    if (dev?.child.pid) {
      try {
        process.kill(-dev.child.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  };

  beforeAll(async () => {
    const t0 = Date.now();
    ws = wranglerWorkspace('mailprefs-workerd-');
    // The mail API's and the mail sender's stand-in: records what it is sent, answers like one that took it.
    receiver = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => {
        data += c;
      });
      req.on('end', () => {
        if (req.url === '/pushes') pushes.push({ headers: req.headers, jws: data });
        else mails.push({ headers: req.headers, body: JSON.parse(data) });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
      });
    });
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    const receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

    // A fresh database, migrated by the repo's migrator (migrations are a separate step on Workers).
    const server = new URL(process.env.TEST_DATABASE_URL!);
    dbName = `mailprefs_workerd_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = createPostgresDb(server.toString(), { max: 1 });
    await sql`create database ${sql.id(dbName)}`.execute(admin.db);
    await admin.close();
    const target = new URL(server);
    target.pathname = `/${dbName}`;
    // wrangler refuses a local connection string without a password; trust auth takes any.
    if (!target.password) target.password = 'local';
    dbUrl = target.toString();
    const handle = createPostgresDb(dbUrl, { max: 1 });
    try {
      await migrateToLatest(handle.db);
      apiKey = (
        await createApiKey(handle.db, { name: 'workerd smoke', scopes: ['leads:write', 'links:write', 'suppressions:read', 'metrics:read'] }, new Date())
      ).key;
      staffKey = (await createApiKey(handle.db, { name: 'workerd staff', scopes: ['requests:manage'] }, new Date())).key;
    } finally {
      await handle.close();
    }

    const keys = JSON.stringify({ keys: [await generateSigningJwk('workerd-smoke')] });
    const pushKey = await generateSigningJwk('workerd-smoke-push');
    const { d: _private, ...pushPublic } = pushKey;
    pushPublicJwk = pushPublic;
    const envFile = join(ws.dir, 'worker.env');
    writeFileSync(
      envFile,
      [
        `PUBLIC_BASE_URL=${PUBLIC_BASE}`,
        'ORG_NAME=Smoke Test Operator',
        'ORG_URL=https://operator.example.test/',
        'SUPPORT_EMAIL=privacy@operator.example.test',
        'POLICY_URL=https://operator.example.test/privacy',
        'MAIL_FROM=News <news@operator.example.test>',
        `MAIL_API_URL=${receiverBase}/messages`,
        `MAIL_SENDER_PUSH_URL=${receiverBase}/pushes`,
        `PUSH_SIGNING_KEYS='${JSON.stringify({ keys: [pushKey] })}'`,
        `MAIL_API_KEY=${MAIL_API_KEY}`,
        `LINK_SIGNING_KEYS='${keys}'`,
        'SUPPRESSION_HASH_KEY=workerd-smoke-suppression-hash-key-0123456789',
        // info: the request lines (with their id and route) are part of what is checked.
        'LOG_LEVEL=info',
        'ERASURE_GRACE_HOURS=0',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    process.once('exit', killOnExit);
    dev = startWranglerDev(
      [
        '--config',
        ws.config,
        '--env-file',
        envFile,
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--inspector-ip',
        '127.0.0.1',
        '--inspector-port',
        '0',
        '--persist-to',
        join(ws.dir, 'state'),
        '--test-scheduled',
        '--show-interactive-dev-session=false',
      ],
      { dir: ws.dir, env: { CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: dbUrl } },
    );
    const deadline = Date.now() + START_BOUND_MS;
    for (;;) {
      if (dev.child.exitCode !== null) throw new Error(`wrangler dev exited (${dev.child.exitCode}):\n${dev.output().slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`wrangler dev not ready within ${START_BOUND_MS / 1000} s:\n${dev.output().slice(-3000)}`);
      const ok = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    startedMs = Date.now() - t0;
  }, START_BOUND_MS + 60_000);

  afterAll(async () => {
    if (dev) await stopProcessGroup(dev.child);
    process.off('exit', killOnExit);
    if (receiver) {
      receiver.closeAllConnections();
      await new Promise((done) => receiver.close(done));
    }
    if (dbName) {
      const admin = createPostgresDb(process.env.TEST_DATABASE_URL!, { max: 1 });
      await sql`drop database if exists ${sql.id(dbName)} with (force)`.execute(admin.db);
      await admin.close();
    }
    ws?.remove();
  }, 60_000);

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
      signal: AbortSignal.timeout(30_000),
    });
  const register = async (email: string) => {
    const res = await api('/v1/subjects', {
      method: 'POST',
      body: JSON.stringify({ email, consents: { processing: true, marketing: true }, policyVersion: '2026-01', source: 'workerd smoke' }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  /** Waits until `what` holds, up to `ms`; whether it did. */
  const until = async (what: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!what() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return what();
  };
  const scheduledRun = () => fetch(`${base}/__scheduled?cron=*+*+*+*+*`, { signal: AbortSignal.timeout(60_000) });
  /** Connections the Worker holds open to the smoke database right now. */
  const openConnections = async () => {
    const admin = createPostgresDb(process.env.TEST_DATABASE_URL!, { max: 1 });
    try {
      const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = ${dbName}`.execute(admin.db);
      return r.rows[0]!.n;
    } finally {
      await admin.close();
    }
  };
  /** The connections still open once they had 10 s to close (0 expected). */
  const settledConnections = async () => {
    for (let i = 0; i < 40; i++) {
      if ((await openConnections()) === 0) return 0;
      await new Promise((r) => setTimeout(r, 250));
    }
    return openConnections();
  };

  it('serves the same OpenAPI document as Node and validates with it (the bundle’s zod stand-in included)', async () => {
    const res = await fetch(`${base}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenApiDoc;
    const node = await openApiDoc();
    expect(Object.keys(doc.paths).length).toBeGreaterThan(10);
    expect(doc.paths).toEqual(node.paths);
    expect(doc.components).toEqual(node.components);
    // And validates with it: a bad body is one 422 problem naming the field, never a 500.
    const bad = await api('/v1/subjects', {
      method: 'POST',
      body: JSON.stringify({ email: 'not an address', consents: { processing: true }, policyVersion: '2026-01' }),
    });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await bad.json()) as { errors: { path: string; message: string }[] };
    expect(problem.errors.map((e) => e.path)).toEqual(['email']);
  });

  it('serves /metrics as the database gauges (no prom-client on Workers), and logs the request id and route on its lines', async () => {
    const res = await api('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toMatch(/^mailprefs_database_up 1$/m);
    expect(text).toMatch(/^mailprefs_outbox_pending \d+$/m);
    expect(text).toMatch(/^mailprefs_requests_overdue \d+$/m);
    expect(text).not.toContain('mailprefs_http_requests_total');
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const logged = await until(() => /"msg":"request".*"route":"\/metrics"/.test(dev!.output()), 5_000);
    expect(logged, dev!.output().slice(-2000)).toBe(true);
    const line = dev!
      .output()
      .split('\n')
      .find((l) => /"msg":"request".*"route":"\/metrics"/.test(l))!;
    expect(JSON.parse(line.slice(line.indexOf('{')))).toMatchObject({ level: 'info', method: 'GET', status: 200, requestId: expect.any(String) });
  });

  it('serves the dashboard: a sign-in with a requests:manage key gives a session cookie that opens the requests list, and nothing opens it without', async () => {
    const login = await fetch(`${base}/admin/login`);
    expect(login.status).toBe(200);
    const signIn = await fetch(`${base}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ key: staffKey }).toString(),
    });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^mp_admin=[^;]+; Max-Age=\d+; Path=\/admin; HttpOnly; SameSite=Strict/);
    const page = await fetch(`${base}/admin`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form');
    expect((await fetch(`${base}/admin`, { redirect: 'manual' })).status).not.toBe(200);
  });

  it('registers, signs links, unsubscribes in one click, serves the feed, mails from the scheduled run, and erases on a later one', async () => {
    const t0 = Date.now();
    const leaving = await register('leaving@example.org');
    const staying = await register('staying@example.org');

    const links = await api('/v1/links', { method: 'POST', body: JSON.stringify({ subjects: [leaving], campaignId: 'smoke-1' }) });
    expect(links.status).toBe(200);
    const [link] = ((await links.json()) as { links: { subject: string; unsubscribeUrl: string; headers: Record<string, string> }[] }).links;
    expect(link!.subject).toBe(leaving);
    expect(link!.unsubscribeUrl.startsWith(`${PUBLIC_BASE}/u/`)).toBe(true);
    expect(link!.headers['List-Unsubscribe']).toContain(link!.unsubscribeUrl);
    expect(link!.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const local = link!.unsubscribeUrl.replace(PUBLIC_BASE, base);

    // A mailbox prefetching the link changes nothing; a damaged token gets a page, not a 500.
    expect((await fetch(local)).status).toBe(200);
    expect(await (await api('/v1/suppressions?format=ndjson')).text()).toBe('');
    const tampered = await fetch(`${local.slice(0, -4)}AAAA`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(tampered.status).toBeGreaterThanOrEqual(400);
    expect(tampered.status).toBeLessThan(500);

    // RFC 8058 one-click, twice: the second is no error and no second record.
    for (let i = 0; i < 2; i++) {
      const click = await fetch(local, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(click.status).toBe(200);
    }

    // The change goes to the mail sender at once (ctx.waitUntil after the response), signed, hashed.
    for (let i = 0; i < 60 && pushes.length === 0; i++) await new Promise((r) => setTimeout(r, 250));
    expect(pushes.length, `no push within 15 s; the Worker said:\n${dev!.output().slice(-2000)}`).toBeGreaterThan(0);
    expect(pushes[0]!.headers['content-type']).toBe('application/jose');
    const verified = await compactVerify(pushes[0]!.jws, await importJWK(pushPublicJwk, 'EdDSA'));
    const pushed = new TextDecoder().decode(verified.payload);
    expect(pushed).toContain('unsubscribed');
    expect(pushed).not.toContain('@');

    const feed = await api('/v1/suppressions?format=ndjson');
    expect(feed.status).toBe(200);
    const records = (await feed.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: string; email?: string; reason: string; active: boolean });
    expect(records.map(({ email, reason, active }) => ({ email, reason, active }))).toEqual([
      { email: 'leaving@example.org', reason: 'unsubscribed', active: true },
    ]);
    expect(pushed).toContain((records[0] as unknown as { hash: string }).hash);
    // Every connection of those requests, the streamed feed's included, was closed after the response.
    expect(await settledConnections(), 'connections the Worker left open').toBe(0);

    // Cron Triggers: one scheduled run delivers the outbox through the mail API.
    const scheduled = await scheduledRun();
    expect(scheduled.status).toBe(200);
    const toStaying = mails.filter((m) => m.body.to === 'staying@example.org');
    expect(toStaying).toHaveLength(1);
    const [mail] = toStaying;
    expect(mail!.headers.authorization).toBe(`Bearer ${MAIL_API_KEY}`);
    expect(mail!.headers['idempotency-key']).toBe(mail!.body.messageId);
    expect(mail!.body.from).toBe('News <news@operator.example.test>');
    expect(mail!.body.subject.length).toBeGreaterThan(0);
    // The precompiled template, rendered with a confirmation link of this service.
    expect(mail!.body.html).toContain(`${PUBLIC_BASE}/c/`);
    expect(mail!.body.text).toContain(`${PUBLIC_BASE}/c/`);
    expect(mail!.body.messageId).toMatch(/^<outbox-\d+\.[^@]+@prefs\.example\.test>$/);
    expect(await settledConnections(), 'connections the Worker left open').toBe(0);

    // A second run sends nothing twice.
    const before = mails.length;
    expect((await scheduledRun()).status).toBe(200);
    expect(mails.length).toBe(before);

    // The erasure job on a scheduled run: the person withdraws (no grace period here), the next
    // run sends the receipt, erases, and sends the notice that it is done.
    const own = await api('/v1/links', { method: 'POST', body: JSON.stringify({ subjects: [staying] }) });
    const withdrawUrl = ((await own.json()) as { links: { withdrawUrl: string }[] }).links[0]!.withdrawUrl.replace(PUBLIC_BASE, base);
    const withdraw = await fetch(withdrawUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=yes' });
    expect(withdraw.status).toBe(200);
    expect((await scheduledRun()).status).toBe(200);
    const kinds = mails
      .slice(before)
      .filter((m) => m.body.to === 'staying@example.org')
      .map((m) => m.body.headers['X-Idempotency-Key']!.split(':')[0]);
    expect(kinds).toContain('erasure-completed');
    const handle = createPostgresDb(dbUrl, { max: 1 });
    try {
      const person = await handle.db.selectFrom('subjects').select(['status', 'email']).where('id', '=', staying).executeTakeFirstOrThrow();
      expect(person).toEqual({ status: 'erased', email: null });
    } finally {
      await handle.close();
    }
    expect(await settledConnections(), 'connections the Worker left open').toBe(0);

    // Nothing went wrong on the way that an answer would not show (the VACUUM after the erasure included).
    expect(dev!.output()).not.toMatch(/"level":"(error|warn)"/);

    console.info(`[workerd smoke] wrangler dev ready in ${(startedMs / 1000).toFixed(1)} s; the flow took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 120_000);
});
