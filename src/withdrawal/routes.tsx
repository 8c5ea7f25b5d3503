import { type Context, Hono } from 'hono';
import { personEvidence } from '../consent/evidence.js';
import type { ResolvedDeps } from '../deps.js';
import { erasureRunsAt } from '../erasure/schedule.js';
import { type OpenedLink, openLinkPage } from '../links/verify.js';
import { formatDateTimeInText, type Locale, messages } from '../pages/i18n.js';
import { pageLocale, renderPage } from '../pages/layout.js';
import { messagePage, unknownSubjectPage } from '../pages/message.js';
import { WithdrawConsequences } from '../preferences/pages.js';
import { dueFor } from '../requests/deadlines.js';
import { openErasure, withdrawProcessing } from './actions.js';

/** A posted `confirm` that acts: `yes` from the second step (`1` from pages rendered before it). */
async function confirmed(c: Context): Promise<boolean> {
  try {
    const v = (await c.req.parseBody()).confirm;
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

  /**
   * The page for a person who already withdrew (what happens and when, no button), or null
   * while they have not, or their erasure is no longer open.
   */
  async function alreadyWithdrawn(c: Context, { state: s, locale, t }: OpenedLink): Promise<Response | null> {
    const open = s.processing === 'withdrawn' ? await openErasure(deps.db, s.id) : undefined;
    return open ? messagePage(c, 200, locale, t.withdrawnTitle, t.withdrawAlreadyLead(erasureMoment(open.received_at, open.due_at, locale))) : null;
  }

  /**
   * A step before the withdrawal: the consequences, then (`explain`) a button that leads to
   * the confirmation, or (`confirm`) the one button that acts.
   */
  function step(c: Context, { token, locale, t }: OpenedLink, which: 'explain' | 'confirm') {
    const title = which === 'explain' ? t.withdrawTitle : t.pcWithdrawConfirmTitle;
    return renderPage(
      c,
      200,
      locale,
      title,
      <>
        <h1>{title}</h1>
        <WithdrawConsequences x={{ t }} erasureDays={erasureDays(locale)} />
        {which === 'confirm' ? (
          <p>
            <strong>{t.pcWithdrawConfirmLead}</strong>
          </p>
        ) : null}
        <form method="post" action={`/w/${token}?lang=${locale}`}>
          {which === 'confirm' ? <input type="hidden" name="confirm" value="yes" /> : null}
          <button type="submit" class="danger">
            {which === 'confirm' ? t.withdrawButton : t.pcWithdrawContinue}
          </button>
        </form>
      </>,
    );
  }

  app.get('/w/:token', async (c) => {
    const o = await openLinkPage(c, deps, 'w');
    if (o instanceof Response) return o;
    const { locale, t } = o;
    if (o.state.status === 'erased') return messagePage(c, 200, locale, t.withdrawnTitle, t.erasedLead);
    return (await alreadyWithdrawn(c, o)) ?? step(c, o, 'explain');
  });

  app.post('/w/:token', async (c) => {
    const o = await openLinkPage(c, deps, 'w');
    if (o instanceof Response) return o;
    const { claims, locale, t } = o;
    if (!(await confirmed(c)) && o.state.status !== 'erased') return (await alreadyWithdrawn(c, o)) ?? step(c, o, 'confirm');
    const outcome = await withdrawProcessing(deps.db, claims.sub, personEvidence(c, deps, claims, 'withdrawal-link'), {
      newId: deps.newId,
      dueAt: (received) => dueFor('erasure', received, deps),
    });
    if (outcome.kind === 'unknown_subject') return unknownSubjectPage(c, pageLocale(c, deps));
    deps.logger.info('withdrawal', { subject: claims.sub, outcome: outcome.kind, request: outcome.requestId });
    if (!outcome.dueAt || !outcome.receivedAt) return messagePage(c, 200, locale, t.withdrawnTitle, t.erasedLead);
    const when = erasureMoment(outcome.receivedAt, outcome.dueAt, locale);
    return messagePage(c, 200, locale, t.withdrawnTitle, outcome.kind === 'withdrawn' ? t.withdrawnAtLead(when) : t.withdrawAlreadyLead(when));
  });

  return app;
}
