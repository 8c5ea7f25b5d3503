import type { Child } from 'hono/jsx';
import type { FrequencyLimits } from '../cadence/frequency.js';
import type { Frequency } from '../cadence/policy.js';
import type { FieldProblem } from '../pages/forms.js';
import type { Locale, messages } from '../pages/i18n.js';
import { MAX_APPEAL_CHARS } from '../requests/appeals.js';
import { AUTOCOMPLETE, INPUT_ID, INPUT_TYPE, MAX_LENGTH, RECTIFY_FIELDS, type RectifyField } from '../subjects/profile.js';
import type { SubjectProfile } from '../subjects/view.js';

type T = (typeof messages)[Locale];

/** What every page of the center needs to speak and link: the language, the strings, the link. */
export interface Ctx {
  locale: Locale;
  t: T;
  /** The verified token of the link, for the forms' actions. */
  token: string;
  /** A `YYYY-MM-DD` as the person reads it (1 июня 2026 / 1 June 2026). */
  day: (ymd: string) => string;
  /** A number as the person reads it (10 000 / 10,000). */
  num: (n: number) => string;
  /** A frequency's name and its form option, with the limits as configured. */
  frequencyName: (f: string) => string;
  frequencyOption: (f: string) => string;
}

export const actionUrl = (x: Ctx, action: string) => `/p/${x.token}/${action}?lang=${x.locale}`;
export const centerUrl = (x: Ctx, locale: Locale = x.locale) => `/p/${x.token}?lang=${locale}`;

/** The message for a field problem, in the person's language. */
export function problemText(x: Ctx, p: FieldProblem, limits?: FrequencyLimits): string {
  const t = x.t;
  switch (p.problem) {
    case 'frequency':
      return t.pcFrequencyInvalid;
    case 'pause_format':
      return t.pcPauseInvalid;
    case 'pause_past':
      return t.pcPausePast;
    case 'pause_too_far':
      return t.pcPauseTooFar(limits ? x.day(limits.max) : '');
    case 'email_required':
      return t.pcEmailRequired;
    case 'email_invalid':
      return t.pcEmailInvalid;
    case 'email_taken':
      return t.pcEmailTaken;
    case 'too_long':
      return t.pcTooLong(t.field[p.field] ?? p.field, p.max ?? 0);
    case 'phone':
      return t.pcPhoneInvalid;
    case 'appeal_kind':
      return t.pcAppealKindInvalid;
    case 'appeal_empty':
      return t.pcAppealEmpty;
    case 'appeal_too_long':
      return t.pcAppealTooLong(x.num(p.max ?? MAX_APPEAL_CHARS));
    case 'restrict_confirm':
      return t.pcRestrictNeedsConfirm;
    default:
      return t.pcBadFormLead;
  }
}

/** The list of problems at the top of an error page, each a link to its field. */
function ErrorSummary(props: { x: Ctx; problems: FieldProblem[]; ids: Record<string, string>; limits?: FrequencyLimits }) {
  const { x } = props;
  return (
    <div class="summary" role="alert" aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">{x.t.pcFixErrors}</h2>
      <ul>
        {props.problems.map((p) => (
          <li>
            <a href={`#${props.ids[p.field] ?? ''}`}>{problemText(x, p, props.limits)}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

const errorsFor = (problems: FieldProblem[] | undefined, field: string) => (problems ?? []).filter((p) => p.field === field);

// ---------- the forms (on the center, and again with errors on an error page) ----------

export function FrequencyForm(props: { x: Ctx; frequency: Frequency; pausedUntil: string; limits: FrequencyLimits; problems?: FieldProblem[] }) {
  const { x, limits } = props;
  const t = x.t;
  const freqErrors = errorsFor(props.problems, 'frequency');
  const pauseErrors = errorsFor(props.problems, 'pausedUntil');
  return (
    <form method="post" action={actionUrl(x, 'frequency')} novalidate>
      <fieldset aria-describedby={freqErrors.length ? 'frequency-error' : undefined}>
        <legend>{t.pcFrequencyLegend}</legend>
        {(['monthly', 'standard'] as const).map((f) => (
          <div class="choice">
            <input type="radio" id={`frequency-${f}`} name="frequency" value={f} checked={props.frequency === f} />
            <label for={`frequency-${f}`}>{x.frequencyOption(f)}</label>
          </div>
        ))}
        {freqErrors.length ? (
          <p class="error" id="frequency-error">
            {problemText(x, freqErrors[0]!, limits)}
          </p>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>{t.pcPauseLegend}</legend>
        <label for="paused-until">{t.pcPauseLabel}</label>
        <input
          type="date"
          id="paused-until"
          name="pausedUntil"
          value={props.pausedUntil}
          min={limits.today}
          max={limits.max}
          aria-describedby={pauseErrors.length ? 'paused-until-error paused-until-hint' : 'paused-until-hint'}
          aria-invalid={pauseErrors.length ? 'true' : undefined}
        />
        {pauseErrors.length ? (
          <p class="error" id="paused-until-error">
            {problemText(x, pauseErrors[0]!, limits)}
          </p>
        ) : null}
        <p class="hint" id="paused-until-hint">
          {t.pcPauseHint(x.day(limits.max))}
        </p>
      </fieldset>
      <button type="submit">{t.pcSave}</button>
    </form>
  );
}

export function RectifyForm(props: { x: Ctx; values: Partial<Record<RectifyField, string | null>>; problems?: FieldProblem[] }) {
  const { x } = props;
  const t = x.t;
  return (
    <form method="post" action={actionUrl(x, 'rectify')} novalidate>
      <fieldset>
        <legend>{t.pcDataTitle}</legend>
        {RECTIFY_FIELDS.map((f) => {
          const id = INPUT_ID[f];
          const errs = errorsFor(props.problems, f);
          return (
            <div class="field">
              <label for={id}>{t.field[f]}</label>
              <input
                type={INPUT_TYPE[f] ?? 'text'}
                id={id}
                name={f}
                value={props.values[f] ?? ''}
                maxlength={MAX_LENGTH[f]}
                autocomplete={AUTOCOMPLETE[f]}
                inputmode={f === 'website' ? 'url' : undefined}
                spellcheck={f === 'email' || f === 'website' ? false : undefined}
                autocapitalize={f === 'email' || f === 'website' ? 'off' : undefined}
                aria-invalid={errs.length ? 'true' : undefined}
                aria-describedby={errs.length ? `${id}-error` : undefined}
              />
              {errs.length ? (
                <p class="error" id={`${id}-error`}>
                  {problemText(x, errs[0]!)}
                </p>
              ) : null}
            </div>
          );
        })}
      </fieldset>
      <button type="submit">{t.pcRectifyButton}</button>
    </form>
  );
}

export function RestrictForm(props: { x: Ctx; problems?: FieldProblem[] }) {
  const { x } = props;
  const t = x.t;
  const errs = errorsFor(props.problems, 'confirm');
  return (
    <form method="post" action={actionUrl(x, 'restrict')} novalidate>
      <fieldset aria-describedby={errs.length ? 'restrict-confirm-error' : undefined}>
        <legend>{t.pcRestrictTitle}</legend>
        <div class="choice">
          <input type="checkbox" id="restrict-confirm" name="confirm" value="yes" aria-invalid={errs.length ? 'true' : undefined} />
          <label for="restrict-confirm">{t.pcRestrictConfirm}</label>
        </div>
        {errs.length ? (
          <p class="error" id="restrict-confirm-error">
            {problemText(x, errs[0]!)}
          </p>
        ) : null}
      </fieldset>
      <button type="submit">{t.pcRestrictButton}</button>
    </form>
  );
}

export function AppealForm(props: { x: Ctx; kind?: string; text?: string; problems?: FieldProblem[] }) {
  const { x } = props;
  const t = x.t;
  const kindErrs = errorsFor(props.problems, 'kind');
  const textErrs = errorsFor(props.problems, 'text');
  const kind = props.kind === 'automated_decision_appeal' ? 'automated_decision_appeal' : 'appeal';
  return (
    // multipart: a Cyrillic letter is 2 bytes here and 6 urlencoded, and public bodies are capped.
    <form method="post" action={actionUrl(x, 'appeal')} enctype="multipart/form-data" novalidate>
      <fieldset aria-describedby={kindErrs.length ? 'appeal-kind-error' : undefined}>
        <legend>{t.pcAppealKindLegend}</legend>
        {(['appeal', 'automated_decision_appeal'] as const).map((k) => (
          <div class="choice">
            <input type="radio" id={`appeal-kind-${k}`} name="kind" value={k} checked={kind === k} />
            <label for={`appeal-kind-${k}`}>{t.appealKind[k]}</label>
          </div>
        ))}
        {kindErrs.length ? (
          <p class="error" id="appeal-kind-error">
            {problemText(x, kindErrs[0]!)}
          </p>
        ) : null}
      </fieldset>
      <div class="field">
        <label for="appeal-text">{t.pcAppealTextLabel}</label>
        <textarea
          id="appeal-text"
          name="text"
          rows={8}
          maxlength={MAX_APPEAL_CHARS}
          aria-describedby={textErrs.length ? 'appeal-text-error appeal-text-hint' : 'appeal-text-hint'}
          aria-invalid={textErrs.length ? 'true' : undefined}
        >
          {props.text ?? ''}
        </textarea>
        {textErrs.length ? (
          <p class="error" id="appeal-text-error">
            {problemText(x, textErrs[0]!)}
          </p>
        ) : null}
        <p class="hint" id="appeal-text-hint">
          {t.pcAppealHint(x.num(MAX_APPEAL_CHARS))}
        </p>
      </div>
      <button type="submit">{t.pcAppealButton}</button>
    </form>
  );
}

/** What a withdrawal does, before the person confirms it: on the center and on `/w`. */
export function WithdrawConsequences(props: { x: Pick<Ctx, 't'>; erasureDays: string }) {
  return (
    <>
      <h3>{props.x.t.pcWithdrawConsequencesTitle}</h3>
      <ul class="list">
        {props.x.t.pcWithdrawConsequences(props.erasureDays).map((line) => (
          <li>{line}</li>
        ))}
      </ul>
    </>
  );
}

function Back(props: { x: Ctx }) {
  return (
    <p class="back">
      <a href={centerUrl(props.x)}>{props.x.t.pcBack}</a>
    </p>
  );
}

// ---------- pages ----------

export interface CenterView {
  profile: SubjectProfile;
  /** When the open erasure runs (erasure/schedule.ts), formatted, when consent to processing is withdrawn. */
  erasureDue: string | null;
  limits: FrequencyLimits;
  /** "2 рабочих дня" / "2 business days": the erasure and the request deadlines. */
  erasureDays: string;
  requestDays: string;
  /** The live topics, in the person's language, and whether they receive each. */
  topics: CenterTopic[];
}

/** One topic as the center lists it. */
export interface CenterTopic {
  key: string;
  name: string;
  description: string;
  subscribed: boolean;
}

/**
 * The topics as checkboxes, one form, no script: a ticked box receives the topic. Each topic
 * shown is named by a hidden field, so an unticked box (which a browser does not post) still
 * says "not this one".
 */
export function TopicsForm(props: { x: Ctx; topics: CenterTopic[]; marketing: string }) {
  const { x, topics } = props;
  const t = x.t;
  return (
    <form method="post" action={actionUrl(x, 'topics')}>
      <fieldset aria-describedby="topics-lead">
        <legend>{t.pcTopicsLegend}</legend>
        <p class="hint" id="topics-lead">
          {t.pcTopicsLead}
          {props.marketing === 'granted' ? null : ` ${t.pcTopicsNoMarketing}`}
        </p>
        {topics.map((topic) => (
          <div class="choice">
            <input type="hidden" name={`shown-${topic.key}`} value="1" />
            <input
              type="checkbox"
              id={`topic-${topic.key}`}
              name={`topic-${topic.key}`}
              value="1"
              checked={topic.subscribed}
              aria-describedby={topic.description ? `topic-${topic.key}-description` : undefined}
            />
            <div>
              <label for={`topic-${topic.key}`}>{topic.name}</label>
              {topic.description ? (
                <p class="hint" id={`topic-${topic.key}-description`}>
                  {topic.description}
                </p>
              ) : null}
            </div>
          </div>
        ))}
      </fieldset>
      <button type="submit">{t.pcTopicsButton}</button>
    </form>
  );
}

/** `GET /p/{token}`: the person's data, consents and frequency, and a form for each right. */
export function CenterPage(props: { x: Ctx; v: CenterView }) {
  const { x, v } = props;
  const { t, locale } = x;
  const p = v.profile;
  const other: Locale = locale === 'ru' ? 'en' : 'ru';
  const withdrawn = p.consents.processing === 'withdrawn';
  const restricted = p.status === 'restricted';
  const mailing = p.consents.marketing === 'granted' || p.consents.marketing === 'pending';
  const activePause = p.preferences.pausedUntil && p.preferences.pausedUntil > v.limits.today ? p.preferences.pausedUntil : null;
  const sections: [string, string][] = [
    ['data', t.pcDataTitle],
    ['export', t.pcExportTitle],
    ...(!withdrawn && mailing ? ([['frequency', t.pcFrequencyTitle]] as [string, string][]) : []),
    ...(!withdrawn && v.topics.length ? ([['topics', t.pcTopicsTitle]] as [string, string][]) : []),
    ...(!withdrawn && mailing ? ([['unsubscribe', t.unsubscribeTitle]] as [string, string][]) : []),
    ...(!withdrawn ? ([['rectify', t.pcRectifyTitle]] as [string, string][]) : []),
    ...(!withdrawn && !restricted ? ([['restrict', t.pcRestrictTitle]] as [string, string][]) : []),
    ...(!withdrawn ? ([['withdraw', t.withdrawTitle]] as [string, string][]) : []),
    ...(!withdrawn ? ([['appeal', t.pcAppealTitle]] as [string, string][]) : []),
  ];
  const value = (s: string | null) => (s ? s : <span class="none">{t.pcNotGiven}</span>);
  return (
    <>
      <header class="card">
        <p class="top">
          <a href={centerUrl(x, other)} lang={other} hreflang={other}>
            {t.pcOtherLanguage}
          </a>
        </p>
        <h1>{t.pcTitle}</h1>
        <p>{t.pcLead}</p>
        <p>
          <strong>{t.marketingStatus}:</strong> {t.state[p.consents.marketing]}
        </p>
        {withdrawn && v.erasureDue ? <p class="notice">{t.pcWithdrawnAtNotice(v.erasureDue)}</p> : null}
        {restricted ? <p class="notice">{t.pcRestrictedNotice}</p> : null}
        {!withdrawn && mailing && activePause ? <p class="notice">{t.pcPausedNotice(x.day(activePause))}</p> : null}
        <nav aria-label={t.pcSections}>
          <ul>
            {sections.map(([id, title]) => (
              <li>
                <a href={`#${id}`}>{title}</a>
              </li>
            ))}
          </ul>
        </nav>
      </header>

      <section class="card" id="data" aria-labelledby="data-title">
        <h2 id="data-title">{t.pcDataTitle}</h2>
        <p class="muted">{t.pcDataLead}</p>
        <dl>
          {RECTIFY_FIELDS.map((f) => (
            <>
              <dt>{t.field[f]}</dt>
              <dd>{value(p[f])}</dd>
            </>
          ))}
        </dl>
        <h3>{t.pcConsentsTitle}</h3>
        <dl>
          <dt>{t.pcProcessingConsent}</dt>
          <dd>{t.processingState[p.consents.processing] ?? p.consents.processing}</dd>
          <dt>{t.marketingStatus}</dt>
          <dd>{t.state[p.consents.marketing] ?? p.consents.marketing}</dd>
          <dt>{t.pcFrequency}</dt>
          <dd>{x.frequencyName(p.preferences.frequency)}</dd>
          <dt>{t.pcPausedUntil}</dt>
          <dd>{activePause ? t.pcPausedUntilValue(x.day(activePause)) : t.pcNoPause}</dd>
        </dl>
      </section>

      <section class="card" id="export" aria-labelledby="export-title">
        <h2 id="export-title">{t.pcExportTitle}</h2>
        <p>{t.pcExportLead}</p>
        <p>
          {/* No download attribute: Content-Disposition makes it a file, and an error (an expired link) still shows as a page. */}
          <a class="button" href={actionUrl(x, 'export')}>
            {t.pcExportButton}
          </a>
        </p>
      </section>

      {!withdrawn && mailing ? (
        <section class="card" id="frequency" aria-labelledby="frequency-title">
          <h2 id="frequency-title">{t.pcFrequencyTitle}</h2>
          <FrequencyForm x={x} frequency={p.preferences.frequency} pausedUntil={activePause ?? ''} limits={v.limits} />
        </section>
      ) : null}

      {!withdrawn && v.topics.length ? (
        <section class="card" id="topics" aria-labelledby="topics-title">
          <h2 id="topics-title">{t.pcTopicsTitle}</h2>
          <TopicsForm x={x} topics={v.topics} marketing={p.consents.marketing} />
        </section>
      ) : null}

      {!withdrawn && mailing ? (
        <section class="card" id="unsubscribe" aria-labelledby="unsubscribe-title">
          <h2 id="unsubscribe-title">{t.unsubscribeTitle}</h2>
          <p>{t.unsubscribeLead}</p>
          <form method="post" action={actionUrl(x, 'unsubscribe')}>
            <button type="submit">{t.unsubscribeButton}</button>
          </form>
        </section>
      ) : null}

      {!withdrawn ? (
        <section class="card" id="rectify" aria-labelledby="rectify-title">
          <h2 id="rectify-title">{t.pcRectifyTitle}</h2>
          <p>{t.pcRectifyLead}</p>
          <p>{t.pcRectifyEmailNote}</p>
          <RectifyForm x={x} values={p} />
        </section>
      ) : null}

      {!withdrawn && !restricted ? (
        <section class="card" id="restrict" aria-labelledby="restrict-title">
          <h2 id="restrict-title">{t.pcRestrictTitle}</h2>
          <p>{t.pcRestrictLead}</p>
          <RestrictForm x={x} />
        </section>
      ) : null}

      {!withdrawn ? (
        <section class="card" id="withdraw" aria-labelledby="withdraw-title">
          <h2 id="withdraw-title">{t.withdrawTitle}</h2>
          <WithdrawConsequences x={x} erasureDays={v.erasureDays} />
          <form method="post" action={actionUrl(x, 'withdraw')}>
            <button type="submit" class="danger">
              {t.pcWithdrawContinue}
            </button>
          </form>
        </section>
      ) : null}

      {!withdrawn ? (
        <section class="card" id="appeal" aria-labelledby="appeal-title">
          <h2 id="appeal-title">{t.pcAppealTitle}</h2>
          <p>{t.pcAppealLead(v.requestDays)}</p>
          <AppealForm x={x} />
        </section>
      ) : null}
    </>
  );
}

/** A result: what happened, and the way back to the center. */
export function ResultPage(props: { x: Ctx; title: string; lines: string[] }) {
  return (
    <section class="card" aria-labelledby="result-title">
      <h1 id="result-title">{props.title}</h1>
      {props.lines.map((l) => (
        <p>{l}</p>
      ))}
      <Back x={props.x} />
    </section>
  );
}

/** A refused form: the problems, the form again as the person filled it, and the way back. */
export function FormErrorPage(props: {
  x: Ctx;
  title: string;
  problems: FieldProblem[];
  ids: Record<string, string>;
  limits?: FrequencyLimits;
  children: Child;
}) {
  return (
    <section class="card" aria-labelledby="form-title">
      <h1 id="form-title">{props.title}</h1>
      <ErrorSummary x={props.x} problems={props.problems} ids={props.ids} limits={props.limits} />
      {props.children}
      <Back x={props.x} />
    </section>
  );
}

/** The second step of withdrawal: the consequences again, and the one button that acts. */
export function WithdrawConfirmPage(props: { x: Ctx; erasureDays: string }) {
  const { x } = props;
  const t = x.t;
  return (
    <section class="card" aria-labelledby="confirm-title">
      <h1 id="confirm-title">{t.pcWithdrawConfirmTitle}</h1>
      <WithdrawConsequences x={x} erasureDays={props.erasureDays} />
      <p>
        <strong>{t.pcWithdrawConfirmLead}</strong>
      </p>
      <div class="actions">
        <form method="post" action={actionUrl(x, 'withdraw')}>
          <input type="hidden" name="confirm" value="yes" />
          <button type="submit" class="danger">
            {t.withdrawButton}
          </button>
        </form>
        <a href={centerUrl(x)}>{t.pcBack}</a>
      </div>
    </section>
  );
}
