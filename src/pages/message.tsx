import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { type Locale, messages } from './i18n.js';
import { renderPage } from './layout.js';

/**
 * A page with a heading and one paragraph: results, refusals, errors; `more` is what the page
 * offers after them (a form, a way back).
 */
export function messagePage(c: Context, status: number, locale: Locale, title: string, lead: string, more?: Child) {
  return renderPage(
    c,
    status,
    locale,
    title,
    <>
      <h1>{title}</h1>
      <p>{lead}</p>
      {more}
    </>,
  );
}

/** The link is good but names nobody (never known, or erased where the page says so). */
export function unknownSubjectPage(c: Context, locale: Locale) {
  const t = messages[locale];
  return messagePage(c, 404, locale, t.unknownTitle, t.unknownLead);
}
