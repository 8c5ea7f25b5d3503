import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { Locale } from './i18n.js';
import { IDENTITY_CSS, IdentityFooter, IdentityHeader, type Operator } from './identity.js';

const css = `
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
 * The frame of every public page: readable on a 360 px phone, no scripts, no external assets.
 * Above the card whose mail this is and the (masked) address acted on; below it a person to write to.
 */
export function Layout(props: { locale: Locale; title: string; operator?: Operator | undefined; actingOn?: string | undefined; children: Child }) {
  return (
    <Document locale={props.locale} title={props.title} css={css}>
      <main>
        <IdentityHeader locale={props.locale} operator={props.operator} actingOn={props.actingOn} />
        <div class="card">{props.children}</div>
        <IdentityFooter locale={props.locale} operator={props.operator} />
      </main>
    </Document>
  );
}

/** Headers every public page carries: nothing cached, token never sent on as a referrer. */
export const PAGE_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex, nofollow',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};
