import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogContext } from '../log.js';

/**
 * The request's log fields kept across its awaits by workerd's own AsyncLocalStorage (under
 * `nodejs_compat`, as the request-scoped database uses it).
 *
 * @example
 * createApp({ ...deps, logContext: workersLogContext() });
 */
export function workersLogContext(): LogContext {
  const storage = new AsyncLocalStorage<Record<string, unknown>>();
  return { run: (fields, fn) => storage.run(fields, fn), fields: () => storage.getStore() };
}
