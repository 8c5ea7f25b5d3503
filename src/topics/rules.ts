import type { Locale } from '../pages/i18n.js';

/**
 * A topic key: lower-case letters, digits, `-` and `_`, 1 to 63 characters, starting with a
 * letter or digit. It travels in link tokens, feed records and headers, so it is kept short and
 * plain; the database checks the same pattern.
 */
export const TOPIC_KEY = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** One topic as the service holds it. */
export interface Topic {
  key: string;
  name: Record<Locale, string>;
  description: Record<Locale, string>;
  /** Whether a person who never chose is subscribed to it. */
  defaultSubscribed: boolean;
  /** Whether its sends share the cadence cap with the other counting topics (and untopical mail). */
  countsTowardCap: boolean;
  createdAt: Date;
  updatedAt: Date;
  removedAt: Date | null;
}

/**
 * Whether a person receives a topic's mail, as far as the topic goes: their own choice when
 * they made one, else the topic's default. Advertising consent, suppression and cadence decide
 * the rest (cadence/policy.ts). Pure.
 *
 * @example
 * subscribedTo({ defaultSubscribed: true }, undefined) // true: never chose, default on
 * subscribedTo({ defaultSubscribed: true }, false)     // false: they left it
 */
export function subscribedTo(topic: Pick<Topic, 'defaultSubscribed'>, choice: boolean | undefined | null): boolean {
  return choice ?? topic.defaultSubscribed;
}

/** A topic's name in a page's language (the other language when that one is blank). Pure. */
export function topicName(topic: Pick<Topic, 'name'>, locale: Locale): string {
  return topic.name[locale] || topic.name[locale === 'ru' ? 'en' : 'ru'];
}
