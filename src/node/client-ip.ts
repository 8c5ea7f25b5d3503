import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { resolveClientIp, type TrustProxy } from '../privacy/client-ip.js';

/**
 * The client's address on the Node server: the socket peer, and `X-Forwarded-For` as far as
 * `TRUST_PROXY` trusts it (see `privacy/client-ip.ts`).
 *
 * @example
 * createApp({ ...deps, clientIp: nodeClientIp(config.trustProxy) });
 */
export function nodeClientIp(trust: TrustProxy): (c: Context) => string | undefined {
  return (c) => resolveClientIp(trust, getConnInfo(c).remote.address, c.req.header('x-forwarded-for'));
}
