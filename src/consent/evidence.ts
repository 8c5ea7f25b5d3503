import type { Context } from 'hono';
import { storableText } from '../db/text.js';
import type { ResolvedDeps } from '../deps.js';
import type { LinkClaims } from '../links/tokens.js';
import type { Evidence } from './ledger.js';

/**
 * The evidence of an act the person does through a link: when, from which IP and user agent,
 * through which page, and the campaign the link came with.
 */
export function personEvidence(c: Context, deps: ResolvedDeps, claims: LinkClaims, source: string): Evidence {
  return {
    actorType: 'subject',
    at: deps.clock.now(),
    ip: deps.clientIp(c) ?? null,
    userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null,
    source,
    // Links signed before campaign ids were checked may carry a NUL: the person still leaves.
    campaignId: claims.cmp === undefined ? null : storableText(claims.cmp),
  };
}

/**
 * The evidence of an unsubscribe the person sent by mail to the `mailto:` address of
 * `List-Unsubscribe`: the act is theirs (actor `subject`: the link token in the message is the
 * same capability as the one-click link), at the time it is processed, through `source` (how the
 * message reached us). No IP and no user agent: the connection is a mail relay's (theirs, their
 * provider's, ours), never the person's, and a relay's address would be false evidence.
 */
export function mailEvidence(deps: Pick<ResolvedDeps, 'clock'>, claims: LinkClaims, source: string): Evidence {
  return {
    actorType: 'subject',
    at: deps.clock.now(),
    ip: null,
    userAgent: null,
    source,
    campaignId: claims.cmp === undefined ? null : storableText(claims.cmp),
  };
}
