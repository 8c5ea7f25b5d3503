import { Hono } from 'hono';
import type { ResolvedDeps } from '../deps.js';
import { formatDateInText, messages } from '../pages/i18n.js';
import { showActingOn } from '../pages/identity.js';
import { messagePage, pageLocale, personEvidence, renderPage, unknownSubjectPage, verifyForPage } from '../pages/token.js';
import { loadSubjectState } from '../subjects/queries.js';
import { dueFor } from '../requests/deadlines.js';
import { withdrawProcessing } from './actions.js';

/**
 * `/w/{token}`: withdrawal of consent to processing. GET explains the consequences and asks
 * for confirmation; POST withdraws and files an erasure request due in
 * `ERASURE_DUE_BUSINESS_DAYS` business days.
 */
export function withdrawalRoutes(deps: ResolvedDeps) {
  const app = new Hono();

  app.get('/w/:token', async (c) => {
    const v = await verifyForPage(c, deps, 'w');
    if (v instanceof Response) return v;
    const s = await loadSubjectState(deps.db, v.claims.sub);
    if (!s) return unknownSubjectPage(c, pageLocale(c, deps));
    showActingOn(c, s.email);
    const locale = pageLocale(c, deps, s.locale);
    const t = messages[locale];
    if (s.status === 'erased') {
      return messagePage(c, 200, locale, t.withdrawnTitle, t.erasedLead);
    }
    return renderPage(
      c,
      200,
      locale,
      t.withdrawTitle,
      <>
        <h1>{t.withdrawTitle}</h1>
        <p>{t.withdrawLead}</p>
        <form method="post" action={`/w/${v.token}?lang=${locale}`}>
          <input type="hidden" name="confirm" value="1" />
          <button type="submit" class="danger">{t.withdrawButton}</button>
        </form>
      </>,
    );
  });

  app.post('/w/:token', async (c) => {
    const v = await verifyForPage(c, deps, 'w');
    if (v instanceof Response) return v;
    const { config } = deps;
    const outcome = await withdrawProcessing(
      deps.db,
      v.claims.sub,
      personEvidence(c, deps, v.claims, 'withdrawal-link'),
      {
        newId: deps.newId,
        dueAt: (received) => dueFor('erasure', received, deps),
      },
    );
    if (outcome.kind === 'unknown_subject') return unknownSubjectPage(c, pageLocale(c, deps));
    deps.logger.info('withdrawal', { subject: v.claims.sub, outcome: outcome.kind, request: outcome.requestId });
    const s = await loadSubjectState(deps.db, v.claims.sub);
    showActingOn(c, s?.email);
    const locale = pageLocale(c, deps, s?.locale);
    const t = messages[locale];
    const lead = outcome.dueAt ? t.withdrawnLead(formatDateInText(outcome.dueAt, locale, config.timeZone)) : t.erasedLead;
    return messagePage(c, 200, locale, t.withdrawnTitle, lead);
  });

  return app;
}
