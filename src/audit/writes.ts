import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import type { ApiKeyIdentity } from '../auth/keys.js';
import type { Db } from '../db/handle.js';
import type { Clock } from '../time/clock.js';
import { hasOwnAudit, recordAudit } from './log.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/**
 * The mail sender's reports are the one write made by a machine at the provider's volume (one
 * post per event, replays included): every change they cause already carries the key on the
 * row it changes (the suppression's actor, the ledger's actor), and a replay must change
 * nothing at all. They get no audit row. The same goes for the messages to the mailto:
 * unsubscribe address it relays (`/v1/events/inbound`): each is the person's own act, recorded
 * in the ledger as theirs (source `mailto:<provider>`), and a provider's retry changes nothing.
 */
export const KEY_ON_EVERY_ROW = new Set(['/v1/events/mail-sender', '/v1/events/inbound']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type AuditVariables = { apiKey?: ApiKeyIdentity };

/**
 * Every staff write that succeeded leaves an audit row: which key, which operation (the route's
 * pattern, `POST /v1/suppressions`), whose data when the path names a person, why when the
 * caller said (`X-Purpose`), the request id and the time. A route that writes its own, more
 * specific row (a rectification, a restriction) marks the request `audited` and gets no second
 * one. Refused and failed writes changed nothing and leave none.
 */
export function auditStaffWrites(deps: { db: Db; clock: Clock }) {
  return createMiddleware<{ Variables: AuditVariables }>(async (c, next) => {
    await next();
    const key = c.var.apiKey;
    if (!WRITES.has(c.req.method) || !key || c.res.status >= 400 || hasOwnAudit(c.req.raw)) return;
    // The handler's pattern: the last route matched that is not a middleware (method ALL).
    const route = [...matchedRoutes(c)].reverse().find((r) => r.method !== 'ALL')?.path ?? c.req.path;
    if (KEY_ON_EVERY_ROW.has(route)) return;
    // `/v1/subjects/{id}/…`: the person whose data the write changed.
    const id = route.startsWith('/v1/subjects/:id') ? c.req.path.split('/')[3] : undefined;
    await recordAudit(deps.db, {
      keyId: key.id,
      subjectId: id && UUID.test(id) ? id.toLowerCase() : null,
      action: `${c.req.method} ${route.replace(/:(\w+)/g, '{$1}')}`,
      purpose: c.req.header('x-purpose')?.trim().slice(0, 500) || null,
      requestId: c.get('requestId') ?? null,
      at: deps.clock.now(),
    });
  });
}
