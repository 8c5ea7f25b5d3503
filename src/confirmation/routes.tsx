import { type Context, Hono } from 'hono';
import { personEvidence } from '../consent/evidence.js';
import type { ResolvedDeps } from '../deps.js';
import type { LinkClaims } from '../links/tokens.js';
import { verifyForPage } from '../links/verify.js';
import { messages } from '../pages/i18n.js';
import { showActingOn } from '../pages/identity.js';
import { pageLocale } from '../pages/layout.js';
import { messagePage, unknownSubjectPage } from '../pages/message.js';
import { confirmPendingChange, inspectPendingChange } from '../pending/actions.js';
import { loadSubjectState } from '../subjects/queries.js';
import { confirmSubscription, linkFitsCurrentAddress } from './actions.js';

const hasPendingChange = (claims: LinkClaims): claims is LinkClaims & { pc: string } => claims.pc !== undefined;

/**
 * `/c/{token}`: double opt-in, and the confirmation of a pending change (a new address, a
 * lead's new profile) from the address it concerns. GET states what the person agrees to; POST
 * confirms. A link confirms only what it was issued for; any other use gets the "no longer
 * valid" page and writes nothing.
 */
export function confirmationRoutes(deps: ResolvedDeps) {
  const app = new Hono();

  const confirmForm = (c: Context, token: string, locale: 'ru' | 'en', title: string, lead: string, button: string) =>
    messagePage(
      c,
      200,
      locale,
      title,
      lead,
      <form method="post" action={`/c/${token}?lang=${locale}`}>
        <button type="submit">{button}</button>
      </form>,
    );

  app.get('/c/:token', async (c) => {
    const v = await verifyForPage(c, deps, 'c');
    if (v instanceof Response) return v;
    if (hasPendingChange(v.claims)) {
      const r = await inspectPendingChange(deps.db, v.claims, deps.clock.now());
      if (r.kind === 'unknown_subject') return unknownSubjectPage(c, pageLocale(c, deps));
      const locale = pageLocale(c, deps, r.kind === 'ready' ? r.locale : null);
      const t = messages[locale];
      if (r.kind !== 'ready') return messagePage(c, 409, locale, t.confirmStaleTitle, t.changeStaleLead);
      return r.change.kind === 'address'
        ? confirmForm(c, v.token, locale, t.confirmAddressTitle, t.confirmAddressLead, t.confirmAddressButton)
        : confirmForm(c, v.token, locale, t.confirmDetailsTitle, t.confirmDetailsLead, t.confirmDetailsButton);
    }
    const s = await loadSubjectState(deps.db, v.claims.sub);
    if (!s) return unknownSubjectPage(c, pageLocale(c, deps));
    showActingOn(c, s.email);
    const locale = pageLocale(c, deps, s.locale);
    const t = messages[locale];
    if (s.status === 'erased' || !(await linkFitsCurrentAddress(deps.db, v.claims, s)))
      return messagePage(c, 409, locale, t.confirmStaleTitle, t.confirmStaleLead);
    if (s.marketing === 'granted') return messagePage(c, 200, locale, t.confirmedTitle, t.confirmedLead);
    if (s.marketing !== 'pending') return messagePage(c, 409, locale, t.confirmStaleTitle, t.confirmStaleLead);
    return confirmForm(c, v.token, locale, t.confirmTitle, t.confirmLead, t.confirmButton);
  });

  app.post('/c/:token', async (c) => {
    const v = await verifyForPage(c, deps, 'c');
    if (v instanceof Response) return v;
    const evidence = personEvidence(c, deps, v.claims, 'confirmation-link');
    if (hasPendingChange(v.claims)) {
      const r = await confirmPendingChange(deps.db, v.claims, evidence);
      if (r.kind === 'unknown_subject') return unknownSubjectPage(c, pageLocale(c, deps));
      deps.logger.info('pending change confirmation', { subject: v.claims.sub, pending: v.claims.pc, outcome: r.kind });
      const s = await loadSubjectState(deps.db, v.claims.sub);
      const locale = pageLocale(c, deps, s?.locale);
      const t = messages[locale];
      if (r.kind === 'stale') return messagePage(c, 409, locale, t.confirmStaleTitle, t.changeStaleLead);
      if (r.kind === 'taken') return messagePage(c, 409, locale, t.addressTakenTitle, t.addressTakenLead);
      if (r.kind === 'address_changed') return messagePage(c, 200, locale, t.addressConfirmedTitle, t.addressConfirmedLead);
      return messagePage(c, 200, locale, t.detailsConfirmedTitle, t.detailsConfirmedLead);
    }
    const outcome = await confirmSubscription(deps.db, v.claims, evidence);
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
