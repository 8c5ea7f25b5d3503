import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { type Metrics, methodLabel, statusClass } from '../metrics/metrics.js';

/** Latency buckets in seconds: a one-click is a few ms, a 100,000-recipient reservation seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The app's {@link Metrics} on prom-client, in a registry of its own (not prom-client's global
 * one, so two apps in one process, as in the tests, do not collide), with prom-client's
 * default process metrics (CPU, memory, event loop lag, handles) under `mailprefs_`.
 *
 * @example
 * const metrics = promMetrics();
 * createApp({ ...deps, metrics });
 */
export function promMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mailprefs_' });
  const labelNames = ['method', 'route', 'status_class'] as const;
  const requests = new Counter({
    name: 'mailprefs_http_requests_total',
    help: 'HTTP requests answered, by route template, method and status class.',
    labelNames,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'mailprefs_http_request_duration_seconds',
    help: 'Time to answer an HTTP request (to its headers; a streamed body may go on), by route template, method and status class.',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const unsubscribes = new Counter({
    name: 'mailprefs_unsubscribes_total',
    help: 'Unsubscribes that changed something (a repeated click is not counted), by the way they came in and what they left.',
    labelNames: ['way', 'scope'],
    registers: [registry],
  });
  const allowed = new Counter({
    name: 'mailprefs_reservations_allowed_total',
    help: 'Campaign recipients reserved (allowed by the cadence policy).',
    registers: [registry],
  });
  const denied = new Counter({
    name: 'mailprefs_reservations_denied_total',
    help: 'Campaign recipients denied, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  return {
    httpRequest: (r) => {
      const labels = { method: methodLabel(r.method), route: r.route, status_class: statusClass(r.status) };
      requests.inc(labels);
      latency.observe(labels, r.seconds);
    },
    unsubscribed: (way, scope) => unsubscribes.inc({ way, scope }),
    reservations: (n, byReason) => {
      if (n > 0) allowed.inc(n);
      for (const [reason, count] of Object.entries(byReason)) if (count > 0) denied.inc({ reason }, count);
    },
    processText: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
