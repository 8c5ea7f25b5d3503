import { Hono } from 'hono';
import type { ResolvedDeps } from '../deps.js';
import { type Locale, messages } from './i18n.js';
import { PAGE_HEADERS, pageLocale, renderPage } from './layout.js';
import { policyDocument } from './policy-text.js';

/**
 * `GET /privacy`. With `POLICY_URL` naming the operator's own policy it redirects there (old
 * links and typed addresses land on the policy in force). Otherwise it shows the policy
 * generated from configuration, in the person's language, marked at the top as a template.
 */
export function policyRoutes(deps: ResolvedDeps) {
  const app = new Hono();
  const { config } = deps;
  app.get('/privacy', (c) => {
    if (config.ownPolicy) {
      for (const [k, v] of Object.entries(PAGE_HEADERS)) c.header(k, v);
      return c.redirect(config.policyUrl, 302);
    }
    const locale = pageLocale(c, deps);
    const doc = policyDocument(config, locale);
    const other: Locale = locale === 'ru' ? 'en' : 'ru';
    return renderPage(
      c,
      200,
      locale,
      doc.title,
      <>
        <p class="muted">
          <a href={`/privacy?lang=${other}`} lang={other} hreflang={other}>
            {messages[locale].pcOtherLanguage}
          </a>
        </p>
        {doc.templateNotice ? (
          <p class="notice" role="note">
            <strong>{doc.templateNotice}</strong>
          </p>
        ) : null}
        <h1>{doc.title}</h1>
        {doc.sections.map((s) => (
          <section>
            <h2>{s.heading}</h2>
            {s.paragraphs.map((p) => (
              <p>{p}</p>
            ))}
            {s.items ? (
              <ul>
                {s.items.map((i) => (
                  <li>{i}</li>
                ))}
              </ul>
            ) : null}
          </section>
        ))}
      </>,
    );
  });
  return app;
}
