import { Hono } from 'hono';
import { sql } from 'kysely';
import type { ResolvedDeps } from '../deps.js';
import { messages } from '../pages/i18n.js';
import { messagePage, pageLocale, renderPage, unknownSubjectPage, verifyForPage } from '../pages/token.js';
import { loadSubjectState } from '../subjects/queries.js';
import { unsubscribe } from '../unsubscribe/actions.js';
import { TokenError, type LinkPurpose } from '../links/tokens.js';
import { enqueue } from '../outbox/queries.js';

const FRESH_LINK_WINDOW_MS = 10 * 60 * 1000;

/**
 * `/p/{token}`: the preference center. This first version shows the state of the mailing and
 * lets the person unsubscribe or go on to withdraw consent; frequency, rights and data come
 * with the full center.
 */
export function preferencesRoutes(deps: ResolvedDeps) {
  const app = new Hono();

  app.get('/p/:token', async (c) => {
    const v = await verifyForPage(c, deps, 'p');
    if (v instanceof Response) return v;
    const s = await loadSubjectState(deps.db, v.claims.sub);
    if (!s || s.status === 'erased') return unknownSubjectPage(c, pageLocale(c, deps));
    const locale = pageLocale(c, deps, s.locale);
    const t = messages[locale];
    const withdrawToken = await deps.signer.sign({ sub: s.id, p: 'w', ttlSeconds: deps.config.linkTtlDays.withdrawal * 86400 });
    return renderPage(
      c,
      200,
      locale,
      t.title,
      <>
        <h1>{t.title}</h1>
        <p>{t.preferencesLead}</p>
        <p>
          <strong>{t.marketingStatus}:</strong> {t.state[s.marketing]}
        </p>
        {s.marketing === 'granted' || s.marketing === 'pending' ? (
          <form method="post" action={`/p/${v.token}/unsubscribe?lang=${locale}`}>
            <button type="submit">{t.unsubscribeButton}</button>
          </form>
        ) : null}
        <p class="muted" style="margin-top:1rem">
          <a href={`/w/${withdrawToken}?lang=${locale}`}>{t.withdrawTitle}</a>
        </p>
      </>,
    );
  });

  app.post('/p/:token/unsubscribe', async (c) => {
    const v = await verifyForPage(c, deps, 'p');
    if (v instanceof Response) return v;
    const outcome = await unsubscribe(deps.db, v.claims.sub, {
      actorType: 'subject',
      at: deps.clock.now(),
      ip: deps.clientIp(c) ?? null,
      userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null,
      source: 'preference-center',
    });
    if (outcome.kind === 'unknown_subject') return unknownSubjectPage(c, pageLocale(c, deps));
    const locale = pageLocale(c, deps, outcome.locale);
    const t = messages[locale];
    return messagePage(c, 200, locale, t.unsubscribedTitle, t.unsubscribedLead);
  });

  return app;
}

/**
 * `POST /{p|w|c}/{token}/fresh-link`: an expired link whose signature is good names its
 * person, so we queue a fresh link to the address on file. At most one per person and purpose
 * in any 10 minutes (checked under the person's row lock), and the page reads the same whatever
 * happened, so it reveals nothing.
 */
export function freshLinkRoutes(deps: ResolvedDeps) {
  const app = new Hono();
  app.post('/:purpose{[pwc]}/:token/fresh-link', async (c) => {
    const purpose = c.req.param('purpose') as LinkPurpose;
    const token = c.req.param('token');
    let sub: string | null = null;
    try {
      sub = (await deps.signer.verify(token, purpose)).sub;
    } catch (e) {
      if (!(e instanceof TokenError)) throw e;
      if (e.reason === 'expired' && e.claims) sub = e.claims.sub;
    }
    const locale = pageLocale(c, deps);
    const t = messages[locale];
    if (!sub) {
      return messagePage(c, 400, locale, t.invalidTitle, t.invalidLead);
    }
    const now = deps.clock.now();
    const subjectId = sub;
    await deps.db.transaction().execute(async (trx) => {
      const s = await loadSubjectState(trx, subjectId, { lock: true });
      if (!s || s.status === 'erased') return;
      const recent = await trx
        .selectFrom('outbox')
        .select('id')
        .where('subject_id', '=', s.id)
        .where('kind', '=', 'fresh-link')
        .where('created_at', '>', new Date(now.getTime() - FRESH_LINK_WINDOW_MS))
        .where(sql<boolean>`payload->>'purpose' = ${purpose}`)
        .executeTakeFirst();
      if (recent) return;
      await enqueue(trx, {
        kind: 'fresh-link',
        subjectId: s.id,
        payload: { subjectId: s.id, purpose },
        idempotencyKey: `fresh-link:${s.id}:${purpose}:${now.getTime()}`,
        at: now,
      });
    });
    return messagePage(c, 200, locale, t.expiredTitle, t.freshLinkSent);
  });
  return app;
}
