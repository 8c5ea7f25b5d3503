import type { Context } from 'hono';
import type { ResolvedDeps } from '../deps.js';
import { type Locale, messages } from '../pages/i18n.js';
import { showActingOn } from '../pages/identity.js';
import { pageLocale } from '../pages/layout.js';
import { unknownSubjectPage } from '../pages/message.js';
import { loadSubjectState, type SubjectState } from '../subjects/queries.js';
import { expiredLinkPage, invalidLinkPage } from './pages.js';
import { type LinkClaims, type LinkPurpose, TokenError } from './tokens.js';

/**
 * Verifies the path's token for a purpose; on failure answers with the right page and
 * returns null. Expired tokens are only an answer for purposes that expire.
 */
export async function verifyForPage(c: Context, deps: ResolvedDeps, purpose: LinkPurpose): Promise<{ claims: LinkClaims; token: string } | Response> {
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

/** A page opened through a link: the verified link, the person it names, their language and its texts. */
export interface OpenedLink {
  claims: LinkClaims;
  token: string;
  state: SubjectState;
  locale: Locale;
  t: (typeof messages)[Locale];
}

/**
 * The prologue of every page a person reaches through a link: verifies it ({@link verifyForPage})
 * and finds the person it names. Someone never known, and with `living` someone erased, gets the
 * "not found" page; otherwise the page shows their masked address and speaks their language
 * (?lang=, then the browser, then theirs). Any Response is the page to return.
 */
export async function openLinkPage(c: Context, deps: ResolvedDeps, purpose: LinkPurpose, opts: { living?: boolean } = {}): Promise<OpenedLink | Response> {
  const v = await verifyForPage(c, deps, purpose);
  if (v instanceof Response) return v;
  const state = await loadSubjectState(deps.db, v.claims.sub);
  if (!state || (opts.living && state.status === 'erased')) return unknownSubjectPage(c, pageLocale(c, deps));
  showActingOn(c, state.email);
  const locale = pageLocale(c, deps, state.locale);
  return { ...v, state, locale, t: messages[locale] };
}
