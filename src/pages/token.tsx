import type { Context } from 'hono';
import type { ResolvedDeps } from '../deps.js';
import type { Evidence } from '../consent/ledger.js';
import { TokenError, type LinkClaims, type LinkPurpose } from '../links/tokens.js';
import { negotiateLocale, messages, type Locale } from './i18n.js';
import { loadSubjectState } from '../subjects/queries.js';
import { pageIdentity, showActingOn } from './identity.js';
import { Layout, PAGE_HEADERS } from './layout.js';

/** The locale for a public page, before we know whose it is. */
export function pageLocale(c: Context, deps: ResolvedDeps, stored?: string | null): Locale {
  return negotiateLocale({
    query: c.req.query('lang'),
    acceptLanguage: c.req.header('accept-language'),
    stored: stored ?? null,
    fallback: deps.config.defaultLocale,
  });
}

/** Renders a public page with the headers every page needs, framed by the operator's identity. */
export function renderPage(c: Context, status: number, locale: Locale, title: string, body: any) {
  for (const [k, v] of Object.entries(PAGE_HEADERS)) c.header(k, v);
  return c.html(
    <Layout locale={locale} title={title} {...pageIdentity(c)}>
      {body}
    </Layout>,
    status as 200,
  );
}

/** Where the damaged-link page's address form posts (see `src/unsubscribe/routes.tsx`). */
export const BY_ADDRESS_PATH = '/u/by-address';

/**
 * A link that cannot be read: says so, and still shows a way to leave: an address form that
 * mails a link to that address (never an unsubscribe by the address alone), and the
 * unsubscribe mailbox if one is configured.
 */
export function invalidLinkPage(c: Context, deps: ResolvedDeps, locale: Locale) {
  const t = messages[locale];
  const mailto = deps.config.unsubscribeMailto;
  return renderPage(
    c,
    400,
    locale,
    t.invalidTitle,
    <>
      <h1>{t.invalidTitle}</h1>
      <p>{t.invalidLead}</p>
      <section class="offer" aria-labelledby="by-address-title">
        <h2 id="by-address-title">{t.byAddressTitle}</h2>
        <p>{t.byAddressLead}</p>
        <form method="post" action={`${BY_ADDRESS_PATH}?lang=${locale}`}>
          <label for="by-address-email">{t.byAddressLabel}</label>
          <input id="by-address-email" type="email" name="email" autocomplete="email" maxlength={320} required />
          <button type="submit">{t.byAddressButton}</button>
        </form>
      </section>
      {mailto ? (
        <p class="muted">
          {t.stillLeave} <a href={`mailto:${mailto}?subject=unsubscribe`}>{mailto}</a>
        </p>
      ) : null}
    </>,
  );
}

/** An expired link whose signature is good: offers a fresh one by mail. */
export function expiredLinkPage(c: Context, locale: Locale, purpose: LinkPurpose, token: string) {
  const t = messages[locale];
  return renderPage(
    c,
    410,
    locale,
    t.expiredTitle,
    <>
      <h1>{t.expiredTitle}</h1>
      <p>{t.expiredLead}</p>
      <form method="post" action={`/${purpose}/${token}/fresh-link?lang=${locale}`}>
        <label for="fresh-link-email">{t.expiredEmailLabel}</label>
        <input id="fresh-link-email" type="email" name="email" autocomplete="email" maxlength={320} />
        <button type="submit">{t.expiredButton}</button>
      </form>
    </>,
  );
}

export function unknownSubjectPage(c: Context, locale: Locale) {
  const t = messages[locale];
  return renderPage(
    c,
    404,
    locale,
    t.unknownTitle,
    <>
      <h1>{t.unknownTitle}</h1>
      <p>{t.unknownLead}</p>
    </>,
  );
}

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

/** A page with a heading and one paragraph: results, refusals, errors. */
export function messagePage(c: Context, status: number, locale: Locale, title: string, lead: string) {
  return renderPage(
    c,
    status,
    locale,
    title,
    <>
      <h1>{title}</h1>
      <p>{lead}</p>
    </>,
  );
}

/**
 * The evidence of an act the person does through a link: when, from which IP and user agent,
 * through which page, and the campaign the link came with.
 */
export function personEvidence(c: Context, deps: ResolvedDeps, claims: LinkClaims, source: string): Evidence {
  return {
    actorType: 'subject',
    at: deps.clock.now(),
    ip: deps.clientIp(c) ?? null,
    userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null,
    source,
    campaignId: claims.cmp ?? null,
  };
}
