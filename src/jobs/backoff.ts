/**
 * "Full jitter" backoff: a random wait up to base·2^(attempt-1), capped, and never under half the
 * base. The outbox's retries and the suppression pushes wait by it, each with its own base and cap.
 *
 * @example
 * backoffMs(3, { baseMs: 30_000, capMs: 6 * 3_600_000, random: Math.random }) // 15 000 to 120 000
 */
export function backoffMs(attempt: number, opts: { baseMs: number; capMs: number; random: () => number }): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(opts.baseMs / 2, Math.floor(opts.random() * ceiling));
}
