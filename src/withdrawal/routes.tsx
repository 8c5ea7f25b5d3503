import { Hono, type Context } from 'hono';
import type { ResolvedDeps } from '../deps.js';
import { erasureRunsAt } from '../erasure/schedule.js';
import { formatDateTimeInText, messages, type Locale } from '../pages/i18n.js';
import { showActingOn } from '../pages/identity.js';
import { pageLocale, renderPage } from '../pages/layout.js';
import { messagePage, unknownSubjectPage } from '../pages/message.js';
import { personEvidence } from '../consent/evidence.js';
import { verifyForPage } from '../links/verify.js';
import { WithdrawConsequences } from '../preferences/pages.js';
import { loadSubjectState } from '../subjects/queries.js';
import { dueFor } from '../requests/deadlines.js';
import { openErasure, withdrawProcessing } from './actions.js';

/** A posted `confirm` that acts: `yes` from the second step (`1` from pages rendered before it). */
async function confirmed(c: Context): Promise<boolean> {
  try {
    const v = (await c.req.parseBody())['confirm'];
    return v === 'yes' || v === '1';
  } catch {
    return false;
  }
}

/**
 * `/w/{token}`: withdrawal of consent to processing, in the same two steps as the preference
 * center: GET explains the consequences (with how to keep a copy) and offers to continue; a
 * POST without `confirm=yes` asks again; only `confirm=yes` withdraws and files an erasure
 * request due in `ERASURE_DUE_BUSINESS_DAYS` business days. After a withdrawal the page says so,
 * with the moment the data will be erased, and offers no button.
 */
export function withdrawalRoutes(deps: ResolvedDeps) {
  const app = new Hono();
  const { config } = deps;
  const erasureDays = (locale: Locale) => messages[locale].businessDays(config.erasureDueBusinessDays);
  /** When the erasure of a request received and due then runs, as the person reads it. */
  const erasureMoment = (received: Date, due: Date, locale: Locale) =>
    formatDateTimeInText(erasureRunsAt(new Date(received), new Date(due), config.erasureGraceHours), locale, config.timeZone);

  /** The page for a person who already withdrew: what happens and when, no button. */
  const alreadyWithdrawn = (c: Context, locale: Locale, received: Date, due: Date) =>
    messagePage(c, 200, locale, messages[locale].withdrawnTitle, messages[locale].withdrawAlreadyLead(erasureMoment(received, due, locale)));

  app.get('/w/:token', async (c) => {
    const v = await verifyForPage(c, deps, 'w');
    if (v instanceof Response) return v;
    const s = await loadSubjectState(deps.db, v.claims.sub);
    if (!s) return unknownSubjectPage(c, pageLocale(c, deps));
    showActingOn(c, s.email);
    const locale = pageLocale(c, deps, s.locale);
    const t = messages[locale];
    if (s.status === 'erased') return messagePage(c, 200, locale, t.withdrawnTitle, t.erasedLead);
    if (s.processing === 'withdrawn') {
      const open = await openErasure(deps.db, s.id);
      if (open) return alreadyWithdrawn(c, locale, open.received_at, open.due_at);
    }
    // Step one: the consequences, and a button that leads to the confirmation.
    return renderPage(
      c,
      200,
      locale,
      t.withdrawTitle,
      <>
        <h1>{t.withdrawTitle}</h1>
        <WithdrawConsequences x={{ t }} erasureDays={erasureDays(locale)} />
        <form method="post" action={`/w/${v.token}?lang=${locale}`}>
          <button type="submit" class="danger">{t.pcWithdrawContinue}</button>
        </form>
      </>,
    );
  });

  app.post('/w/:token', async (c) => {
    const v = await verifyForPage(c, deps, 'w');
    if (v instanceof Response) return v;
    const s = await loadSubjectState(deps.db, v.claims.sub);
    if (!s) return unknownSubjectPage(c, pageLocale(c, deps));
    showActingOn(c, s.email);
    if (!(await confirmed(c)) && s.status !== 'erased') {
      const locale = pageLocale(c, deps, s.locale);
      const t = messages[locale];
      const open = s.processing === 'withdrawn' ? await openErasure(deps.db, s.id) : undefined;
      if (open) return alreadyWithdrawn(c, locale, open.received_at, open.due_at);
      // Step two: the consequences again, and the one button that acts.
      return renderPage(
        c,
        200,
        locale,
        t.pcWithdrawConfirmTitle,
        <>
          <h1>{t.pcWithdrawConfirmTitle}</h1>
          <WithdrawConsequences x={{ t }} erasureDays={erasureDays(locale)} />
          <p>
            <strong>{t.pcWithdrawConfirmLead}</strong>
          </p>
          <form method="post" action={`/w/${v.token}?lang=${locale}`}>
            <input type="hidden" name="confirm" value="yes" />
            <button type="submit" class="danger">{t.withdrawButton}</button>
          </form>
        </>,
      );
    }
    const outcome = await withdrawProcessing(deps.db, v.claims.sub, personEvidence(c, deps, v.claims, 'withdrawal-link'), {
      newId: deps.newId,
      dueAt: (received) => dueFor('erasure', received, deps),
    });
    if (outcome.kind === 'unknown_subject') return unknownSubjectPage(c, pageLocale(c, deps));
    deps.logger.info('withdrawal', { subject: v.claims.sub, outcome: outcome.kind, request: outcome.requestId });
    const locale = pageLocale(c, deps, s.locale);
    const t = messages[locale];
    if (!outcome.dueAt || !outcome.receivedAt) return messagePage(c, 200, locale, t.withdrawnTitle, t.erasedLead);
    const when = erasureMoment(outcome.receivedAt, outcome.dueAt, locale);
    return messagePage(c, 200, locale, t.withdrawnTitle, outcome.kind === 'withdrawn' ? t.withdrawnAtLead(when) : t.withdrawAlreadyLead(when));
  });

  return app;
}
