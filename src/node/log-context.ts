import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogContext } from '../log.js';

/**
 * The request's log fields kept across its awaits by Node's AsyncLocalStorage.
 *
 * @example
 * createApp({ ...deps, logContext: nodeLogContext() });
 */
export function nodeLogContext(): LogContext {
  const storage = new AsyncLocalStorage<Record<string, unknown>>();
  return { run: (fields, fn) => storage.run(fields, fn), fields: () => storage.getStore() };
}
