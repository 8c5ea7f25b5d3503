import { Agent, request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpLimits, listeningPort, serveWithLimits } from '../../src/node/http-server.js';
import { createHarness, type Harness } from '../helpers/harness.js';

/**
 * The real Node server on loopback with the service's limits (src/node/http-server.ts): slow
 * clients are cut off, connections past the cap are refused, a 413 leaves a client's pooled
 * connection usable. Short limits here; the defaults are in the README ("Timeouts and limits").
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { API_BODY_LIMIT_BYTES: '1024' } });
});
afterAll(() => h.close());

async function serve(limits: Partial<HttpLimits> = {}): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = await serveWithLimits(
    h.app.fetch,
    { port: 0, hostname: '127.0.0.1' },
    { headersTimeoutMs: 10_000, requestTimeoutMs: 20_000, keepAliveTimeoutMs: 5_000, maxConnections: 100, ...limits },
  );
  return {
    server,
    port: listeningPort(server),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A raw TCP client that records what it receives and when the server closed it. */
function rawClient(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

/** Sends `text` one byte every `everyMs` until the socket closes; returns how many bytes went. */
function dribble(socket: Socket, text: string, everyMs: number): { sent: () => number; stop: () => void } {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return;
    socket.write(text[i++]!);
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
  return { sent: () => i, stop: () => clearInterval(timer) };
}

function get(port: number, path: string, agent?: Agent): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return send(port, { method: 'GET', path, agent });
}

function send(
  port: number,
  opts: { method: string; path: string; agent?: Agent; headers?: Record<string, string>; body?: Buffer },
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: opts.method, path: opts.path, agent: opts.agent, headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('slow clients', () => {
  it('cuts off a client that sends its headers byte by byte (408 or a closed socket), while a normal request gets through', async () => {
    const s = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    try {
      const slow = await rawClient(s.port);
      slow.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      // 1,000 header bytes at one per 50 ms would take 50 s: the server must not wait for them.
      const d = dribble(slow.socket, `X-Slow: ${'a'.repeat(1000)}\r\n\r\n`, 50);
      const meanwhile = await get(s.port, '/healthz');
      expect(meanwhile.status).toBe(200);
      await slow.closed;
      d.stop();
      expect(d.sent()).toBeLessThan(1000);
      expect(slow.received()).toMatch(/^(|HTTP\/1\.1 408 [^\r]*\r\n[\s\S]*)$/);
    } finally {
      await s.close();
    }
  });

  it('cuts off a client that never finishes its body (408 or a closed socket)', async () => {
    const s = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    try {
      const slow = await rawClient(s.port);
      // The address form reads its body before it answers.
      slow.socket.write(
        'POST /u/by-address HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=',
      );
      const d = dribble(slow.socket, 'a'.repeat(994), 50);
      await slow.closed;
      d.stop();
      expect(d.sent()).toBeLessThan(994);
      expect(slow.received()).toMatch(/^(|HTTP\/1\.1 408 [^\r]*\r\n[\s\S]*)$/);
      expect((await get(s.port, '/healthz')).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('refuses connections past HTTP_MAX_CONNECTIONS, and serves again once one is released', async () => {
    const s = await serve({ maxConnections: 2 });
    try {
      const held = [await rawClient(s.port), await rawClient(s.port)];
      const third = await rawClient(s.port);
      await third.closed;
      expect(third.received()).toBe('');
      held[0]!.socket.destroy();
      await held[0]!.closed;
      // The server counts the connection gone once it sees the close: give it its turn.
      let answered: number | undefined;
      for (let i = 0; i < 50 && answered === undefined; i++) {
        answered = await get(s.port, '/healthz').then(
          (r) => r.status,
          () => undefined,
        );
      }
      expect(answered).toBe(200);
      held[1]!.socket.destroy();
    } finally {
      await s.close();
    }
  });
});

describe('a 413 on a kept-alive connection', () => {
  for (const [where, path, size, type] of [
    ['the API (problem+json)', '/v1/subjects', 2 * 1024 * 1024, 'application/json'],
    ['a public page', '/u/some-token', 2 * 1024 * 1024, 'application/x-www-form-urlencoded'],
  ] as const) {
    it(`on ${where}: answered with Connection: close, and the next request on the same agent succeeds`, async () => {
      const s = await serve();
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const big = await send(s.port, { method: 'POST', path, agent, headers: { 'Content-Type': type }, body: Buffer.alloc(size, 'a') });
        expect(big.status).toBe(413);
        expect(big.headers.connection).toBe('close');
        if (path.startsWith('/v1/')) expect(big.headers['content-type']).toBe('application/problem+json');
        else expect(big.headers['content-type']).toMatch(/^text\/html/);
        const next = await get(s.port, '/healthz', agent);
        expect(next.status).toBe(200);
      } finally {
        agent.destroy();
        await s.close();
      }
    });
  }
});
