import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { Locale } from '../pages/i18n.js';
import { Document, PAGE_HEADERS } from '../pages/layout.js';
import { SECTION_SCOPE, type Section } from './rules.js';
import { adminTexts } from './texts.js';

// One column up to 72rem: tables and charts fit at 1280 px; at 360 px everything stacks and
// only a wide table scrolls inside its own box, never the page.
const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f4f4f5}
header.bar{background:#1a1a1a;color:#fff;padding:.5rem .75rem}
header.bar .in{max-width:72rem;margin:0 auto;display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;justify-content:space-between}
header.bar a{color:#fff}
header.bar strong{font-size:1.0625rem}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem}
nav a{display:inline-block;padding:.375rem .125rem}
nav a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
main{max-width:72rem;margin:0 auto;padding:1rem .75rem 2rem}
.card{background:#fff;border-radius:12px;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.16);margin:0 0 1rem;min-width:0}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .75rem}
h2{font-size:1.25rem;line-height:1.3;margin:0 0 .75rem}
p{margin:0 0 1rem}
a{color:#0b57d0;text-underline-offset:2px}
:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
header.bar :focus-visible{outline-color:#fff}
.notice{border-left:4px solid #8a4b00;background:#fff4e0;padding:.75rem 1rem;border-radius:6px}
.ok{border-left:4px solid #166534;background:#ecfdf3;padding:.75rem 1rem;border-radius:6px}
.error{border-left:4px solid #b3261e;background:#fdecea;padding:.75rem 1rem;border-radius:6px}
dl{margin:0 0 1rem;display:grid;grid-template-columns:12rem minmax(0,1fr);gap:.375rem 1rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
label{display:block;font-weight:600;margin:0 0 .25rem}
input[type=text],input[type=password],input[type=number],select,textarea{display:block;font:inherit;color:inherit;background:#fff;width:100%;max-width:40rem;min-height:44px;padding:.5rem .625rem;border:1px solid #6b6b70;border-radius:6px;margin:0 0 .75rem}
input[type=number]{max-width:8rem}
.choice{display:flex;gap:.5rem;align-items:center;padding:.25rem 0}
.choice label{font-weight:400;margin:0}
button{font:inherit;font-weight:600;line-height:1.25;min-height:44px;padding:.625rem 1rem;border:0;border-radius:8px;background:#0b57d0;color:#fff;cursor:pointer}
button.danger{background:#b3261e}
button.secondary{background:#fff;color:#0b57d0;border:2px solid #0b57d0}
header.bar button{background:#fff;color:#1a1a1a;min-height:36px;padding:.375rem .75rem}
.actions{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
.actions form{flex:1 1 16rem;min-width:0}
ol.requests{list-style:none;margin:0;padding:0}
ol.requests li{border-top:1px solid #d4d4d8;padding:.75rem 0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:baseline}
ol.requests li:first-child{border-top:0}
.late{font-weight:700;color:#b3261e}
.muted{color:#4a4a4a;font-size:.9375rem}
pre.text{white-space:pre-wrap;overflow-wrap:anywhere;font:inherit;background:#f8f8f8;border:1px solid #d4d4d8;border-radius:6px;padding:.75rem;margin:0 0 1rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.9375rem;margin:0 0 1rem}
th,td{border-bottom:1px solid #d4d4d8;padding:.375rem .625rem;text-align:left;vertical-align:top}
th[scope=row]{white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:1rem}
.figure{font-size:2rem;font-weight:700;line-height:1.1}
figure.chart{margin:0 0 1rem}
figure.chart svg{display:block;max-width:100%;height:auto}
svg .num{font:600 10px system-ui,sans-serif;fill:#1a1a1a}
svg .axis{font:10px system-ui,sans-serif;fill:#333}
ul.legend{list-style:none;margin:.5rem 0 0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
ul.legend li{display:flex;align-items:center;gap:.375rem}
code.key{display:block;overflow-wrap:anywhere;font-size:1.0625rem;background:#f8f8f8;border:2px dashed #1a1a1a;padding:.75rem;border-radius:6px;margin:0 0 1rem}
@media (max-width:30rem){
  main{padding:.5rem .5rem 1.5rem}
  .card{padding:1rem;border-radius:10px}
  dl{grid-template-columns:1fr;gap:0}
  dd{margin:0 0 .5rem}
  button{width:100%}
}`;

/** Who is signed in, as every page's bar shows them. */
export interface Signed {
  keyName: string;
  csrf: string;
  sections: Section[];
}

/** The frame of every dashboard page: the bar (sections the key may see, sign-out), then the page. */
export function AdminLayout(props: { locale: Locale; title: string; current?: Section; signed?: Signed; children: Child }) {
  const t = adminTexts[props.locale];
  const hrefs: Record<Section, string> = {
    requests: '/admin',
    charts: '/admin/charts',
    cadence: '/admin/cadence',
    outbox: '/admin/outbox',
    mailbox: '/admin/mailbox',
    keys: '/admin/keys',
  };
  const s = props.signed;
  return (
    <Document locale={props.locale} title={`${props.title} · ${t.title}`} css={CSS}>
      <header class="bar">
        <div class="in">
          <strong>{t.title}</strong>
          {s && (
            <nav aria-label={t.title}>
              <ul>
                {(Object.keys(SECTION_SCOPE) as Section[])
                  .filter((x) => s.sections.includes(x))
                  .map((x) => (
                    <li>
                      <a href={hrefs[x]} aria-current={props.current === x ? 'page' : undefined}>
                        {t.nav[x]}
                      </a>
                    </li>
                  ))}
              </ul>
            </nav>
          )}
          {s && (
            <form method="post" action="/admin/logout">
              <input type="hidden" name="csrf" value={s.csrf} />
              <span class="muted" style="color:#fff">
                {t.signedInAs}: {s.keyName}
              </span>{' '}
              <button type="submit">{t.signOut}</button>
            </form>
          )}
        </div>
      </header>
      <main>{props.children}</main>
    </Document>
  );
}

/** Renders a dashboard page with the public pages' headers (no cache, no framing, no referrer, CSP). */
export function renderAdmin(c: Context, status: number, p: { locale: Locale; title: string; current?: Section; signed?: Signed | undefined }, body: Child) {
  for (const [k, v] of Object.entries(PAGE_HEADERS)) c.header(k, v);
  return c.html(
    <AdminLayout locale={p.locale} title={p.title} current={p.current} signed={p.signed}>
      {body}
    </AdminLayout>,
    status as 200,
  );
}
