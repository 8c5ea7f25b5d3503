import type { Context } from 'hono';
import { messages, type Locale } from './i18n.js';
import { renderPage } from './layout.js';

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
