import { Hono } from 'hono';
import type { ResolvedDeps } from '../deps.js';
import { messages } from '../pages/i18n.js';
import { showActingOn } from '../pages/identity.js';
import { messagePage, pageLocale, personEvidence, renderPage, unknownSubjectPage, verifyForPage } from '../pages/token.js';
import { loadSubjectState } from '../subjects/queries.js';
import { confirmSubscription } from './actions.js';

/** `/c/{token}`: double opt-in. GET states what the person agrees to; POST confirms. */
export function confirmationRoutes(deps: ResolvedDeps) {
  const app = new Hono();

  app.get('/c/:token', async (c) => {
    const v = await verifyForPage(c, deps, 'c');
    if (v instanceof Response) return v;
    const s = await loadSubjectState(deps.db, v.claims.sub);
    if (!s) return unknownSubjectPage(c, pageLocale(c, deps));
    showActingOn(c, s.email);
    const locale = pageLocale(c, deps, s.locale);
    const t = messages[locale];
    if (s.marketing === 'granted') return messagePage(c, 200, locale, t.confirmedTitle, t.confirmedLead);
    if (s.marketing !== 'pending' || s.status === 'erased') {
      return messagePage(c, 409, locale, t.confirmStaleTitle, t.confirmStaleLead);
    }
    return renderPage(
      c,
      200,
      locale,
      t.confirmTitle,
      <>
        <h1>{t.confirmTitle}</h1>
        <p>{t.confirmLead}</p>
        <form method="post" action={`/c/${v.token}?lang=${locale}`}>
          <button type="submit">{t.confirmButton}</button>
        </form>
      </>,
    );
  });

  app.post('/c/:token', async (c) => {
    const v = await verifyForPage(c, deps, 'c');
    if (v instanceof Response) return v;
    const outcome = await confirmSubscription(deps.db, v.claims.sub, personEvidence(c, deps, v.claims, 'confirmation-link'));
    if (outcome === 'unknown_subject') return unknownSubjectPage(c, pageLocale(c, deps));
    deps.logger.info('confirmation', { subject: v.claims.sub, outcome });
    const s = await loadSubjectState(deps.db, v.claims.sub);
    showActingOn(c, s?.email);
    const locale = pageLocale(c, deps, s?.locale);
    const t = messages[locale];
    if (outcome === 'stale') return messagePage(c, 409, locale, t.confirmStaleTitle, t.confirmStaleLead);
    return messagePage(c, 200, locale, t.confirmedTitle, t.confirmedLead);
  });

  return app;
}
