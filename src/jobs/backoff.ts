/** "Full jitter" backoff: a random wait up to base·2^(attempt-1), capped. */
export function backoffMs(attempt: number, opts: { baseMs: number; capMs: number; random: () => number }): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(opts.baseMs / 2, Math.floor(opts.random() * ceiling));
}
