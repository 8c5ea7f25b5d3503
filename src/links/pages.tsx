import type { Context } from 'hono';
import type { ResolvedDeps } from '../deps.js';
import { type Locale, messages } from '../pages/i18n.js';
import { messagePage } from '../pages/message.js';
import type { LinkPurpose } from './tokens.js';

/** Where the damaged-link page's address form posts (see `src/unsubscribe/routes.tsx`). */
export const BY_ADDRESS_PATH = '/u/by-address';

/**
 * A link that cannot be read: says so, and still shows a way to leave: an address form that
 * mails a link to that address (never an unsubscribe by the address alone), and the support
 * address, where a person reads the message. Never the `mailto:` unsubscribe address
 * (`UNSUBSCRIBE_MAILTO`): a machine reads that one and acts only on a link token, which a person
 * whose link is damaged does not have.
 */
export function invalidLinkPage(c: Context, deps: ResolvedDeps, locale: Locale) {
  const t = messages[locale];
  const support = deps.config.supportEmail;
  return messagePage(
    c,
    400,
    locale,
    t.invalidTitle,
    t.invalidLead,
    <>
      <section class="offer" aria-labelledby="by-address-title">
        <h2 id="by-address-title">{t.byAddressTitle}</h2>
        <p>{t.byAddressLead}</p>
        <form method="post" action={`${BY_ADDRESS_PATH}?lang=${locale}`}>
          <label for="by-address-email">{t.byAddressLabel}</label>
          <input id="by-address-email" type="email" name="email" autocomplete="email" maxlength={320} required />
          <button type="submit">{t.byAddressButton}</button>
        </form>
      </section>
      <p class="muted">
        {t.stillLeave} <a href={`mailto:${support}?subject=unsubscribe`}>{support}</a>
      </p>
    </>,
  );
}

/** An expired link whose signature is good: offers a fresh one by mail. */
export function expiredLinkPage(c: Context, locale: Locale, purpose: LinkPurpose, token: string) {
  const t = messages[locale];
  return messagePage(
    c,
    410,
    locale,
    t.expiredTitle,
    t.expiredLead,
    <form method="post" action={`/${purpose}/${token}/fresh-link?lang=${locale}`}>
      <label for="fresh-link-email">{t.expiredEmailLabel}</label>
      <input id="fresh-link-email" type="email" name="email" autocomplete="email" maxlength={320} />
      <button type="submit">{t.expiredButton}</button>
    </form>,
  );
}
