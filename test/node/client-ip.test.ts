import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeClientIp } from '../../src/node/client-ip.js';
import { parseTrustProxy, type TrustProxy } from '../../src/privacy/client-ip.js';

/** The Node server's client address over a real socket on loopback, as TRUST_PROXY says. */

let server: ReturnType<typeof serve>;
let base: string;
let trust: TrustProxy = { kind: 'none' };
beforeAll(async () => {
  const app = new Hono();
  app.get('/ip', (c) => c.text(nodeClientIp(trust)(c) ?? '(none)'));
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((r) => server.once('listening', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function ipWith(setting: string, xff?: string): Promise<string> {
  const t = parseTrustProxy(setting);
  if (typeof t === 'string') throw new Error(t);
  trust = t;
  const res = await fetch(`${base}/ip`, { headers: xff === undefined ? {} : { 'x-forwarded-for': xff } });
  return res.text();
}

describe('nodeClientIp', () => {
  it('without TRUST_PROXY: the socket address; a forged X-Forwarded-For changes nothing', async () => {
    expect(await ipWith('false', '6.6.6.6')).toBe('127.0.0.1');
  });

  it('one hop: the entry the proxy appended (right-most), not the one the client wrote', async () => {
    expect(await ipWith('true', '6.6.6.6, 203.0.113.5')).toBe('203.0.113.5');
    expect(await ipWith('1', '6.6.6.6, not-an-ip')).toBe('(none)');
  });

  it('CIDRs: read only when the socket peer is a trusted proxy', async () => {
    expect(await ipWith('127.0.0.0/8', '6.6.6.6, 203.0.113.5')).toBe('203.0.113.5');
    expect(await ipWith('10.0.0.0/8', '6.6.6.6, 203.0.113.5')).toBe('127.0.0.1');
  });
});
