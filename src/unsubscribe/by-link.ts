import type { Evidence } from '../consent/ledger.js';
import type { ResolvedDeps } from '../deps.js';
import { type LinkClaims, TokenError, type TokenFailure } from '../links/tokens.js';
import { type Metrics, unsubscribeWay } from '../metrics/metrics.js';
import { type UnsubscribeOutcome, unsubscribe } from './actions.js';

/**
 * The act behind every verified unsubscribe link, whichever way it came in: the one-click POST
 * and the page's button (`POST /u/{token}`, ./routes.tsx), a message to the `mailto:` address
 * (./by-mail.ts: the SMTP listener and the inbound webhook). What the link's claims mean (its
 * subject, its campaign, its topic) is read here, once, so every way in does exactly the same
 * thing: a message to the mailto address of a topic link leaves that topic, as the click does.
 *
 * @example
 * const outcome = await unsubscribeByLink(deps, v.claims, personEvidence(c, deps, v.claims, 'one-click'));
 */
export async function unsubscribeByLink(
  deps: Pick<ResolvedDeps, 'db' | 'config'> & { metrics?: Pick<Metrics, 'unsubscribed'> },
  claims: LinkClaims,
  evidence: Evidence,
  opts: { allMail?: boolean } = {},
): Promise<UnsubscribeOutcome> {
  // A topic link leaves its topic; `allMail` is the page's second choice (all advertising mail).
  const topic = opts.allMail ? undefined : claims.t;
  const outcome = await unsubscribe(deps.db, claims.sub, evidence, { notify: deps.config.notifyOnUnsubscribe, ...(topic ? { topic } : {}) });
  // Counted here, once for every way in, and only when it changed something (committed).
  if (outcome.kind === 'unsubscribed') deps.metrics?.unsubscribed(unsubscribeWay(evidence.source), outcome.topic ? 'topic' : 'all');
  return outcome;
}

export type UnsubscribeByTokenOutcome = (UnsubscribeOutcome & { subjectId: string }) | { kind: 'refused'; reason: TokenFailure };

/**
 * Verifies an unsubscribe link token (purpose `u`: signature, key, expiry) and, when it holds,
 * does {@link unsubscribeByLink} with the evidence built from its claims. A refused token writes
 * nothing and says why.
 *
 * @example
 * await unsubscribeByToken(deps, token, (claims) => mailEvidence(deps, claims, 'mailto'));
 */
export async function unsubscribeByToken(
  deps: Pick<ResolvedDeps, 'db' | 'config' | 'signer'> & { metrics?: Pick<Metrics, 'unsubscribed'> },
  token: string,
  evidence: (claims: LinkClaims) => Evidence,
): Promise<UnsubscribeByTokenOutcome> {
  let claims: LinkClaims;
  try {
    claims = await deps.signer.verify(token, 'u');
  } catch (e) {
    if (e instanceof TokenError) return { kind: 'refused', reason: e.reason };
    throw e;
  }
  return { ...(await unsubscribeByLink(deps, claims, evidence(claims))), subjectId: claims.sub };
}
