import type { Context } from 'hono';
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { ResolvedDeps } from '../deps.js';
import { type Locale, negotiateLocale } from './i18n.js';
import { IDENTITY_CSS, IdentityFooter, IdentityHeader, type Operator, pageIdentity } from './identity.js';

/** The locale for a public page, before we know whose it is. */
export function pageLocale(c: Context, deps: ResolvedDeps, stored?: string | null): Locale {
  return negotiateLocale({
    query: c.req.query('lang'),
    acceptLanguage: c.req.header('accept-language'),
    stored: stored ?? null,
    fallback: deps.config.defaultLocale,
  });
}

// One card, up to 36rem: a result, a refusal, the unsubscribe page.
const cardCss = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f4f4f5}
main{max-width:36rem;margin:0 auto;padding:1.5rem 1rem}
.card{background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}
p{margin:0 0 1rem}
button{font:inherit;font-weight:600;min-height:48px;width:100%;padding:.75rem 1rem;border:0;border-radius:8px;background:#0b57d0;color:#fff;cursor:pointer}
button.danger{background:#b3261e}
button.secondary{background:#fff;color:#0b57d0;border:2px solid #0b57d0}
h2{font-size:1.125rem;line-height:1.3;margin:0 0 .5rem}
section.offer{border-top:1px solid #d4d4d8;margin-top:1.5rem;padding-top:1.25rem}
.notice{border-left:4px solid #8a4b00;background:#fff4e0;padding:.75rem 1rem;border-radius:6px}
ul{margin:0 0 1rem;padding-left:1.25rem}
li{margin:0 0 .375rem}
button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
a{color:#0b57d0}
label{display:block;font-weight:600;margin-bottom:.25rem}
input:not([type=radio]):not([type=checkbox]){font:inherit;width:100%;min-height:44px;padding:.5rem;border:1px solid #757575;border-radius:6px;margin-bottom:1rem}
.muted{color:#4a4a4a;font-size:.9375rem}
footer{margin-top:1rem;text-align:center}
${IDENTITY_CSS}`;

// One column up to 46rem: comfortable at 1280 px, nothing wider than the screen at 360 px.
// Colours keep at least 4.5:1 for text and 3:1 for borders and the focus ring against white.
const centerCss = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f4f4f5}
main{max-width:46rem;margin:0 auto;padding:1rem .75rem 2rem}
.card{background:#fff;border-radius:12px;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.16);margin:0 0 1rem}
.card>:last-child,form>:last-child,fieldset>:last-child{margin-bottom:0}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .75rem}
h2{font-size:1.25rem;line-height:1.3;margin:0 0 .75rem}
p{margin:0 0 1rem}
a{color:#0b57d0;text-underline-offset:2px}
:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
.top{display:flex;justify-content:flex-end;margin:0 0 .25rem}
.top a{padding:.5rem;margin:-.5rem}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .5rem}
nav a{display:inline-block;padding:.5rem .25rem}
.notice{border-left:4px solid #8a4b00;background:#fff4e0;padding:.75rem 1rem;border-radius:6px}
dl{margin:0 0 1rem;display:grid;grid-template-columns:19rem minmax(0,1fr);gap:.375rem 1rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
.none{color:#4a4a4a;font-style:italic}
h3{font-size:1.0625rem;margin:1.25rem 0 .5rem}
fieldset{border:1px solid #8f8f94;border-radius:8px;padding:.5rem 1rem 1rem;margin:0 0 1rem;min-width:0}
legend{font-weight:600;padding:0 .25rem}
.field{margin:0 0 1rem}
label{display:block;font-weight:600;margin:0 0 .25rem}
.choice{display:flex;align-items:flex-start;gap:.625rem;padding:.5rem 0}
.choice label{font-weight:400;margin:0}
.choice input{flex:none;width:1.375rem;height:1.375rem;margin:.0625rem 0 0;accent-color:#0b57d0}
input[type=text],input[type=email],input[type=tel],input[type=date],textarea{display:block;font:inherit;color:inherit;background:#fff;width:100%;min-height:44px;padding:.5rem .625rem;border:1px solid #6b6b70;border-radius:6px}
input[type=date]{max-width:14rem}
textarea{min-height:10rem;resize:vertical}
input[aria-invalid=true],textarea[aria-invalid=true]{border:2px solid #b3261e}
.hint{color:#4a4a4a;font-size:.9375rem;margin:.25rem 0 0}
.error{color:#b3261e;font-weight:600;margin:.25rem 0 0}
.summary{border:2px solid #b3261e;border-radius:8px;padding:1rem;margin:0 0 1rem}
.summary h2{font-size:1.125rem;color:#b3261e}
.summary ul{margin:0;padding-left:1.25rem}
ul.list{margin:0 0 1rem;padding-left:1.25rem}
ul.list li{margin:0 0 .375rem}
button,.button{display:inline-block;font:inherit;font-weight:600;line-height:1.25;min-height:48px;padding:.8125rem 1.25rem;border:0;border-radius:8px;background:#0b57d0;color:#fff;cursor:pointer;text-decoration:none;text-align:center}
button.danger{background:#b3261e}
button.secondary{background:#fff;color:#0b57d0;border:2px solid #0b57d0}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}
.muted{color:#4a4a4a;font-size:.9375rem}
.card>p.back{margin:1.25rem 0 0}
footer{text-align:center;padding:0 .5rem}
@media (max-width:30rem){
  main{padding:.5rem .5rem 1.5rem}
  .card{padding:1rem;border-radius:10px}
  dl{grid-template-columns:1fr;gap:0}
  dd{margin:0 0 .5rem}
  button,.button{width:100%}
  .actions{flex-direction:column;align-items:stretch}
}
@media (prefers-reduced-motion:no-preference){html{scroll-behavior:smooth}}
${IDENTITY_CSS}`;

/**
 * The document around every public page: doctype (hono/jsx writes none, and without it browsers
 * fall into quirks mode), language, viewport, no indexing, no referrer, inline styles only.
 */
export function Document(props: { locale: Locale; title: string; css: string; children: Child }) {
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang={props.locale}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex, nofollow" />
          <meta name="referrer" content="no-referrer" />
          <title>{props.title}</title>
          <style>{raw(props.css)}</style>
        </head>
        <body>{props.children}</body>
      </html>
    </>
  );
}

/**
 * How a page's body is framed: `card`, one card around it (results, refusals, the unsubscribe
 * and withdrawal pages); `center`, the preference center's wider column, whose sections are
 * cards of their own.
 */
export type Frame = 'card' | 'center';

const FRAME_CSS: Record<Frame, string> = { card: cardCss, center: centerCss };

/**
 * The frame of every public page: readable on a 360 px phone, no scripts, no external assets.
 * Above the body whose mail this is and the (masked) address acted on; below it a person to write to.
 */
export function Layout(props: {
  locale: Locale;
  title: string;
  frame?: Frame;
  operator?: Operator | undefined;
  actingOn?: string | undefined;
  children: Child;
}) {
  const frame = props.frame ?? 'card';
  return (
    <Document locale={props.locale} title={props.title} css={FRAME_CSS[frame]}>
      <main>
        <IdentityHeader locale={props.locale} operator={props.operator} actingOn={props.actingOn} />
        {frame === 'card' ? <div class="card">{props.children}</div> : props.children}
        <IdentityFooter locale={props.locale} operator={props.operator} />
      </main>
    </Document>
  );
}

/**
 * Headers every public page carries: nothing cached, token never sent on as a referrer, never
 * framed (CSP frame-ancestors, and X-Frame-Options for browsers that predate it).
 */
export const PAGE_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex, nofollow',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/** Renders a public page with the headers every page needs, framed by the operator's identity. */
export function renderPage(c: Context, status: number, locale: Locale, title: string, body: Child, frame: Frame = 'card') {
  for (const [k, v] of Object.entries(PAGE_HEADERS)) c.header(k, v);
  return c.html(
    <Layout locale={locale} title={title} frame={frame} {...pageIdentity(c)}>
      {body}
    </Layout>,
    status as 200,
  );
}
