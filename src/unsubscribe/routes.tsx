import { type Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { readPreferences, setPreferences } from '../cadence/frequency.js';
import { personEvidence } from '../consent/evidence.js';
import type { ResolvedDeps } from '../deps.js';
import { clientWithinMailLimit, requestFreshLink } from '../links/fresh-link.js';
import { BY_ADDRESS_PATH } from '../links/pages.js';
import type { LinkClaims } from '../links/tokens.js';
import { openLinkPage, verifyForPage } from '../links/verify.js';
import { formField } from '../pages/forms.js';
import { type Locale, messages } from '../pages/i18n.js';
import { showActingOn } from '../pages/identity.js';
import { pageLocale, renderPage } from '../pages/layout.js';
import { messagePage, unknownSubjectPage } from '../pages/message.js';
import { loadSubjectState, type SubjectState } from '../subjects/queries.js';
import { findTopic, topicChoices } from '../topics/queries.js';
import { topicName } from '../topics/rules.js';
import { unsubscribeByLink } from './by-link.js';
import { requestResubscription } from './resubscribe.js';

/**
 * `/u/{token}`: GET shows one button and changes nothing (mail scanners prefetch links);
 * POST unsubscribes, from that button or as RFC 8058 one-click
 * (`List-Unsubscribe=One-Click`, urlencoded or multipart). Both answer 200, no redirect.
 *
 * Beside the button, never instead of it, the page offers "at most one a month instead"
 * (`POST /u/{token}/monthly`); after unsubscribing it offers a way back
 * (`POST /u/{token}/resubscribe`: a confirmation mailed to the address, nothing more).
 * `POST /u/by-address` is the damaged-link page's way to leave: it mails a link, never acts.
 *
 * A topic link (its token names a topic, `t`) asks about that topic only, and its POST (the
 * button, or the mailbox's one-click) leaves that topic only; "all advertising mail" is a second,
 * separate form (`POST /u/{token}/all`). The topic comes from the signed token alone: nothing in
 * the body can name another.
 */
export function unsubscribeRoutes(deps: ResolvedDeps) {
  const app = new Hono();

  /** The prologue of the page's offers: a good `u` link of a person who is still here. */
  const openLiving = (c: Context) => openLinkPage(c, deps, 'u', { living: true });

  // Before /u/:token, which would otherwise take "by-address" for a (damaged) token.
  app.post(BY_ADDRESS_PATH, async (c) => {
    const locale = pageLocale(c, deps);
    const t = messages[locale];
    // The preference center's link: it unsubscribes with one button, after the person opened
    // their own mail. The answer is the same for any address; only the per-client limit differs.
    const outcome = await requestFreshLink(deps, c, { purpose: 'p', subjectId: null, typedEmail: await formField(c.req.raw, 'email') });
    if (outcome === 'too_many') return messagePage(c, 429, locale, t.tooManyTitle, t.tooManyLead);
    deps.logger.info('unsubscribe link by address requested', { requestId: c.get('requestId') });
    return messagePage(c, 200, locale, t.byAddressSentTitle, t.byAddressSentLead);
  });

  app.get('/u/:token', async (c) => {
    const o = await openLinkPage(c, deps, 'u');
    if (o instanceof Response) return o;
    const { token, state: s, locale, t } = o;
    if (s.status === 'erased' || s.marketing === 'withdrawn') {
      return renderPage(c, 200, locale, t.unsubscribedTitle, <Done locale={locale} token={token} s={s} orgUrl={deps.config.orgUrl} />);
    }
    // A topic never defined here means all advertising mail: the page below says so.
    const topic = o.claims.t ? await findTopic(deps.db, o.claims.t) : undefined;
    if (topic) {
      const name = topicName(topic, locale);
      if ((await topicChoices(deps.db, s.id)).get(topic.key) === false) {
        return renderPage(c, 200, locale, t.uTopicDoneTitle(name), <TopicDone locale={locale} token={token} name={name} />);
      }
      return messagePage(
        c,
        200,
        locale,
        t.uTopicTitle(name),
        t.uTopicLead(name),
        <>
          {topic.removedAt ? <p class="muted">{t.uTopicRemovedNote}</p> : null}
          <UnsubscribeForm locale={locale} token={token} label={t.uTopicButton(name)} />
          <AllOffer locale={locale} token={token} />
        </>,
      );
    }
    const monthly = mayGoMonthly(s) && (await readPreferences(deps.db, s.id)).frequency === 'standard';
    return messagePage(
      c,
      200,
      locale,
      t.unsubscribeTitle,
      t.unsubscribeLead,
      <>
        <UnsubscribeForm locale={locale} token={token} />
        {monthly ? <MonthlyOffer locale={locale} token={token} /> : null}
      </>,
    );
  });

  app.post('/u/:token', async (c) => {
    const v = await verifyForPage(c, deps, 'u');
    if (v instanceof Response) return v;
    // Any POST to a valid link is the person's act: the page's form, or the mailbox's one-click
    // (RFC 8058 says the body carries List-Unsubscribe=One-Click; we do not refuse a client that
    // forgets it, since nothing but a deliberate POST reaches here). A topic link leaves its topic.
    return unsubscribeAndRender(c, v, await oneClickSource(c.req.raw), {});
  });

  // A topic link's second choice: all advertising mail, as a link without a topic does.
  app.post('/u/:token/all', async (c) => {
    const v = await verifyForPage(c, deps, 'u');
    if (v instanceof Response) return v;
    return unsubscribeAndRender(c, v, 'unsubscribe-page', { allMail: true });
  });

  /** The act and its page: one statement for a mailbox's one-click, the page a person reads otherwise. */
  const unsubscribeAndRender = async (c: Context, v: { claims: LinkClaims; token: string }, source: string, opts: { allMail?: boolean }) => {
    const outcome = await unsubscribeByLink(deps, v.claims, personEvidence(c, deps, v.claims, source), opts);
    if (outcome.kind === 'unknown_subject') return unknownSubjectPage(c, pageLocale(c, deps));
    deps.logger.info('unsubscribe', { subject: v.claims.sub, outcome: outcome.kind, campaign: v.claims.cmp, topic: outcome.topic });
    const locale = pageLocale(c, deps, outcome.locale);
    // A mailbox's one-click shows its answer to nobody: it stays one statement, the hot path.
    // The page's own button gets the page a person reads: the address and the way back.
    const s = source === 'one-click' ? null : await loadSubjectState(deps.db, v.claims.sub);
    showActingOn(c, s?.email);
    if (outcome.topic) {
      const t = source === 'one-click' ? undefined : await findTopic(deps.db, outcome.topic);
      const name = t ? topicName(t, locale) : outcome.topic;
      const all = outcome.status !== 'erased' && s?.marketing !== 'withdrawn';
      return renderPage(c, 200, locale, messages[locale].uTopicDoneTitle(name), <TopicDone locale={locale} token={v.token} name={name} all={all} />);
    }
    return renderPage(
      c,
      200,
      locale,
      messages[locale].unsubscribedTitle,
      <Done locale={locale} token={v.token} s={s} erased={outcome.status === 'erased'} orgUrl={deps.config.orgUrl} />,
    );
  };

  // "At most one a month instead": the preference center's frequency action, with its ledger
  // event; the subscription stays, and the unsubscribe button is on the answer too.
  app.post('/u/:token/monthly', async (c) => {
    const o = await openLiving(c);
    if (o instanceof Response) return o;
    const { claims, token, state: s, locale, t } = o;
    if (!mayGoMonthly(s)) return messagePage(c, 409, locale, t.title, t.uMonthlyUnavailableLead);
    const r = await setPreferences(deps.db, s.id, { frequency: 'monthly' }, personEvidence(c, deps, claims, 'unsubscribe-page'), {
      refuseAfterWithdrawal: true,
    });
    if (r.kind === 'unknown_subject') return unknownSubjectPage(c, locale);
    if (r.kind === 'processing_withdrawn') return messagePage(c, 409, locale, t.title, t.uMonthlyUnavailableLead);
    deps.logger.info('frequency changed on the unsubscribe page', { subject: s.id, outcome: r.kind });
    const lead = r.kind === 'updated' ? t.uMonthlySavedLead : t.uMonthlyAlreadyLead;
    return messagePage(c, 200, locale, t.uMonthlySavedTitle, lead, <UnsubscribeForm locale={locale} token={token} />);
  });

  // The way back: a confirmation mailed to the address; never a subscription by itself.
  app.post('/u/:token/resubscribe', async (c) => {
    const o = await openLiving(c);
    if (o instanceof Response) return o;
    const { claims, state: s, locale, t } = o;
    if (!(await clientWithinMailLimit(deps, c))) return messagePage(c, 429, locale, t.tooManyTitle, t.tooManyLead);
    const r = await requestResubscription(deps.db, s.id, personEvidence(c, deps, claims, 'unsubscribe-page'));
    deps.logger.info('resubscription requested', { subject: s.id, outcome: r.kind });
    switch (r.kind) {
      case 'unknown_subject':
        return unknownSubjectPage(c, locale);
      case 'subscribed':
        return messagePage(c, 200, locale, t.uResubscribeSubscribedTitle, t.uResubscribeSubscribedLead);
      case 'not_possible':
        return messagePage(c, 409, locale, t.uResubscribeTitle, t.uResubscribeNotPossibleLead);
      case 'confirmation_sent':
        return messagePage(c, 200, locale, t.uResubscribeSentTitle, t.uResubscribeSentLead);
    }
  });

  return app;
}

/** Whether "monthly instead" means anything: mail still comes (or would, once confirmed). */
function mayGoMonthly(s: SubjectState): boolean {
  return s.status === 'active' && s.processing === 'granted' && (s.marketing === 'granted' || s.marketing === 'pending');
}

async function oneClickSource(req: Request): Promise<string> {
  try {
    const form = await req.formData();
    return form.get('List-Unsubscribe') === 'One-Click' ? 'one-click' : 'unsubscribe-page';
  } catch {
    return 'unsubscribe-page';
  }
}

/** The unsubscribe button: first and primary wherever the page offers anything else. */
function UnsubscribeForm(props: { locale: Locale; token: string; label?: string }) {
  const t = messages[props.locale];
  return (
    <form method="post" action={`/u/${props.token}?lang=${props.locale}`}>
      <input type="hidden" name="confirm" value="1" />
      <button type="submit">{props.label ?? t.unsubscribeButton}</button>
    </form>
  );
}

/** An offer below the page's answer, never instead of it: a heading, a line, one secondary button. */
function Offer(props: { id: string; title: string; lead: string; action: string; button: string; children?: Child }) {
  return (
    <section class="offer" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      <p>{props.lead}</p>
      <form method="post" action={props.action}>
        <button type="submit" class="secondary">
          {props.button}
        </button>
      </form>
      {props.children}
    </section>
  );
}

function MonthlyOffer(props: { locale: Locale; token: string }) {
  const t = messages[props.locale];
  return (
    <Offer
      id="monthly-title"
      title={t.uMonthlyTitle}
      lead={t.uMonthlyLead}
      action={`/u/${props.token}/monthly?lang=${props.locale}`}
      button={t.uMonthlyButton}
    />
  );
}

/**
 * The result: unsubscribed. For a person still here (not erased, consent to processing in
 * place) the way back: a confirmation mailed to them, or the operator's site.
 */
function Done(props: { locale: Locale; token: string; s: SubjectState | null; erased?: boolean; orgUrl: string }) {
  const t = messages[props.locale];
  const s = props.s;
  const erased = props.erased || s?.status === 'erased';
  const mayComeBack = !!s && !erased && s.status === 'active' && s.processing === 'granted' && s.marketing !== 'granted';
  return (
    <>
      <h1>{t.unsubscribedTitle}</h1>
      <p>{erased ? t.erasedLead : t.unsubscribedLead}</p>
      {mayComeBack ? (
        <Offer
          id="resubscribe-title"
          title={t.uResubscribeTitle}
          lead={t.uResubscribeLead}
          action={`/u/${props.token}/resubscribe?lang=${props.locale}`}
          button={t.uResubscribeButton}
        >
          <p class="muted">
            {t.uSubscribeOnSite} <a href={props.orgUrl}>{props.orgUrl}</a>
          </p>
        </Offer>
      ) : null}
    </>
  );
}

/** A topic link's second choice, below its own button and styled apart: all advertising mail. */
function AllOffer(props: { locale: Locale; token: string }) {
  const t = messages[props.locale];
  return <Offer id="all-title" title={t.uAllTitle} lead={t.uAllLead} action={`/u/${props.token}/all?lang=${props.locale}`} button={t.uAllButton} />;
}

/** The result of a topic link: that topic left, the rest still coming, and (unless gone already) the way to leave it all. */
function TopicDone(props: { locale: Locale; token: string; name: string; all?: boolean }) {
  const t = messages[props.locale];
  return (
    <>
      <h1>{t.uTopicDoneTitle(props.name)}</h1>
      <p>{t.uTopicDoneLead(props.name)}</p>
      {props.all === false ? null : <AllOffer locale={props.locale} token={props.token} />}
    </>
  );
}
