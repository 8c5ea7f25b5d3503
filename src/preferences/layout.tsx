import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { Locale } from '../pages/i18n.js';
import { IDENTITY_CSS, IdentityFooter, IdentityHeader, pageIdentity, type Operator } from '../pages/identity.js';
import { Document, PAGE_HEADERS } from '../pages/layout.js';

// One column up to 46rem: comfortable at 1280 px, nothing wider than the screen at 360 px.
// Colours keep at least 4.5:1 for text and 3:1 for borders and the focus ring against white.
const css = `
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

/** The frame of the preference center's pages: no scripts, no external assets; the operator and the masked address around them. */
export function CenterLayout(props: { locale: Locale; title: string; operator?: Operator | undefined; actingOn?: string | undefined; children: Child }) {
  return (
    <Document locale={props.locale} title={props.title} css={css}>
      <main>
        <IdentityHeader locale={props.locale} operator={props.operator} actingOn={props.actingOn} />
        {props.children}
        <IdentityFooter locale={props.locale} operator={props.operator} />
      </main>
    </Document>
  );
}

/** Renders a preference-center page with the headers every public page carries. */
export function renderCenterPage(c: Context, status: number, locale: Locale, title: string, body: Child) {
  for (const [k, v] of Object.entries(PAGE_HEADERS)) c.header(k, v);
  return c.html(
    <CenterLayout locale={locale} title={title} {...pageIdentity(c)}>
      {body}
    </CenterLayout>,
    status as 200,
  );
}
