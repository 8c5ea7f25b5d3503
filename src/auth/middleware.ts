import { createMiddleware } from 'hono/factory';
import { AppError } from '../errors/index.js';
import type { Db } from '../db/handle.js';
import { findApiKey, hasScope, type ApiKeyIdentity, type Scope } from './keys.js';

export type AuthVariables = { apiKey: ApiKeyIdentity };

/**
 * Bearer authentication against stored key hashes. Sets `c.var.apiKey`.
 *
 * @example
 * app.use('/v1/*', bearerAuth(db));
 */
export function bearerAuth(db: Db) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AppError('unauthorized', 'Send an API key as "Authorization: Bearer <key>".');
    const identity = await findApiKey(db, match[1]!);
    if (!identity) throw new AppError('unauthorized', 'The API key is unknown or revoked.');
    c.set('apiKey', identity);
    await next();
  });
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
