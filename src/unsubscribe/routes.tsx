import { Hono } from 'hono';
import type { ResolvedDeps } from '../deps.js';
import { messages } from '../pages/i18n.js';
import { pageLocale, personEvidence, renderPage, unknownSubjectPage, verifyForPage } from '../pages/token.js';
import { loadSubjectState } from '../subjects/queries.js';
import { unsubscribe } from './actions.js';

/**
 * `/u/{token}`: GET shows one button and changes nothing (mail scanners prefetch links);
 * POST unsubscribes, from that button or as RFC 8058 one-click
 * (`List-Unsubscribe=One-Click`, urlencoded or multipart). Both answer 200, no redirect.
 */
export function unsubscribeRoutes(deps: ResolvedDeps) {
  const app = new Hono();

  app.get('/u/:token', async (c) => {
    const v = await verifyForPage(c, deps, 'u');
    if (v instanceof Response) return v;
    const s = await loadSubjectState(deps.db, v.claims.sub);
    if (!s) return unknownSubjectPage(c, pageLocale(c, deps));
    const locale = pageLocale(c, deps, s.locale);
    const t = messages[locale];
    if (s.status === 'erased' || s.marketing === 'withdrawn') {
      return renderPage(c, 200, locale, t.unsubscribedTitle, <Done locale={locale} erased={s.status === 'erased'} />);
    }
    return renderPage(
      c,
      200,
      locale,
      t.unsubscribeTitle,
      <>
        <h1>{t.unsubscribeTitle}</h1>
        <p>{t.unsubscribeLead}</p>
        <form method="post" action={`/u/${v.token}?lang=${locale}`}>
          <input type="hidden" name="confirm" value="1" />
          <button type="submit">{t.unsubscribeButton}</button>
        </form>
      </>,
    );
  });

  app.post('/u/:token', async (c) => {
    const v = await verifyForPage(c, deps, 'u');
    if (v instanceof Response) return v;
    // Any POST to a valid link is the person's act: the page's form, or the mailbox's one-click
    // (RFC 8058 says the body carries List-Unsubscribe=One-Click; we do not refuse a client that
    // forgets it, since nothing but a deliberate POST reaches here).
    const outcome = await unsubscribe(deps.db, v.claims.sub, personEvidence(c, deps, v.claims, await oneClickSource(c.req.raw)), { notify: deps.config.notifyOnUnsubscribe });
    if (outcome.kind === 'unknown_subject') return unknownSubjectPage(c, pageLocale(c, deps));
    deps.logger.info('unsubscribe', { subject: v.claims.sub, outcome: outcome.kind, campaign: v.claims.cmp });
    const locale = pageLocale(c, deps, outcome.locale);
    return renderPage(c, 200, locale, messages[locale].unsubscribedTitle, <Done locale={locale} erased={outcome.status === 'erased'} />);
  });

  return app;
}

async function oneClickSource(req: Request): Promise<string> {
  try {
    const form = await req.formData();
    return form.get('List-Unsubscribe') === 'One-Click' ? 'one-click' : 'unsubscribe-page';
  } catch {
    return 'unsubscribe-page';
  }
}

function Done(props: { locale: 'ru' | 'en'; erased: boolean }) {
  const t = messages[props.locale];
  return (
    <>
      <h1>{t.unsubscribedTitle}</h1>
      <p>{props.erased ? t.erasedLead : t.unsubscribedLead}</p>
    </>
  );
}
