import type { ScenarioResult } from '../lib/harness.js';
import { center } from './center.js';
import { feed } from './feed.js';
import { imports } from './imports.js';
import { links } from './links.js';
import { mailsender } from './mailsender.js';
import { pushes } from './pushes.js';
import { reservations } from './reservations.js';
import { unsubscribePg, unsubscribePglite } from './unsubscribe.js';
import { unsubscribeTopicPg } from './unsubscribe-topic.js';

/** Every scenario by name, in the order `npm run bench` runs them. */
export const SCENARIOS: Record<string, (opts: { quick: boolean }) => Promise<ScenarioResult>> = {
  'unsubscribe-pg': unsubscribePg,
  'unsubscribe-pglite': unsubscribePglite,
  'unsubscribe-topic-pg': unsubscribeTopicPg,
  reservations,
  feed,
  links,
  center,
  mailsender,
  pushes,
  imports,
};
