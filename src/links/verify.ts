import type { Context } from 'hono';
import type { ResolvedDeps } from '../deps.js';
import { showActingOn } from '../pages/identity.js';
import { pageLocale } from '../pages/layout.js';
import { loadSubjectState } from '../subjects/queries.js';
import { expiredLinkPage, invalidLinkPage } from './pages.js';
import { TokenError, type LinkClaims, type LinkPurpose } from './tokens.js';

/**
 * Verifies the path's token for a purpose; on failure answers with the right page and
 * returns null. Expired tokens are only an answer for purposes that expire.
 */
export async function verifyForPage(
  c: Context,
  deps: ResolvedDeps,
  purpose: LinkPurpose,
): Promise<{ claims: LinkClaims; token: string } | Response> {
  const token = c.req.param('token') ?? '';
  try {
    return { claims: await deps.signer.verify(token, purpose), token };
  } catch (e) {
    if (!(e instanceof TokenError)) throw e;
    const locale = pageLocale(c, deps);
    deps.logger.info('link refused', { purpose, reason: e.reason, requestId: c.get('requestId') });
    if (e.reason === 'expired') {
      // A good signature, only late: the person it names may see where a fresh link would go.
      if (e.claims) showActingOn(c, (await loadSubjectState(deps.db, e.claims.sub))?.email);
      return expiredLinkPage(c, locale, purpose, token);
    }
    return invalidLinkPage(c, deps, locale);
  }
}
