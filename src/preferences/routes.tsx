import { type Context, Hono } from 'hono';
import { frequencyCaps, frequencyLimits, parseFrequencyForm, setPreferences } from '../cadence/frequency.js';
import { personEvidence } from '../consent/evidence.js';
import type { Evidence } from '../consent/ledger.js';
import type { ResolvedDeps } from '../deps.js';
import { erasureRunsAt } from '../erasure/schedule.js';
import { AppError } from '../errors/index.js';
import type { LinkClaims } from '../links/tokens.js';
import { type OpenedLink, openLinkPage } from '../links/verify.js';
import { type FieldProblem, type FormFields, readForm } from '../pages/forms.js';
import { formatDateInText, formatDateTimeInText, type Locale, messages } from '../pages/i18n.js';
import { PAGE_HEADERS, pageLocale, renderPage } from '../pages/layout.js';
import { unknownSubjectPage } from '../pages/message.js';
import { fileAppeal, parseAppealForm } from '../requests/appeals.js';
import { dueFor } from '../requests/deadlines.js';
import { rectify } from '../subjects/actions.js';
import { FIELD_OF_COLUMN, INPUT_ID, RECTIFY_FIELDS, type RectifyField } from '../subjects/profile.js';
import { restrictByPerson } from '../subjects/restriction.js';
import { subjectExport, subjectProfile } from '../subjects/view.js';
import { setTopicChoices } from '../topics/actions.js';
import { listTopics, topicChoices } from '../topics/queries.js';
import { subscribedTo, topicName } from '../topics/rules.js';
import { unsubscribe } from '../unsubscribe/actions.js';
import { openErasure, withdrawProcessing } from '../withdrawal/actions.js';
import { parseRectifyForm, parseTopicsForm, typedValues } from './forms.js';
import {
  AppealForm,
  CenterPage,
  type CenterTopic,
  type Ctx,
  FormErrorPage,
  FrequencyForm,
  RectifyForm,
  RestrictForm,
  ResultPage,
  WithdrawConfirmPage,
} from './pages.js';

/** rectify() names changed columns; the page names fields. */
const COLUMN_FIELD: Record<string, string> = FIELD_OF_COLUMN;

/** The ids of the inputs an error summary links to, per field name. */
const FIELD_IDS: Record<string, string> = {
  frequency: 'frequency-monthly',
  pausedUntil: 'paused-until',
  confirm: 'restrict-confirm',
  kind: 'appeal-kind-appeal',
  text: 'appeal-text',
  ...INPUT_ID,
};

/**
 * `/p/{token}`: the preference center. The person sees their data, consents and frequency,
 * and exercises each right with a form posting to `/p/{token}/<action>`: frequency and pause,
 * rectification, access (the JSON export), restriction, unsubscribe, withdrawal with erasure
 * (after a confirmation step), and appeals. Every POST verifies the link exactly as the page
 * does; each answers with a page in the person's language: 200 with the result, 4xx with what
 * to fix. No scripts; every change goes through an action that writes its consent event.
 */
export function preferencesRoutes(deps: ResolvedDeps) {
  const app = new Hono();
  const { config } = deps;

  /** The page's context for a person, in their language (see openLinkPage). */
  function ctx(token: string, locale: Locale): Ctx {
    const numbers = new Intl.NumberFormat(locale === 'ru' ? 'ru-RU' : 'en-GB');
    const t = messages[locale];
    const { caps, windowDays } = frequencyCaps(config.cadence.maxPerWindow);
    const cap = (f: string) => caps[f === 'monthly' ? 'monthly' : 'standard'];
    return {
      locale,
      t,
      token,
      day: (ymd) => formatDateInText(new Date(`${ymd}T00:00:00Z`), locale, 'UTC'),
      num: (n) => numbers.format(n),
      frequencyName: (f) => t.frequencyNameN(f, cap(f)),
      frequencyOption: (f) => t.frequencyOptionN(f, cap(f), windowDays),
    };
  }

  const instant = (d: Date, locale: Locale) => formatDateInText(d, locale, config.timeZone);
  /** When the erasure of a request received and due then actually runs, as the person reads it. */
  const erasureMoment = (received: Date, due: Date, locale: Locale) =>
    formatDateTimeInText(erasureRunsAt(new Date(received), new Date(due), config.erasureGraceHours), locale, config.timeZone);

  const evidence = (c: Context, claims: LinkClaims): Evidence => personEvidence(c, deps, claims, 'preference-center');

  /**
   * Verifies the link as every page of the center does, and finds its person: an erased or
   * unknown person gets the "not found" page, like a link that never was.
   */
  async function open(c: Context): Promise<Response | (OpenedLink & { x: Ctx })> {
    const o = await openLinkPage(c, deps, 'p', { living: true });
    if (o instanceof Response) return o;
    return { ...o, x: ctx(o.token, o.locale) };
  }

  const result = (c: Context, x: Ctx, title: string, lines: string[], status = 200) =>
    renderPage(c, status, x.locale, title, <ResultPage x={x} title={title} lines={lines} />, 'center');
  const badForm = (c: Context, x: Ctx) => result(c, x, x.t.pcBadFormTitle, [x.t.pcBadFormLead], 400);

  /** {@link open}, then the posted form; an unreadable form gets its page. */
  async function openForm(c: Context) {
    const o = await open(c);
    if (o instanceof Response) return o;
    const form = await readForm(c);
    if (!form) return badForm(c, o.x);
    return { ...o, form };
  }
  const blocked = (c: Context, x: Ctx) => result(c, x, x.t.pcBlockedTitle, [x.t.pcBlockedLead], 409);
  const gone = (c: Context) => unknownSubjectPage(c, pageLocale(c, deps));
  const errorTitle = (x: Ctx, title: string) => `${x.t.pcFixErrors}: ${title}`;

  app.get('/p/:token', async (c) => {
    const o = await open(c);
    if (o instanceof Response) return o;
    const profile = await subjectProfile(deps.db, o.state.id);
    if (!profile || profile.status === 'erased') return gone(c);
    let erasureDue: string | null = null;
    if (profile.consents.processing === 'withdrawn') {
      const erasure = await openErasure(deps.db, profile.id);
      if (erasure) erasureDue = erasureMoment(erasure.received_at, erasure.due_at, o.x.locale);
    }
    const t = o.x.t;
    const [topics, choices] = await Promise.all([listTopics(deps.db), topicChoices(deps.db, profile.id)]);
    const centerTopics: CenterTopic[] = topics.map((topic) => ({
      key: topic.key,
      name: topicName(topic, o.x.locale),
      description: topic.description[o.x.locale],
      subscribed: subscribedTo(topic, choices.get(topic.key)),
    }));
    return renderPage(
      c,
      200,
      o.x.locale,
      t.pcTitle,
      <CenterPage
        x={o.x}
        v={{
          profile,
          erasureDue,
          limits: frequencyLimits(deps.clock.now(), config.timeZone),
          erasureDays: t.businessDays(config.erasureDueBusinessDays),
          requestDays: t.businessDays(config.requestDueBusinessDays),
          topics: centerTopics,
        }}
      />,
      'center',
    );
  });

  // Access: everything held about the person, as a file. A GET that only reads.
  app.get('/p/:token/export', async (c) => {
    const o = await open(c);
    if (o instanceof Response) return o;
    const data = await subjectExport(deps.db, o.state.id, deps.clock.now());
    if (!data) return gone(c);
    const day = deps.clock.now().toISOString().slice(0, 10);
    return c.body(`${JSON.stringify(data, null, 2)}\n`, 200, {
      ...PAGE_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="personal-data-${day}.json"`,
    });
  });

  app.post('/p/:token/frequency', async (c) => {
    const o = await openForm(c);
    if (o instanceof Response) return o;
    const { x, form } = o;
    const t = x.t;
    const limits = frequencyLimits(deps.clock.now(), config.timeZone);
    const parsed = parseFrequencyForm(form, limits);
    if (!parsed.ok) {
      const frequency = form.frequency === 'monthly' ? 'monthly' : 'standard';
      return renderPage(
        c,
        422,
        x.locale,
        errorTitle(x, t.pcFrequencyTitle),
        <FormErrorPage x={x} title={t.pcFrequencyTitle} problems={parsed.problems} ids={FIELD_IDS} limits={limits}>
          <FrequencyForm x={x} frequency={frequency} pausedUntil={form.pausedUntil ?? ''} limits={limits} problems={parsed.problems} />
        </FormErrorPage>,
        'center',
      );
    }
    const r = await setPreferences(deps.db, o.state.id, parsed.value, evidence(c, o.claims), { refuseAfterWithdrawal: true });
    if (r.kind === 'unknown_subject') return gone(c);
    if (r.kind === 'processing_withdrawn') return blocked(c, x);
    const lines =
      r.kind === 'unchanged'
        ? [t.pcNothingChangedLead]
        : [
            t.pcFrequencySavedLead(x.frequencyName(r.after.frequency)),
            r.after.pausedUntil && r.after.pausedUntil > limits.today ? t.pcPauseSavedLead(x.day(r.after.pausedUntil)) : t.pcPauseClearedLead,
          ];
    return result(c, x, t.pcFrequencySavedTitle, lines);
  });

  // The topics: each box changed is one act of the person's, one ledger event, all or none.
  // A person who left a topic (by its link or here) comes back to it here, by their own link.
  app.post('/p/:token/topics', async (c) => {
    const o = await openForm(c);
    if (o instanceof Response) return o;
    const { x, form } = o;
    const t = x.t;
    const wanted = parseTopicsForm(form);
    if (!wanted) return badForm(c, x);
    if (o.state.processing === 'withdrawn') return blocked(c, x);
    const r = await setTopicChoices(deps.db, o.state.id, wanted, evidence(c, o.claims));
    if (r.kind === 'unknown_subject') return gone(c);
    deps.logger.info('topic choices', { subject: o.state.id, changed: r.changed.length });
    const lines = [r.changed.length ? t.pcTopicsSavedLead : t.pcTopicsUnchangedLead, ...(o.state.marketing === 'granted' ? [] : [t.pcTopicsNoMarketing])];
    return result(c, x, t.pcTopicsSavedTitle, lines);
  });

  app.post('/p/:token/rectify', async (c) => {
    const o = await openForm(c);
    if (o instanceof Response) return o;
    const { x, form } = o;
    const t = x.t;
    const refuse = (status: number, problems: FieldProblem[]) =>
      renderPage(
        c,
        status,
        x.locale,
        errorTitle(x, t.pcRectifyTitle),
        <FormErrorPage x={x} title={t.pcRectifyTitle} problems={problems} ids={FIELD_IDS}>
          <RectifyForm x={x} values={typedValues(form)} problems={problems} />
        </FormErrorPage>,
        'center',
      );
    const parsed = parseRectifyForm(form);
    if (!parsed.ok) return refuse(422, parsed.problems);
    if (o.state.processing === 'withdrawn') return blocked(c, x);
    let r: Awaited<ReturnType<typeof rectify>>;
    try {
      r = await rectify(deps.db, deps.hasher, o.state.id, parsed.value, evidence(c, o.claims), {
        newId: deps.newId,
        confirmationTtlDays: config.linkTtlDays.confirmation,
      });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      if (e.code === 'validation_failed') return refuse(422, [{ field: 'email', problem: 'email_invalid' }]);
      if (e.code === 'not_found') return gone(c);
      throw e;
    }
    const fields = r.changed
      .map((col) => COLUMN_FIELD[col] ?? col)
      .sort((a, b) => RECTIFY_FIELDS.indexOf(a as RectifyField) - RECTIFY_FIELDS.indexOf(b as RectifyField));
    const names = fields.map((f) => t.field[f] ?? f);
    // A new address answers the same whether it is free or someone else's: it waits for the
    // link mailed to it (which an address owned by another person never gets).
    if (r.addressRequested)
      return result(c, x, t.pcAddressPendingTitle, [...(names.length ? [t.pcRectifiedLead(names.join(', '))] : []), t.pcAddressPendingLead]);
    if (r.changed.length === 0) return result(c, x, t.pcRectifiedTitle, [t.pcRectifyNothingLead]);
    return result(c, x, t.pcRectifiedTitle, [t.pcRectifiedLead(names.join(', '))]);
  });

  app.post('/p/:token/restrict', async (c) => {
    const o = await openForm(c);
    if (o instanceof Response) return o;
    const { x, form } = o;
    const t = x.t;
    if (o.state.processing === 'withdrawn') return blocked(c, x);
    if (o.state.status === 'restricted') return result(c, x, t.pcRestrictedTitle, [t.pcAlreadyRestrictedLead]);
    if (form.confirm !== 'yes') {
      const problems: FieldProblem[] = [{ field: 'confirm', problem: 'restrict_confirm' }];
      return renderPage(
        c,
        422,
        x.locale,
        errorTitle(x, t.pcRestrictTitle),
        <FormErrorPage x={x} title={t.pcRestrictTitle} problems={problems} ids={FIELD_IDS}>
          <p>{t.pcRestrictLead}</p>
          <RestrictForm x={x} problems={problems} />
        </FormErrorPage>,
        'center',
      );
    }
    const r = await restrictByPerson(deps.db, o.state.id, evidence(c, o.claims), { newId: deps.newId, dueAt: (at) => dueFor('restriction', at, deps) });
    if (r.kind === 'unknown_subject') return gone(c);
    if (r.kind === 'processing_withdrawn') return blocked(c, x);
    if (r.kind === 'already') return result(c, x, t.pcRestrictedTitle, [t.pcAlreadyRestrictedLead]);
    deps.logger.info('restriction', { subject: o.state.id, request: r.requestId, channel: 'link' });
    return result(c, x, t.pcRestrictedTitle, [t.pcRestrictedLead]);
  });

  app.post('/p/:token/unsubscribe', async (c) => {
    const o = await open(c);
    if (o instanceof Response) return o;
    const outcome = await unsubscribe(deps.db, o.state.id, evidence(c, o.claims));
    if (outcome.kind === 'unknown_subject' || outcome.status === 'erased') return gone(c);
    if (outcome.kind === 'unsubscribed') deps.metrics.unsubscribed('preferences', 'all');
    const t = o.x.t;
    return result(c, o.x, t.unsubscribedTitle, [t.unsubscribedLead]);
  });

  // Withdrawal of consent with erasure: the first post shows the consequences and asks again;
  // only a post with confirm=yes acts, and a second confirmation finds the open request.
  app.post('/p/:token/withdraw', async (c) => {
    const o = await openForm(c);
    if (o instanceof Response) return o;
    const { x, form } = o;
    const t = x.t;
    if (form.confirm !== 'yes' && o.state.processing !== 'withdrawn') {
      return renderPage(
        c,
        200,
        x.locale,
        t.pcWithdrawConfirmTitle,
        <WithdrawConfirmPage x={x} erasureDays={t.businessDays(config.erasureDueBusinessDays)} />,
        'center',
      );
    }
    const outcome = await withdrawProcessing(deps.db, o.state.id, evidence(c, o.claims), {
      newId: deps.newId,
      dueAt: (received) => dueFor('erasure', received, deps),
    });
    if (outcome.kind === 'unknown_subject' || !outcome.dueAt || !outcome.receivedAt) return gone(c);
    deps.logger.info('withdrawal', { subject: o.state.id, outcome: outcome.kind, request: outcome.requestId, channel: 'link' });
    const when = erasureMoment(outcome.receivedAt, outcome.dueAt, x.locale);
    return outcome.kind === 'withdrawn'
      ? result(c, x, t.withdrawnTitle, [t.withdrawnAtLead(when)])
      : result(c, x, t.withdrawnTitle, [t.pcAlreadyWithdrawnAtLead(when)]);
  });

  app.post('/p/:token/appeal', async (c) => {
    const o = await open(c);
    if (o instanceof Response) return o;
    const { x } = o;
    const t = x.t;
    // After a withdrawal nothing but the download is left: the data goes at the erasure, and
    // nothing more is mailed (the appeal could be neither acknowledged nor answered).
    if (o.state.processing === 'withdrawn') return blocked(c, x);
    const form: FormFields | null = await readForm(c);
    if (!form) return badForm(c, x);
    const parsed = parseAppealForm(form);
    if (!parsed.ok) {
      const tooLong = parsed.problems.some((p) => p.problem === 'appeal_too_long');
      return renderPage(
        c,
        tooLong ? 413 : 422,
        x.locale,
        errorTitle(x, t.pcAppealTitle),
        <FormErrorPage x={x} title={t.pcAppealTitle} problems={parsed.problems} ids={FIELD_IDS}>
          <AppealForm x={x} kind={form.kind} text={parsed.text} problems={parsed.problems} />
        </FormErrorPage>,
        'center',
      );
    }
    const { type, text } = parsed.value;
    const r = await fileAppeal(deps.db, o.state.id, type, text, deps.clock.now(), { newId: deps.newId, dueAt: (at) => dueFor(type, at, deps) });
    if (r.kind === 'unknown_subject') return gone(c);
    deps.logger.info('appeal', { subject: o.state.id, type, outcome: r.kind, request: r.requestId, channel: 'link' });
    const due = instant(r.dueAt, x.locale);
    return result(c, x, t.pcAppealSentTitle, [r.kind === 'filed' ? t.pcAppealSentLead(due) : t.pcAppealDuplicateLead(due)]);
  });

  return app;
}
