/**
 * What mail senders report back, once read: the same list of events whatever the provider
 * (see ./providers/), and the small readers every provider's parser shares. Pure: nothing here
 * touches the database, the network or the clock.
 */
import { normalizeEmail } from '../consent/email.js';
import type { MailSenderEventType, MailSenderProvider } from '../db/schema.js';
import { isStorableText, storableText } from '../db/text.js';

// The column types (migration 0006) are the one definition; these are their names here.
export type { MailSenderEventType };
export type Provider = MailSenderProvider;

export const MAIL_SENDER_EVENT_TYPES = ['hard_bounce', 'soft_bounce', 'complaint', 'unsubscribe'] as const satisfies readonly MailSenderEventType[];

/** At most this many events in one request of our own shape. */
export const MAX_EVENTS_PER_REQUEST = 1000;

export const MAX_ID_LENGTH = 200;
const MAX_DETAIL_LENGTH = 1000;

/** One thing the sender says happened to one address. */
export interface MailSenderEvent {
  /** Position in the request (our shape: in `events`; SES: in its recipient list; Postmark: 0). */
  index: number;
  type: MailSenderEventType;
  /** Normalized (see normalizeEmail). */
  email: string;
  /** When the provider says it happened; null when it does not say. */
  at: Date | null;
  /** The provider's event id: with the address, what makes a replay recognisable. */
  id: string;
  detail: string | null;
}

/** An event that was read but not applied, and why (never the address itself). */
export interface IgnoredEvent {
  index: number;
  reason: string;
}

export type ParsedPayload =
  | { kind: 'events'; provider: Provider; events: MailSenderEvent[]; ignored: IgnoredEvent[] }
  | {
      kind: 'sns_subscription';
      messageType: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
      /** Host of SubscribeURL only: the URL itself carries the confirmation token. */
      subscribeHost: string | null;
    }
  | { kind: 'unknown'; detail: string };

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** An ISO 8601 date-time, or null. */
export function parseTime(v: unknown): Date | null {
  if (typeof v !== 'string' || v.length > 64) return null;
  // ISO 8601 with a date and a time; Date.parse alone accepts too much ("1", "May 5").
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(v)) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t);
}

/**
 * A detail text, cut to what is kept; null when there is none. A sender's diagnostic is kept as
 * it came, except what PostgreSQL cannot store (a NUL, an unpaired surrogate): U+FFFD instead.
 */
export function clip(v: unknown, max = MAX_DETAIL_LENGTH): string | null {
  if (typeof v !== 'string' || v.length === 0) return null;
  return storableText(v.length > max ? v.slice(0, max) : v);
}

/**
 * Reads one reported address into an event, or says why it was not applied. The address is
 * normalized here, so an address we could never have mailed is reported back, not stored.
 */
export function toEvent(
  index: number,
  type: MailSenderEventType,
  rawEmail: unknown,
  id: string,
  at: Date | null,
  detail: string | null,
): MailSenderEvent | IgnoredEvent {
  const email = typeof rawEmail === 'string' ? normalizeEmail(rawEmail) : null;
  if (!email || !isStorableText(email)) return { index, reason: 'invalid_email' };
  // The id is what recognises a replay: one PostgreSQL cannot store is refused, never altered.
  if (!isStorableText(id)) return { index, reason: 'invalid_id' };
  return { index, type, email, id: id.slice(0, MAX_ID_LENGTH), at, detail };
}

/** The events of one payload, the applicable apart from the ignored. */
export function collect(provider: Provider, items: (MailSenderEvent | IgnoredEvent)[]): ParsedPayload {
  const events: MailSenderEvent[] = [];
  const ignored: IgnoredEvent[] = [];
  for (const it of items) {
    if ('type' in it) events.push(it);
    else ignored.push(it);
  }
  return { kind: 'events', provider, events, ignored };
}

/** A payload of `provider` with nothing to apply, for one reason. */
export const ignoreAll = (provider: Provider, reason: string): ParsedPayload => ({ kind: 'events', provider, events: [], ignored: [{ index: 0, reason }] });
