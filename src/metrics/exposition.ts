import type { DatabaseGauges } from './queries.js';

/**
 * The database's gauges in the Prometheus text format (0.0.4), written here rather than by
 * prom-client so the Node server and the Worker answer the same lines. `gauges` null: the
 * database did not answer within the scrape's bound; only `mailprefs_database_up 0` is said,
 * so an alert on stale numbers cannot fire on numbers that were never read.
 *
 * @example
 * renderDatabaseGauges(await readDatabaseGauges(db, endpoints, now));
 */
export function renderDatabaseGauges(gauges: DatabaseGauges | null): string {
  const out: string[] = [];
  const family = (name: string, help: string, samples: [labels: Record<string, string>, value: number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) out.push(`${name}${labelText(labels)} ${formatValue(value)}`);
  };
  family('mailprefs_database_up', 'Whether the database answered the gauges below within the scrape bound (METRICS_DB_TIMEOUT_MS).', [[{}, gauges ? 1 : 0]]);
  if (!gauges) return `${out.join('\n')}\n`;
  family('mailprefs_outbox_pending', 'Outbox mails waiting to be delivered (due now or retrying later).', [[{}, gauges.outboxPending]]);
  family('mailprefs_outbox_dead', 'Outbox mails given up on (attempts spent) or cancelled.', [[{}, gauges.outboxDead]]);
  family(
    'mailprefs_push_lag_records',
    'Suppression feed records not yet pushed to the endpoint.',
    gauges.pushLag.map((p) => [{ endpoint: endpointLabel(p.endpoint) }, p.records]),
  );
  family(
    'mailprefs_push_lag_seconds',
    'Age of the oldest suppression feed record not yet pushed to the endpoint (0 when caught up).',
    gauges.pushLag.map((p) => [{ endpoint: endpointLabel(p.endpoint) }, p.seconds]),
  );
  family('mailprefs_requests_open', 'Data-subject requests not yet completed or rejected.', [[{}, gauges.requestsOpen]]);
  family('mailprefs_requests_overdue', 'Open requests past their due time.', [[{}, gauges.requestsOverdue]]);
  family('mailprefs_requests_due_soon', 'Open requests due within 4 hours.', [[{}, gauges.requestsDueSoon]]);
  return `${out.join('\n')}\n`;
}

/**
 * A push endpoint as a label: its origin and path only. A URL may carry credentials
 * (`https://user:secret@host/`) or a token in its query; neither belongs in a metric.
 *
 * @example
 * endpointLabel('https://u:p@esp.example/hook?key=1'); // 'https://esp.example/hook'
 */
export function endpointLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'invalid';
  }
}

function labelText(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

function formatValue(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : 'NaN';
}
