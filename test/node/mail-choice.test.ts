// Which mailer the Node entries get: the HTTP mail API when MAIL_API_URL is set (the same adapter
// as on Workers), else SMTP, else .eml files. A real HTTP server on loopback receives the mail.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { buildDeps } from '../../src/node/bootstrap.js';
import { createHarness, type Harness } from '../helpers/harness.js';

describe('the Node mailer', () => {
  let h: Harness;
  let dataDir: string;
  const received: { auth?: string; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ auth: req.headers.authorization, body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"m-1"}');
    });
  });
  beforeAll(async () => {
    h = await createHarness();
    dataDir = mkdtempSync(join(tmpdir(), 'mailprefs-mail-choice-'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  });
  afterAll(async () => {
    await h?.close();
    server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends through the HTTP mail API when MAIL_API_URL is set, with its key, and says so', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
    const lines: string[] = [];
    const config = loadConfig({ DATA_DIR: dataDir, MAIL_API_URL: url, MAIL_API_KEY: 'secret-key', SMTP_URL: 'smtp://127.0.0.1:1', LOG_LEVEL: 'info' });
    const built = await buildDeps(
      config,
      h.handle,
      createLogger('info', (l) => lines.push(l)),
    );
    await built.mailer.send({
      from: 'a@example.ru',
      to: 'b@example.ru',
      subject: 'S',
      html: '<p>h</p>',
      text: 't',
      messageId: '<m-1@example.ru>',
      headers: {},
    });
    await built.mailer.close();
    expect(received).toHaveLength(1);
    expect(received[0]!.auth).toBe('Bearer secret-key');
    expect(received[0]!.body).toMatchObject({ to: 'b@example.ru', subject: 'S' });
    expect(lines.some((l) => l.includes('HTTP mail API') && !l.includes('secret-key'))).toBe(true);
  });

  it('writes .eml files without MAIL_API_URL and SMTP_URL', async () => {
    const built = await buildDeps(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), h.handle, createLogger('silent'));
    expect(built.mailer.describe).toContain(dataDir);
    await built.mailer.close();
  });
});
