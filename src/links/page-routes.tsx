import { Hono } from 'hono';
import type { ResolvedDeps } from '../deps.js';
import { formField } from '../pages/forms.js';
import { messages } from '../pages/i18n.js';
import { pageLocale } from '../pages/layout.js';
import { messagePage } from '../pages/message.js';
import { requestFreshLink } from './fresh-link.js';
import { type LinkPurpose, TokenError } from './tokens.js';

/**
 * `POST /{p|w|c}/{token}/fresh-link`: an expired link whose signature is good names its
 * person, so we queue a fresh link to the address on file (see {@link requestFreshLink}: the
 * limits, and the page reads the same whatever happened, so it reveals nothing).
 */
export function freshLinkRoutes(deps: ResolvedDeps) {
  const app = new Hono();
  app.post('/:purpose{[pwc]}/:token/fresh-link', async (c) => {
    const purpose = c.req.param('purpose') as Exclude<LinkPurpose, 'u'>;
    const token = c.req.param('token');
    let sub: string | null = null;
    try {
      sub = (await deps.signer.verify(token, purpose)).sub;
    } catch (e) {
      if (!(e instanceof TokenError)) throw e;
      if (e.reason === 'expired' && e.claims) sub = e.claims.sub;
    }
    const locale = pageLocale(c, deps);
    const t = messages[locale];
    if (!sub) {
      return messagePage(c, 400, locale, t.invalidTitle, t.invalidLead);
    }
    const outcome = await requestFreshLink(deps, c, { purpose, subjectId: sub, typedEmail: await formField(c.req.raw, 'email') });
    if (outcome === 'too_many') return messagePage(c, 429, locale, t.tooManyTitle, t.tooManyLead);
    return messagePage(c, 200, locale, t.expiredTitle, t.freshLinkSent);
  });
  return app;
}
