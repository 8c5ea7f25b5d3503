// The Node HTTP server of the service, with its limits on slow and numerous clients.

import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Config } from '../config/index.js';

export type HttpLimits = Config['http'];

/**
 * The options `http.createServer` takes for these limits. Node enforces the header and request
 * timeouts on a periodic sweep (`connectionsCheckingInterval`, 30 s by default), so the sweep
 * runs at least four times per header timeout, or a 10 s bound would really be up to 40 s.
 */
export function httpServerOptions(limits: HttpLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * Sets the limits on a server (those that are properties rather than creation options too, so
 * a server made elsewhere gets them): a client that sends its headers slower than
 * `headersTimeoutMs`, or its whole request slower than `requestTimeoutMs`, gets 408 and a closed
 * connection; an idle kept-alive connection is closed after `keepAliveTimeoutMs`; connections
 * past `maxConnections` are closed as they arrive.
 */
export function applyHttpLimits(server: Server, limits: HttpLimits): Server {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  return server;
}

/**
 * Serves `fetch` (the Hono app's) on `port` with the limits; resolves once it listens, rejects
 * with the listen error (a port in use) instead of an `error` event that would crash.
 *
 * @example
 * const server = await serveWithLimits(app.fetch, { port: 3000 }, config.http);
 */
export async function serveWithLimits(
  fetch: Parameters<typeof createAdaptorServer>[0]['fetch'],
  at: { port: number; hostname?: string },
  limits: HttpLimits,
): Promise<Server> {
  const server = applyHttpLimits(createAdaptorServer({ fetch, serverOptions: httpServerOptions(limits) }) as Server, limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** The port a listening server got (for port 0). */
export function listeningPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/**
 * Stops a server gracefully: no new connections, requests in flight answered, then resolves.
 * Kept-alive connections would hold `close()` open until their idle timeout (65 s by default),
 * so idle ones are closed at once and each busy one as soon as its answer is sent (a sweep
 * every 50 ms); a request arriving meanwhile on an open connection is answered with
 * `Connection: close`.
 *
 * @example
 * await closeGracefully(server);
 */
export function closeGracefully(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // A request that arrives on an open connection while draining is answered, then that
    // connection ends (Connection: close).
    server.on('request', (_req, res: ServerResponse) => {
      res.shouldKeepAlive = false;
    });
    // A connection turns idle when its answer is written; look for those until all are gone.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    sweep.unref();
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
