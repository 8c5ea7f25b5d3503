import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { recordAudit } from '../audit/log.js';
import {
  type ApiKeyIdentity,
  createApiKey,
  findApiKey,
  findApiKeyById,
  hasScope,
  listApiKeys,
  revokeApiKey,
  SCOPES,
  type Scope,
  touchApiKey,
} from '../auth/keys.js';
import { cadenceToday } from '../cadence/at-cap.js';
import { cadenceLimits } from '../cadence/routes.js';
import type { ResolvedDeps } from '../deps.js';
import { outboxOverview } from '../outbox/queries.js';
import { retryDead } from '../outbox/retry.js';
import { type FormFields, readForm } from '../pages/forms.js';
import type { Locale } from '../pages/i18n.js';
import { pageLocale } from '../pages/layout.js';
import { limitReached, withinLimit } from '../pages/rate-limit.js';
import { redactAddresses } from '../privacy/redact.js';
import { actOnRequest } from '../requests/actions.js';
import { getRequest, listRequests, type RequestExtension, type RequestOut, toRequestOut } from '../requests/queries.js';
import { isOpen, REQUEST_ACTIONS, type RequestAction } from '../requests/rules.js';
import { readRequestTextAudited } from './actions.js';
import { BarList, ColumnChart } from './charts.js';
import { renderAdmin, type Signed } from './layout.js';
import { isMailFileName, linkRuns, parseMail } from './mailbox.js';
import { chartRange, consentsByWeek, SUPPRESSION_REASONS, suppressionsByWeek, unsubscribesByCampaign } from './queries.js';
import { crossSite, daysOverdue, maySee, SECTION_SCOPE, type Section, SIGN_IN_SCOPES, safeNext } from './rules.js';
import {
  type AdminSession,
  csrfToken,
  csrfValid,
  newSession,
  openSession,
  readSessionCookie,
  sealSession,
  sessionCookieHeader,
  sessionKey,
} from './session.js';
import { type AdminTexts, adminTexts } from './texts.js';

type Admin = { session: AdminSession; key: ApiKeyIdentity; signed: Signed; locale: Locale; form: FormFields };
type Env = { Variables: { admin: Admin } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LOGIN_LIMIT = { max: 10, windowMs: 15 * 60_000 };
const CHART_DAYS = [30, 90, 180, 365] as const;

/**
 * The operator's dashboard under `/admin`: server-rendered pages, no script. Sign-in with an
 * API key (admin or requests:manage) into a signed, httpOnly, SameSite=Strict cookie; every
 * request re-checks the key is live and holds the section's scope; every form carries the
 * session's CSRF token and a post from another site is refused. Handlers verify, call an
 * action or a query of the owning capability, and render.
 */
export function adminRoutes(deps: ResolvedDeps) {
  const app = new Hono<Env>();
  // Derived at the first dashboard request, not when the app is built (a Worker builds it in
  // its global scope, where Web Crypto's randomness is not allowed).
  let derived: Promise<CryptoKey> | undefined;
  const sessionHmac = () => {
    derived ??= sessionKey(deps.config);
    return derived;
  };
  const secure = deps.config.publicBaseUrl.startsWith('https://');
  const hours = deps.config.admin.sessionHours;
  const tz = deps.config.timeZone;
  const ownOrigin = new URL(deps.config.publicBaseUrl).origin;

  const fmt = (d: Date | string, locale: Locale) =>
    new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(d));
  const localeOf = (c: Parameters<typeof pageLocale>[0], stored?: Locale) => {
    const q = c.req.query('lang');
    return q === 'ru' || q === 'en' ? q : (stored ?? pageLocale(c, deps));
  };
  const isCrossSite = (c: Parameters<typeof pageLocale>[0]) =>
    crossSite({ origin: c.req.header('origin'), secFetchSite: c.req.header('sec-fetch-site') }, [ownOrigin, new URL(c.req.url).origin]);
  const message = (c: Parameters<typeof pageLocale>[0], status: number, locale: Locale, title: string, lead: string, signed?: Signed) =>
    renderAdmin(
      c,
      status,
      { locale, title, signed },
      <div class="card">
        <h1>{title}</h1>
        <p>{lead}</p>
        <p>
          <a href="/admin">{adminTexts[locale].title}</a>
        </p>
      </div>,
    );
  const audit = (c: Parameters<typeof pageLocale>[0], key: ApiKeyIdentity, action: string, subjectId: string | null) =>
    recordAudit(deps.db, { keyId: key.id, subjectId, action, purpose: null, requestId: c.get('requestId') ?? null, at: deps.clock.now() });

  /** The session, the live key and the section's scope; on a post also the origin and the CSRF token. */
  const guard = (section: Section) =>
    createMiddleware<Env>(async (c, next) => {
      const now = deps.clock.now();
      const key = await sessionHmac();
      const session = await openSession(key, readSessionCookie(c.req.header('cookie')), now);
      const identity = session ? await findApiKeyById(deps.db, session.keyId) : null;
      const locale = localeOf(c, session?.locale);
      const t = adminTexts[locale];
      if (!session || !identity || !hasScope(identity, SIGN_IN_SCOPES)) {
        if (session) c.header('Set-Cookie', sessionCookieHeader('', { maxAge: 0, secure }));
        if (c.req.method === 'GET') {
          const u = new URL(c.req.url);
          return c.redirect(`/admin/login?next=${encodeURIComponent(u.pathname + u.search)}`, 303);
        }
        return message(c, 403, locale, t.csrfTitle, t.csrfLead);
      }
      const signed: Signed = {
        keyName: identity.name,
        csrf: await csrfToken(key, session),
        sections: (Object.keys(SECTION_SCOPE) as Section[]).filter((s) => maySee(identity, s)),
      };
      let form: FormFields = {};
      if (c.req.method === 'POST') {
        const posted = isCrossSite(c) ? null : await readForm(c);
        if (!posted || !(await csrfValid(key, session, posted.csrf))) return message(c, 403, locale, t.csrfTitle, t.csrfLead, signed);
        form = posted;
      }
      if (!maySee(identity, section)) return message(c, 403, locale, t.forbiddenTitle, t.forbiddenLead, signed);
      c.set('admin', { session, key: identity, signed, locale, form });
      await next();
    });

  // ---------- sign-in, sign-out ----------

  const loginPage = (c: Parameters<typeof pageLocale>[0], status: number, locale: Locale, next: string, error?: string) => {
    const t = adminTexts[locale];
    return renderAdmin(
      c,
      status,
      { locale, title: t.signInTitle },
      <div class="card">
        <h1>{t.signInTitle}</h1>
        <p>{t.signInLead}</p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <form method="post" action="/admin/login">
          <input type="hidden" name="next" value={next} />
          <input type="hidden" name="lang" value={locale} />
          <label for="key">{t.keyLabel}</label>
          <input type="password" id="key" name="key" autocomplete="off" required spellcheck={false} />
          <button type="submit">{t.signIn}</button>
        </form>
        <p class="muted">
          <a href={`/admin/login?lang=ru&next=${encodeURIComponent(next)}`} lang="ru">
            Русский
          </a>{' '}
          ·{' '}
          <a href={`/admin/login?lang=en&next=${encodeURIComponent(next)}`} lang="en">
            English
          </a>
        </p>
      </div>,
    );
  };

  app.get('/admin/login', (c) => loginPage(c, 200, localeOf(c), safeNext(c.req.query('next'))));

  app.post('/admin/login', async (c) => {
    const form = isCrossSite(c) ? null : await readForm(c);
    const locale = form?.lang === 'en' || form?.lang === 'ru' ? form.lang : localeOf(c);
    const t = adminTexts[locale];
    if (!form) return message(c, 403, locale, t.csrfTitle, t.csrfLead);
    const next = safeNext(form.next);
    const now = deps.clock.now();
    const ip = deps.clientIp(c) ?? 'unknown';
    // Failed attempts count, per client; past the limit nothing is tried, a right key included.
    const limitKey = `admin-login:ip:${await deps.hasher.hash(`ip:${ip}`)}`;
    const limited = () => {
      deps.logger.warn('admin sign-in rate-limited', { requestId: c.get('requestId') });
      return loginPage(c, 429, locale, next, t.tooMany);
    };
    if (await limitReached(deps.db, limitKey, { ...LOGIN_LIMIT, now })) return limited();
    const identity = form.key ? await findApiKey(deps.db, form.key.trim()) : null;
    if (!identity || !hasScope(identity, SIGN_IN_SCOPES)) {
      deps.logger.warn('admin sign-in refused', { requestId: c.get('requestId'), key: identity?.id });
      if (!(await withinLimit(deps.db, limitKey, { ...LOGIN_LIMIT, now }))) return limited();
      return loginPage(c, 401, locale, next, t.badKey);
    }
    await touchApiKey(deps.db, identity.id, now);
    await audit(c, identity, 'admin.sign_in', null);
    const session = newSession(identity.id, locale, now, hours);
    c.header('Set-Cookie', sessionCookieHeader(await sealSession(await sessionHmac(), session), { maxAge: hours * 3600, secure }));
    deps.logger.info('admin sign-in', { key: identity.id, requestId: c.get('requestId') });
    return c.redirect(next, 303);
  });

  app.post('/admin/logout', guard('requests'), (c) => {
    c.header('Set-Cookie', sessionCookieHeader('', { maxAge: 0, secure }));
    return c.redirect('/admin/login', 303);
  });

  // ---------- requests ----------

  const overdueMark = (r: RequestOut, t: AdminTexts, now: Date) =>
    r.overdue ? (
      <span class="late">
        <span aria-hidden="true">⚠ </span>
        {t.overdue(daysOverdue(new Date(r.dueAt), now))}
      </span>
    ) : null;

  app.get('/admin', guard('requests'), async (c) => {
    const { locale, signed } = c.var.admin;
    const t = adminTexts[locale];
    const now = deps.clock.now();
    // Open requests only (dueBefore keeps the open ones), by due date: the most urgent first.
    const open = await listRequests(deps.db, { dueBefore: new Date(now.getTime() + 100 * 365 * 86_400_000), limit: 200, now });
    return renderAdmin(
      c,
      200,
      { locale, title: t.requestsTitle, current: 'requests', signed },
      <div class="card">
        <h1>{t.requestsTitle}</h1>
        <p class="muted">{t.requestsLead}</p>
        {open.length === 0 ? (
          <p>{t.noRequests}</p>
        ) : (
          <ol class="requests">
            {open.map((r) => (
              <li data-request={r.id}>
                {overdueMark(r, t, now)}
                <a href={`/admin/requests/${r.id}`}>{t.types[r.type]}</a>
                <span>
                  {t.due}: {fmt(r.dueAt, locale)}
                </span>
                <span class="muted">
                  {t.status}: {t.statuses[r.status]} · {t.received}: {fmt(r.receivedAt, locale)} · {r.id.slice(0, 8)}
                </span>
              </li>
            ))}
          </ol>
        )}
      </div>,
    );
  });

  const requestPage = async (
    c: Parameters<typeof pageLocale>[0],
    admin: Admin,
    id: string,
    opts: { status?: number; error?: string; done?: string; text?: { body: string | null } | null; purpose?: string } = {},
  ) => {
    const { locale, signed } = admin;
    const t = adminTexts[locale];
    const now = deps.clock.now();
    const row = await getRequest(deps.db, id);
    if (!row) return message(c, 404, locale, t.notFoundTitle, t.notFoundTitle, signed);
    const r = toRequestOut(row, now);
    const extensions = (r.extensions as RequestExtension[]) ?? [];
    const hidden = <input type="hidden" name="csrf" value={signed.csrf} />;
    return renderAdmin(
      c,
      opts.status ?? 200,
      { locale, title: `${t.requestTitle} ${r.id.slice(0, 8)}`, current: 'requests', signed },
      <>
        <div class="card">
          <h1>
            {t.types[r.type]} · {r.id.slice(0, 8)}
          </h1>
          {opts.done && (
            <p class="ok" role="status">
              {opts.done}
            </p>
          )}
          {opts.error && (
            <p class="error" role="alert">
              {opts.error}
            </p>
          )}
          <dl>
            <dt>{t.status}</dt>
            <dd>
              {t.statuses[r.status]} {overdueMark(r, t, now)}
            </dd>
            <dt>{t.due}</dt>
            <dd>{fmt(r.dueAt, locale)}</dd>
            <dt>{t.received}</dt>
            <dd>{fmt(r.receivedAt, locale)}</dd>
            <dt>{t.subject}</dt>
            <dd>
              <code>{r.subject}</code>
            </dd>
            {extensions.length > 0 && (
              <>
                <dt>{t.extensions}</dt>
                <dd>
                  {extensions.map((e) => (
                    <div>
                      {fmt(e.at, locale)}: +{e.businessDays} · {e.reason}
                    </div>
                  ))}
                </dd>
              </>
            )}
          </dl>
          <p>
            <a href="/admin">{t.back}</a>
          </p>
        </div>
        <div class="card" id="text">
          <h2>{t.textHeading}</h2>
          {opts.text ? (
            <>
              {opts.text.body ? <pre class="text">{opts.text.body}</pre> : <p>{t.noText}</p>}
              <p class="muted">{t.readLogged}</p>
            </>
          ) : (
            <form method="get" action={`/admin/requests/${r.id}`}>
              <p class="muted">{t.textHidden}</p>
              <label for="purpose">{t.purposeLabel}</label>
              <input type="text" id="purpose" name="purpose" required maxlength={500} value={opts.purpose ?? t.purposeDefault(r.id)} />
              <button type="submit">{t.showText}</button>
            </form>
          )}
        </div>
        {isOpen(r.status) && (
          <div class="card">
            <h2>{t.actionsHeading}</h2>
            <div class="actions">
              {r.status === 'received' && (
                <form method="post" action={`/admin/requests/${r.id}/start`}>
                  {hidden}
                  <button type="submit">{t.actions.start}</button>
                </form>
              )}
              {r.type !== 'erasure' && (
                <form method="post" action={`/admin/requests/${r.id}/complete`}>
                  {hidden}
                  <button type="submit" class="secondary">
                    {t.actions.complete}
                  </button>
                </form>
              )}
              <form method="post" action={`/admin/requests/${r.id}/reject`}>
                {hidden}
                <label for="reject-reason">{t.reasonLabel}</label>
                <textarea id="reject-reason" name="reason" required maxlength={2000} rows={3} />
                <button type="submit" class="danger">
                  {t.actions.reject}
                </button>
              </form>
              <form method="post" action={`/admin/requests/${r.id}/extend`}>
                {hidden}
                <label for="extend-reason">{t.reasonLabel}</label>
                <textarea id="extend-reason" name="reason" required maxlength={2000} rows={3} />
                <label for="extend-days">{t.daysLabel}</label>
                <input type="number" id="extend-days" name="businessDays" min={1} max={5} />
                <button type="submit" class="secondary">
                  {t.actions.extend}
                </button>
              </form>
            </div>
          </div>
        )}
      </>,
    );
  };

  app.get('/admin/requests/:id', guard('requests'), async (c) => {
    const admin = c.var.admin;
    const id = c.req.param('id');
    const t = adminTexts[admin.locale];
    if (!UUID.test(id)) return message(c, 404, admin.locale, t.notFoundTitle, t.notFoundTitle, admin.signed);
    const done = c.req.query('done');
    const doneText = done && (REQUEST_ACTIONS as readonly string[]).includes(done) ? t.done[done as RequestAction] : undefined;
    const purpose = c.req.query('purpose')?.trim().slice(0, 500);
    if (!purpose) return requestPage(c, admin, id, { done: doneText });
    // The one GET that writes: the audit row of this read of a person's words, with its purpose.
    const text = await readRequestTextAudited(deps.db, id, { keyId: admin.key.id, purpose, requestId: c.get('requestId') ?? null, at: deps.clock.now() });
    if (!text) return message(c, 404, admin.locale, t.notFoundTitle, t.notFoundTitle, admin.signed);
    deps.logger.info('request text read', { request: id, key: admin.key.id, requestId: c.get('requestId') });
    return requestPage(c, admin, id, { text, done: doneText });
  });

  app.post('/admin/requests/:id/:action', guard('requests'), async (c) => {
    const admin = c.var.admin;
    const t = adminTexts[admin.locale];
    const id = c.req.param('id');
    const action = c.req.param('action') as RequestAction;
    if (!UUID.test(id) || !REQUEST_ACTIONS.includes(action)) return message(c, 404, admin.locale, t.notFoundTitle, t.notFoundTitle, admin.signed);
    const reason = admin.form.reason?.replace(/\r\n?/g, '\n').trim().slice(0, 2000) || undefined;
    const days = admin.form.businessDays?.trim();
    const businessDays = days && /^[1-5]$/.test(days) ? Number(days) : undefined;
    const out = await actOnRequest(deps.db, id, action, { reason, businessDays, by: admin.key.id, now: deps.clock.now() }, deps);
    if (out.kind === 'not_found') return message(c, 404, admin.locale, t.notFoundTitle, t.notFoundTitle, admin.signed);
    if (out.kind === 'closed') return requestPage(c, admin, id, { status: 409, error: t.closed(t.statuses[out.status]) });
    if (out.kind === 'reason_required') return requestPage(c, admin, id, { status: 422, error: t.reasonRequired });
    if (out.kind === 'refused') return requestPage(c, admin, id, { status: 409, error: out.reason });
    await audit(c, admin.key, `POST /admin/requests/{id}/${action}`, out.request.subject);
    deps.logger.info('request action', { request: id, action, key: admin.key.id, requestId: c.get('requestId') });
    return c.redirect(`/admin/requests/${id}?done=${action}`, 303);
  });

  // ---------- charts ----------

  app.get('/admin/charts', guard('charts'), async (c) => {
    const { locale, signed } = c.var.admin;
    const t = adminTexts[locale];
    const asked = Number(c.req.query('days'));
    const days = (CHART_DAYS as readonly number[]).includes(asked) ? asked : 90;
    const range = chartRange(deps.clock.now(), days, tz);
    const [sup, cons, camps] = await Promise.all([
      suppressionsByWeek(deps.db, range),
      consentsByWeek(deps.db, range),
      unsubscribesByCampaign(deps.db, range, 20),
    ]);
    const supSeries = SUPPRESSION_REASONS.map((reason) => ({
      name: t.reasons[reason],
      values: range.weeks.map((w) => sup.find((x) => x.week === w && x.reason === reason)?.count ?? 0),
    }));
    const consSeries = [
      { name: t.granted, values: range.weeks.map((w) => cons.find((x) => x.week === w)?.granted ?? 0) },
      { name: t.withdrawn, values: range.weeks.map((w) => cons.find((x) => x.week === w)?.withdrawn ?? 0) },
    ];
    const weekTable = (series: { name: string; values: number[] }[]) => (
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">{t.week}</th>
              {series.map((s) => (
                <th scope="col" class="n">
                  {s.name}
                </th>
              ))}
              <th scope="col" class="n">
                {t.total}
              </th>
            </tr>
          </thead>
          <tbody>
            {range.weeks.map((w, j) => (
              <tr>
                <th scope="row">{w}</th>
                {series.map((s) => (
                  <td class="n">{s.values[j]}</td>
                ))}
                <td class="n">{series.reduce((a, s) => a + (s.values[j] ?? 0), 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
    return renderAdmin(
      c,
      200,
      { locale, title: t.chartsTitle, current: 'charts', signed },
      <>
        <div class="card">
          <h1>{t.chartsTitle}</h1>
          <form method="get" action="/admin/charts">
            <label for="days">{t.rangeLabel}</label>
            <select id="days" name="days">
              {CHART_DAYS.map((d) => (
                <option value={String(d)} selected={d === days}>
                  {t.days(d)}
                </option>
              ))}
            </select>
            <button type="submit" class="secondary">
              {t.show}
            </button>
          </form>
        </div>
        <section class="card" aria-labelledby="sup-h">
          <h2 id="sup-h">{t.suppressionsChart}</h2>
          <ColumnChart id="sup" title={t.suppressionsChart} labels={range.weeks} series={supSeries} stacked={true} />
          {weekTable(supSeries)}
        </section>
        <section class="card" aria-labelledby="cons-h">
          <h2 id="cons-h">{t.consentsChart}</h2>
          <ColumnChart id="cons" title={t.consentsChart} labels={range.weeks} series={consSeries} stacked={false} />
          {weekTable(consSeries)}
        </section>
        <section class="card" aria-labelledby="camp-h">
          <h2 id="camp-h">{t.campaignsChart}</h2>
          {camps.length === 0 ? (
            <p>{t.nothing}</p>
          ) : (
            <>
              <BarList id="camp" title={t.campaignsChart} rows={camps.map((x) => ({ label: x.campaign ?? t.noCampaign, value: x.count }))} />
              <div class="scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t.campaign}</th>
                      <th scope="col" class="n">
                        {t.count}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {camps.map((x) => (
                      <tr>
                        <th scope="row">{x.campaign ?? t.noCampaign}</th>
                        <td class="n">{x.count}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </section>
      </>,
    );
  });

  // ---------- cadence ----------

  app.get('/admin/cadence', guard('cadence'), async (c) => {
    const { locale, signed } = c.var.admin;
    const t = adminTexts[locale];
    const today = await cadenceToday(deps.db, { limits: cadenceLimits(deps), ttlHours: deps.config.cadence.reservationTtlHours, now: deps.clock.now() });
    const figure = (label: string, n: number, id: string) => (
      <div>
        <div class="figure" id={id}>
          {n}
        </div>
        <div>{label}</div>
      </div>
    );
    return renderAdmin(
      c,
      200,
      { locale, title: t.cadenceTitle, current: 'cadence', signed },
      <div class="card">
        <h1>{t.cadenceTitle}</h1>
        <p class="muted">{t.cadenceLead}</p>
        <div class="figures">
          {figure(t.atCap, today.atCap, 'at-cap')}
          {figure(t.inGap, today.inGap, 'in-gap')}
          {figure(t.free, today.free, 'free')}
          {figure(t.withSends, today.withCountingSends, 'with-sends')}
        </div>
      </div>,
    );
  });

  // ---------- outbox ----------

  const outboxDone = (t: AdminTexts, done: string | undefined) =>
    done === 'retried' ? { ok: t.retried } : done === 'not_dead' ? { error: t.notDead } : done === 'cancelled' ? { error: t.cancelledRow } : {};

  app.get('/admin/outbox', guard('outbox'), async (c) => {
    const { locale, signed } = c.var.admin;
    const t = adminTexts[locale];
    const o = await outboxOverview(deps.db, 50);
    const flash = outboxDone(t, c.req.query('done'));
    return renderAdmin(
      c,
      200,
      { locale, title: t.outboxTitle, current: 'outbox', signed },
      <>
        <div class="card">
          <h1>{t.outboxTitle}</h1>
          {flash.ok && (
            <p class="ok" role="status">
              {flash.ok}
            </p>
          )}
          {flash.error && (
            <p class="error" role="alert">
              {flash.error}
            </p>
          )}
          <div class="figures">
            <div>
              <div class="figure" id="pending">
                {o.pending}
              </div>
              <div>{t.pending}</div>
            </div>
            <div>
              <div class="figure" id="dead">
                {o.dead}
              </div>
              <div>{t.dead}</div>
            </div>
          </div>
        </div>
        <div class="card">
          <h2>{t.deadHeading}</h2>
          {o.deadRows.length === 0 ? (
            <p>{t.noDead}</p>
          ) : (
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">{t.kind}</th>
                    <th scope="col">{t.subject}</th>
                    <th scope="col" class="n">
                      {t.attempts}
                    </th>
                    <th scope="col">{t.lastError}</th>
                    <th scope="col">
                      <span class="muted">{t.retry}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {o.deadRows.map((r) => (
                    <tr data-outbox={r.id}>
                      <td>{r.id}</td>
                      <td>{r.kind}</td>
                      <td>
                        <code>{r.subjectId?.slice(0, 8) ?? '—'}</code>
                      </td>
                      <td class="n">{r.attempts}</td>
                      <td>
                        {redactAddresses(r.lastError ?? '').slice(0, 300)}
                        {r.doneAt && <div class="muted">{fmt(r.doneAt, locale)}</div>}
                      </td>
                      <td>
                        <form method="post" action={`/admin/outbox/${r.id}/retry`}>
                          <input type="hidden" name="csrf" value={signed.csrf} />
                          <button type="submit" aria-label={`${t.retry} #${r.id}`}>
                            {t.retry}
                          </button>
                        </form>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </>,
    );
  });

  app.post('/admin/outbox/:id/retry', guard('outbox'), async (c) => {
    const admin = c.var.admin;
    const id = c.req.param('id');
    const out = await retryDead(deps.db, id, deps.clock.now());
    if (out.kind === 'retried') {
      await audit(c, admin.key, 'POST /admin/outbox/{id}/retry', null);
      deps.logger.info('outbox row retried', { outbox: id, key: admin.key.id, requestId: c.get('requestId') });
    }
    return c.redirect(`/admin/outbox?done=${out.kind}`, 303);
  });

  // ---------- the development mailbox ----------

  app.get('/admin/mailbox', guard('mailbox'), async (c) => {
    const { locale, signed } = c.var.admin;
    const t = adminTexts[locale];
    const box = deps.devMailbox;
    const files = box ? await box.list(50) : [];
    const mails = box ? await Promise.all(files.map(async (f) => ({ f, m: parseMail((await box.read(f.name)) ?? '') }))) : [];
    return renderAdmin(
      c,
      200,
      { locale, title: t.mailboxTitle, current: 'mailbox', signed },
      <div class="card">
        <h1>{t.mailboxTitle}</h1>
        {!box ? (
          <p class="notice">{t.mailboxOff}</p>
        ) : (
          <>
            <p class="muted">{t.mailboxLead(box.where)}</p>
            {mails.length === 0 ? (
              <p>{t.noMail}</p>
            ) : (
              <ol class="requests">
                {mails.map(({ f, m }) => (
                  <li>
                    <a href={`/admin/mailbox/${encodeURIComponent(f.name)}`}>{m.subject || f.name}</a>
                    <span class="muted">
                      {m.to} · {fmt(f.modifiedAt, locale)}
                    </span>
                  </li>
                ))}
              </ol>
            )}
          </>
        )}
      </div>,
    );
  });

  app.get('/admin/mailbox/:name', guard('mailbox'), async (c) => {
    const { locale, signed } = c.var.admin;
    const t = adminTexts[locale];
    const name = c.req.param('name');
    const raw = deps.devMailbox && isMailFileName(name) ? await deps.devMailbox.read(name) : null;
    if (raw === null) return message(c, 404, locale, t.notFoundTitle, t.notFoundTitle, signed);
    const m = parseMail(raw);
    return renderAdmin(
      c,
      200,
      { locale, title: m.subject || t.mailboxTitle, current: 'mailbox', signed },
      <div class="card">
        <h1>{m.subject}</h1>
        <dl>
          <dt>{t.mailTo}</dt>
          <dd>{m.to}</dd>
          <dt>{t.mailDate}</dt>
          <dd>{m.date}</dd>
        </dl>
        <pre class="text">{linkRuns(m.text).map((r) => (r.href ? <a href={r.href}>{r.text}</a> : r.text))}</pre>
        <p>
          <a href="/admin/mailbox">{t.mailboxTitle}</a>
        </p>
      </div>,
    );
  });

  // ---------- API keys ----------

  const keysPage = async (
    c: Parameters<typeof pageLocale>[0],
    admin: Admin,
    opts: { status?: number; created?: string; done?: string; error?: string } = {},
  ) => {
    const { locale, signed } = admin;
    const t = adminTexts[locale];
    const keys = await listApiKeys(deps.db);
    return renderAdmin(
      c,
      opts.status ?? 200,
      { locale, title: t.keysTitle, current: 'keys', signed },
      <>
        {opts.created && (
          <div class="card">
            <h1>{t.newKeyTitle}</h1>
            <p class="notice">{t.newKeyLead}</p>
            <code class="key" id="new-key">
              {opts.created}
            </code>
          </div>
        )}
        <div class="card">
          {!opts.created && <h1>{t.keysTitle}</h1>}
          {opts.done && (
            <p class="ok" role="status">
              {opts.done}
            </p>
          )}
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">id</th>
                  <th scope="col">{t.keyName}</th>
                  <th scope="col">{t.scopes}</th>
                  <th scope="col">{t.created}</th>
                  <th scope="col">{t.lastUsed}</th>
                  <th scope="col">
                    <span class="muted">{t.revoke}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <tr data-key={k.id}>
                    <td>
                      <code>{k.id}</code>
                    </td>
                    <td>{k.name}</td>
                    <td>{k.scopes.join(', ')}</td>
                    <td>{fmt(k.created_at, locale)}</td>
                    <td>{k.last_used_at ? fmt(k.last_used_at, locale) : t.never}</td>
                    <td>
                      {k.revoked_at ? (
                        <span>
                          {t.revoked} {fmt(k.revoked_at, locale)}
                        </span>
                      ) : (
                        <form method="post" action={`/admin/keys/${k.id}/revoke`}>
                          <input type="hidden" name="csrf" value={signed.csrf} />
                          <button type="submit" class="danger" aria-label={`${t.revoke} ${k.id}`}>
                            {t.revoke}
                          </button>
                        </form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
        <div class="card">
          <h2>{t.createKey}</h2>
          {opts.error && (
            <p class="error" role="alert">
              {opts.error}
            </p>
          )}
          <form method="post" action="/admin/keys">
            <input type="hidden" name="csrf" value={signed.csrf} />
            <label for="name">{t.keyName}</label>
            <input type="text" id="name" name="name" required maxlength={100} />
            <fieldset>
              <legend>{t.scopes}</legend>
              {SCOPES.map((s) => (
                <div class="choice">
                  <input type="checkbox" id={`scope-${s}`} name={`scope:${s}`} value="on" />
                  <label for={`scope-${s}`}>{s}</label>
                </div>
              ))}
            </fieldset>
            <button type="submit">{t.createKey}</button>
          </form>
        </div>
      </>,
    );
  };

  app.get('/admin/keys', guard('keys'), (c) => {
    const admin = c.var.admin;
    return keysPage(c, admin, { done: c.req.query('done') === 'revoked' ? adminTexts[admin.locale].keyRevoked : undefined });
  });

  app.post('/admin/keys', guard('keys'), async (c) => {
    const admin = c.var.admin;
    const name = admin.form.name?.trim().slice(0, 100);
    const scopes = SCOPES.filter((s) => admin.form[`scope:${s}`] === 'on') as Scope[];
    if (!name || scopes.length === 0) return keysPage(c, admin, { status: 422, error: adminTexts[admin.locale].nameRequired });
    const { id, key } = await createApiKey(deps.db, { name, scopes }, deps.clock.now());
    await audit(c, admin.key, 'POST /admin/keys', null);
    deps.logger.info('api key created', { created: id, scopes, key: admin.key.id, requestId: c.get('requestId') });
    return keysPage(c, admin, { status: 201, created: key });
  });

  app.post('/admin/keys/:id/revoke', guard('keys'), async (c) => {
    const admin = c.var.admin;
    const id = c.req.param('id');
    if (await revokeApiKey(deps.db, id, deps.clock.now())) {
      await audit(c, admin.key, 'POST /admin/keys/{id}/revoke', null);
      deps.logger.info('api key revoked', { revoked: id, key: admin.key.id, requestId: c.get('requestId') });
    }
    return c.redirect('/admin/keys?done=revoked', 303);
  });

  return app;
}
