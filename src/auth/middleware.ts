import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Db } from '../db/handle.js';
import { AppError } from '../errors/index.js';
import { type ApiKeyIdentity, findApiKey, hasScope, lastUseStale, type Scope, touchApiKey } from './keys.js';

export type AuthVariables = { apiKey: ApiKeyIdentity };

/**
 * The password of an HTTP Basic `Authorization` value (RFC 7617), or null when it is not one.
 * The user name is ignored: webhook senders that only take credentials in a URL
 * (`https://user:KEY@host/...`, e.g. Amazon SNS, Postmark) send the API key as the password.
 */
export function basicPassword(header: string): string | null {
  const m = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (!m) return null;
  let decoded: string;
  try {
    const bin = atob(m[1]!);
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const password = decoded.slice(colon + 1);
  return password.length > 0 ? password : null;
}

/** Whether a request may authenticate with HTTP Basic (see {@link bearerAuth}). */
export type BasicAllowed = (c: Context) => boolean;

/**
 * API key authentication against stored key hashes: `Authorization: Bearer <key>`, or, only
 * where `basicAllowed` says (the webhook route whose senders can only put credentials in a
 * URL), HTTP Basic with the key as the password. Basic elsewhere is a 401: a key in a URL ends
 * up in logs and browser histories, so no other route invites one. Sets `c.var.apiKey`.
 *
 * An Amazon SNS delivery that comes without credentials is answered with a Basic challenge:
 * SNS sends the credentials of the subscription URL only after a 401 with
 * `WWW-Authenticate: Basic`.
 *
 * @example
 * app.use('/v1/*', bearerAuth(db, { basicAllowed: (c) => c.req.method === 'POST' && c.req.path === '/v1/events/mail-sender' }));
 */
export function bearerAuth(db: Db, opts: { basicAllowed?: BasicAllowed; now?: () => Date } = {}) {
  const now = opts.now ?? (() => new Date());
  const basicAllowed = opts.basicAllowed ?? (() => false);
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    let key = match ? match[1]! : null;
    if (!key && /^Basic\s/i.test(header)) {
      if (!basicAllowed(c))
        throw new AppError(
          'unauthorized',
          'HTTP Basic is accepted only by the mail sender\'s webhooks (POST /v1/events/mail-sender, /v1/events/inbound); send the API key as "Authorization: Bearer <key>".',
        );
      key = basicPassword(header);
      if (!key) throw new AppError('unauthorized', 'HTTP Basic credentials must be base64 of "user:<api key>".');
    }
    if (!key) {
      if (!header && c.req.header('x-amz-sns-message-type')) {
        const e = new AppError('unauthorized', 'Put the API key in the subscription URL: https://user:<key>@host/v1/events/….');
        return c.body(JSON.stringify(e.toProblem(c.req.path)), 401, {
          'Content-Type': 'application/problem+json',
          'WWW-Authenticate': 'Basic realm="mailprefs", charset="UTF-8"',
        });
      }
      throw new AppError('unauthorized', 'Send an API key as "Authorization: Bearer <key>".');
    }
    const identity = await findApiKey(db, key);
    if (!identity) throw new AppError('unauthorized', 'The API key is unknown or revoked.');
    c.set('apiKey', identity);
    await next();
    // Last use for the dashboard's key list: one write a minute per key at most, not one per
    // request, and only for an answered call (a refused request changes nothing).
    const at = now();
    // Bookkeeping only: a failure here must not turn an answer already made (a write committed) into an error.
    if (c.res.status < 400 && lastUseStale(identity.lastUsedAt, at)) await touchApiKey(db, identity.id, at).catch(() => {});
  });
}

/**
 * A staff route's security requirement and its scope check, from one list, so the OpenAPI
 * document says what the check enforces and the two cannot drift. Any one of the scopes (or
 * `admin`) is enough: one requirement object per scope, which OpenAPI reads as "or".
 *
 * @example
 * createRoute({ method: 'get', path: '/v1/audit', ...scoped('admin'), ... })
 */
export function scoped(...anyOf: Scope[]) {
  return { security: anyOf.map((s) => ({ bearer: [s] })), middleware: requireScope(...anyOf) };
}

/** Refuses with 403 unless the key holds one of the scopes (or `admin`). */
export function requireScope(...anyOf: Scope[]) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    if (!hasScope(c.var.apiKey, anyOf)) {
      throw new AppError('forbidden', `This operation needs one of the scopes: ${anyOf.join(', ')}.`);
    }
    await next();
  });
}
