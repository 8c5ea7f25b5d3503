/**
 * Runs `work` on every item with at most `limit` running at once; resolves when all are done.
 * A rejection from `work` rejects the whole (callers that must go on catch inside `work`).
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
