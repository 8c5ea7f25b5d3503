/**
 * What each mail says: one composer per template, from the person's data as it is at delivery
 * (outbox rows carry ids, not addresses). ./deliver.ts sends what this builds.
 */
import { sql } from 'kysely';
import { frequencyCaps, readPreferences } from '../cadence/frequency.js';
import type { Config } from '../config/index.js';
import { addressClaim } from '../confirmation/rules.js';
import type { Db } from '../db/handle.js';
import { COMPILED_EMAILS } from '../emails/compiled.js';
import { PermanentMailError } from '../emails/mailer.js';
import { type EmailName, type RenderedEmail, renderEmail } from '../emails/render.js';
import { CLOSED_BY_ERASURE } from '../erasure/erase.js';
import { erasureRunsAt } from '../erasure/schedule.js';
import type { LinkSigner } from '../links/tokens.js';
import { formatDateInText, formatDateTimeInText, type Locale, messages } from '../pages/i18n.js';
import { findPendingChange } from '../pending/queries.js';
import type { RequestExtension } from '../requests/queries.js';
import type { Clock } from '../time/clock.js';
import type { OutboxRow } from './claim.js';

/** What composing reads: the database, the link signer, the configuration and the clock. */
export interface ComposeDeps {
  db: Db;
  signer: LinkSigner;
  config: Config;
  clock: Clock;
}

const DAY = 86_400;

/**
 * The variables every template's footer needs: whose mail it is, and a person to write to
 * (`SUPPORT_EMAIL`, never the no-reply sender). Templates that name the contact in their body
 * use the same `supportEmail`.
 */
export function operatorVars(config: Config): { orgName: string; supportEmail: string } {
  return { orgName: config.orgName, supportEmail: config.supportEmail };
}

/** The person a row writes to, as read at delivery. */
export type Recipient = {
  id: string;
  email: string | null;
  email_hash: string;
  first_name: string | null;
  locale: string;
  status: string;
  withdrawn: boolean;
  /** Advertising mail withdrawn (an unsubscribe): a confirmation queued before it no longer goes. */
  marketingWithdrawn: boolean;
};

/** The people a batch writes to, in one query, with whether they withdrew consent to processing, and to advertising mail. */
export async function recipients(db: Db, rows: OutboxRow[]): Promise<Map<string, Recipient>> {
  const ids = [...new Set(rows.map((r) => r.subject_id).filter((id): id is string => !!id))];
  if (ids.length === 0) return new Map();
  const found = await db
    .selectFrom('subjects as s')
    .leftJoin('consents as p', (j) => j.onRef('p.subject_id', '=', 's.id').on('p.purpose', '=', 'processing'))
    .leftJoin('consents as m', (j) => j.onRef('m.subject_id', '=', 's.id').on('m.purpose', '=', 'marketing'))
    .select([
      's.id',
      's.email',
      's.email_hash',
      's.first_name',
      's.locale',
      's.status',
      sql<boolean>`coalesce(p.state = 'withdrawn', false)`.as('withdrawn'),
      sql<boolean>`coalesce(m.state = 'withdrawn', false)`.as('marketingWithdrawn'),
    ])
    .where('s.id', 'in', ids)
    .execute();
  return new Map(found.map((s) => [s.id, s]));
}

/**
 * Every date a mail shows. Texts put dates inside sentences ("…не позднее 3 декабря 2026."), so
 * they take the in-text form: ru-RU's own ends in "г.", and the sentence's full stop after it
 * would read "г..".
 */
const mailDate = formatDateInText;

/**
 * A mail is in English for who chose English, in Russian otherwise (the templates' two locales).
 */
const mailLocale = (stored: unknown): Locale => (stored === 'en' ? 'en' : 'ru');

/**
 * The address a row carries itself: only the mails to an address the person no longer has here
 * (the erasure notice, the notice to the address just left). Wiped once the row is done or dead.
 */
const carriedAddress = (row: OutboxRow): string | null => (typeof row.payload.to === 'string' ? row.payload.to : null);

/** A moment the row carries (when the change happened), or now when it carries none. */
function carriedDate(row: OutboxRow, key: string, now: Date): Date {
  const d = new Date(String(row.payload[key] ?? ''));
  return Number.isNaN(d.getTime()) ? now : d;
}

/** What the mails about a request say of it: which, what kind, since when. */
function requestVars<T extends string>(r: { id: string; type: T; received_at: Date | string }, date: (d: Date) => string) {
  return { requestType: r.type, requestId: r.id, receivedDate: date(new Date(r.received_at)) };
}

/**
 * Builds one message for an outbox row, reading the person now (the row holds ids only).
 * Returns null when there is nobody to write to any more (erased, or no address, or what the
 * mail was about is gone).
 */
export async function compose(
  deps: ComposeDeps,
  row: OutboxRow & { kind: EmailName },
  s: Recipient | undefined,
): Promise<{ to: string; mail: RenderedEmail } | null> {
  const { config, signer } = deps;
  // Every mail's footer names the operator and a person to write to (emails/partials/footer.*).
  const operator = operatorVars(config);
  if (row.kind === 'erasure-completed') {
    // The one message to a person who no longer exists here: its row holds the address.
    const to = carriedAddress(row);
    if (!to) return null;
    const locale = mailLocale(row.payload.locale);
    const completedDate = mailDate(carriedDate(row, 'completedAt', deps.clock.now()), locale, config.timeZone);
    // What the erasure closed unanswered, by number and type: explained here, in the last mail.
    const closed = row.subject_id
      ? await deps.db
          .selectFrom('requests')
          .select(['id', 'type'])
          .where('subject_id', '=', row.subject_id)
          .where('status_reason', '=', CLOSED_BY_ERASURE)
          .orderBy('received_at')
          .orderBy('id')
          .execute()
      : [];
    const typeName = COMPILED_EMAILS['request-received'].texts[locale].enums.requestType ?? {};
    const closedRequests = closed.length ? closed.map((r) => `№ ${r.id} (${typeName[r.type] ?? r.type})`).join('; ') : messages[locale].erasureClosedNone;
    return { to, mail: renderEmail('erasure-completed', locale, { ...operator, completedDate, closedRequests }) };
  }
  if (!s || s.status === 'erased' || !s.email) return null;
  const locale = mailLocale(s.locale);
  const base = config.publicBaseUrl;
  // A confirmation link names the address it is mailed to (`ah`): it confirms nothing for any other.
  const link = async (p: 'p' | 'w' | 'c', ttlDays: number) =>
    `${base}/${p}/${await signer.sign({ sub: s.id, p, ttlSeconds: ttlDays * DAY, ...(p === 'c' ? { ah: addressClaim(s.email_hash) } : {}) })}`;
  const firstName = s.first_name ?? undefined;
  const date = (d: Date) => mailDate(d, locale, config.timeZone);
  let mail: RenderedEmail;
  switch (row.kind) {
    case 'confirm-subscription':
      mail = renderEmail('confirm-subscription', locale, {
        ...operator,
        firstName,
        confirmUrl: await link('c', config.linkTtlDays.confirmation),
        policyUrl: config.policyUrl,
      });
      break;
    case 'unsubscribed':
      mail = renderEmail('unsubscribed', locale, { ...operator, firstName, preferencesUrl: await link('p', config.linkTtlDays.preferences) });
      break;
    case 'fresh-link': {
      const purpose = row.payload.purpose === 'w' ? 'w' : row.payload.purpose === 'c' ? 'c' : 'p';
      const ttl = purpose === 'w' ? config.linkTtlDays.withdrawal : purpose === 'c' ? config.linkTtlDays.confirmation : config.linkTtlDays.preferences;
      const until = new Date(deps.clock.now().getTime() + ttl * DAY * 1000);
      mail = renderEmail('fresh-link', locale, { ...operator, firstName, linkUrl: await link(purpose, ttl), validUntil: date(until) });
      break;
    }
    case 'withdrawal-received': {
      const r = await deps.db
        .selectFrom('requests')
        .select(['received_at', 'due_at'])
        .where('id', '=', String(row.payload.requestId ?? ''))
        .executeTakeFirst();
      if (!r) return null;
      // The moment the erasure job will take the request, not just the deadline: the export
      // link in this mail works until then.
      const runsAt = erasureRunsAt(new Date(r.received_at), new Date(r.due_at), config.erasureGraceHours);
      mail = renderEmail('withdrawal-received', locale, {
        ...operator,
        firstName,
        erasureDate: formatDateTimeInText(runsAt, locale, config.timeZone),
        exportUrl: `${await link('p', config.linkTtlDays.preferences)}/export`,
      });
      break;
    }
    case 'preferences-updated': {
      // Rendered from what is saved now: changes merged into one mail show where they ended.
      const p = await readPreferences(deps.db, s.id);
      const t = messages[locale];
      // A pause is a local calendar date, not an instant: formatted as the date it names.
      const pause = p.pausedUntil ? t.pcPausedUntilValue(formatDateInText(new Date(`${p.pausedUntil}T00:00:00Z`), locale, 'UTC')) : t.pcNoPause;
      const frequency = p.frequency;
      const changes = `${t.pcFrequency}: ${t.frequencyNameN(frequency, frequencyCaps(config.cadence.maxPerWindow).caps[frequency])}. ${t.pcPausedUntil}: ${pause}.`;
      mail = renderEmail('preferences-updated', locale, { ...operator, firstName, changes, preferencesUrl: await link('p', config.linkTtlDays.preferences) });
      break;
    }
    case 'request-received': {
      const r = await deps.db
        .selectFrom('requests')
        .select(['id', 'type', 'received_at', 'due_at', 'status'])
        .where('id', '=', String(row.payload.requestId ?? ''))
        .executeTakeFirst();
      if (!r) return null;
      mail = renderEmail('request-received', locale, { ...operator, firstName, ...requestVars(r, date), dueDate: date(new Date(r.due_at)) });
      break;
    }
    case 'address-changed': {
      // To the address the person just left: it rides in the row (wiped once sent or parked).
      const to = carriedAddress(row);
      if (!to) return null;
      const notice = renderEmail('address-changed', locale, {
        ...operator,
        changedDate: mailDate(carriedDate(row, 'changedAt', deps.clock.now()), locale, config.timeZone),
      });
      return { to, mail: notice };
    }
    case 'confirm-address':
    case 'confirm-details': {
      // Read now: a change superseded, confirmed, expired or erased since it was queued sends nothing.
      const pending = await findPendingChange(deps.db, s.id, String(row.payload.pendingId ?? ''), deps.clock.now());
      if (!pending || pending.kind !== (row.kind === 'confirm-address' ? 'address' : 'lead')) return null;
      if (pending.kind === 'address' && !pending.email) return null;
      const to = pending.kind === 'address' ? pending.email! : s.email;
      const addressHash = pending.kind === 'address' ? pending.emailHash! : s.email_hash;
      const ttlSeconds = Math.max(60, Math.floor((pending.expiresAt.getTime() - deps.clock.now().getTime()) / 1000));
      const confirmUrl = `${base}/c/${await signer.sign({ sub: s.id, p: 'c', pc: pending.id, ah: addressClaim(addressHash), ttlSeconds })}`;
      const common = { ...operator, firstName, confirmUrl, validUntil: mailDate(pending.expiresAt, locale, config.timeZone) };
      if (row.kind === 'confirm-details') return { to, mail: renderEmail('confirm-details', locale, common) };
      const c = await deps.db.selectFrom('consents').select('state').where('subject_id', '=', s.id).where('purpose', '=', 'marketing').executeTakeFirst();
      return { to, mail: renderEmail('confirm-address', locale, { ...common, subscription: c?.state === 'granted' ? 'granted' : 'other' }) };
    }
    case 'request-extended': {
      const r = await deps.db
        .selectFrom('requests')
        .select(['id', 'type', 'received_at', 'due_at', 'extensions'])
        .where('id', '=', String(row.payload.requestId ?? ''))
        .executeTakeFirst();
      const ext = r ? ((r.extensions as RequestExtension[] | null) ?? [])[Number(row.payload.extension)] : undefined;
      // Erased meanwhile (the reason blanked) or never there: nothing true left to say.
      if (!r || !ext?.reason) return null;
      const dueAt = new Date(ext.to ?? r.due_at);
      mail = renderEmail('request-extended', locale, {
        ...operator,
        firstName,
        ...requestVars(r, date),
        previousDueDate: date(new Date(ext.from)),
        dueDate: date(dueAt),
        reason: ext.reason,
      });
      break;
    }
    default:
      throw new PermanentMailError(`no composer for ${row.kind}`);
  }
  return { to: s.email, mail };
}
