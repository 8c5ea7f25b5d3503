/**
 * What the app counts, as a runtime-neutral interface: the Node entry implements it with
 * prom-client (src/node/metrics.ts); the Worker and the tests keep the no-op default. The app
 * never imports prom-client (ARCHITECTURE.md rule 2): counters live in the process, and a
 * Worker's isolate is not a process anyone can scrape.
 */

/**
 * How an unsubscribe reached us: a mailbox's one-click POST, the unsubscribe page's button, a
 * message to the `mailto:` address, the preference center's "unsubscribe from everything".
 */
export type UnsubscribeWay = 'one_click' | 'page' | 'mailto' | 'preferences';

/** What it left: all advertising mail, or one topic. */
export type UnsubscribeScope = 'all' | 'topic';

export interface Metrics {
  /**
   * One answered HTTP request. `route` is the template of the route that answered
   * (`/u/:token`), never the path: paths hold link tokens.
   */
  httpRequest(r: { method: string; route: string; status: number; seconds: number }): void;
  /** One unsubscribe that changed something (a repeated click is not counted). */
  unsubscribed(way: UnsubscribeWay, scope: UnsubscribeScope): void;
  /** One reservation call's decisions: how many allowed, how many denied for each reason. */
  reservations(allowed: number, deniedByReason: Record<string, number>): void;
  /**
   * The process's own metrics in the Prometheus text format (counters, histograms, the
   * default process metrics); '' where there are none (Workers). The database's gauges are
   * appended by the route (./gauges.ts), the same on every runtime.
   */
  processText(): Promise<string>;
  /** The Content-Type of the exposition. */
  readonly contentType: string;
}

/** The text exposition format (0.0.4), the type Prometheus and prom-client use. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Counts nothing: the default where no runtime counts (Workers, tests that do not look).
 *
 * @example
 * createApp({ ...deps, metrics: noMetrics });
 */
export const noMetrics: Metrics = {
  httpRequest: () => {},
  unsubscribed: () => {},
  reservations: () => {},
  processText: async () => '',
  contentType: TEXT_CONTENT_TYPE,
};

/**
 * The way an unsubscribe came in, from its evidence's `source` (consent/evidence.ts): the
 * mailbox's `one-click`, a `mailto:<way in>`, else the page.
 *
 * @example
 * unsubscribeWay('mailto:smtp'); // 'mailto'
 */
export function unsubscribeWay(source: string | null | undefined): UnsubscribeWay {
  if (source === 'one-click') return 'one_click';
  if (source?.startsWith('mailto:')) return 'mailto';
  return 'page';
}

/**
 * The status class of a status code (`2xx`): the label keeps the series few.
 *
 * @example
 * statusClass(404); // '4xx'
 */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The method as a label: a client may send any token as a method, and each would be a series.
 *
 * @example
 * methodLabel('PROPFIND'); // 'other'
 */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'other';
}
