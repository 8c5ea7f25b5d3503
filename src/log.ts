export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * Structured JSON logger. Fields must carry ids and hashes, never addresses or names:
 * log lines leave the Russian servers (log shipping, support screenshots).
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => console.log(l)): Logger {
  const min = order[level];
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < min) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = createLogger('silent');

/**
 * The fields of the request being served (its id and route template), kept by the runtime
 * across every await of that request: AsyncLocalStorage on Node (src/node/log-context.ts) and
 * on Workers (src/workers/log-context.ts), injected so the app imports no `node:*` module.
 */
export interface LogContext {
  /** Runs `fn` with `fields` as the context of everything it logs, however deep. */
  run<T>(fields: Record<string, unknown>, fn: () => T): T;
  /** The fields of the request in hand, or undefined outside one. */
  fields(): Record<string, unknown> | undefined;
}

/** No context: where no runtime keeps one (unit tests), lines carry only their own fields. */
export const noLogContext: LogContext = { run: (_fields, fn) => fn(), fields: () => undefined };

/**
 * A logger whose every line also carries the context's fields (the request id and route), so
 * an action deep inside a request logs them without threading them by hand. A line's own
 * fields come last and win.
 *
 * @example
 * const logger = withLogContext(createLogger('info'), context);
 */
export function withLogContext(logger: Logger, context: LogContext): Logger {
  const merged = (f?: Record<string, unknown>) => {
    const ctx = context.fields();
    return ctx ? { ...ctx, ...f } : f;
  };
  return {
    debug: (m, f) => logger.debug(m, merged(f)),
    info: (m, f) => logger.info(m, merged(f)),
    warn: (m, f) => logger.warn(m, merged(f)),
    error: (m, f) => logger.error(m, merged(f)),
  };
}
