/**
 * The seed of every random input in the suite: `TEST_SEED` when set, else a fresh one. A test
 * that draws from it prints it, so a failure can be run again with the same inputs:
 *
 *   TEST_SEED=123456 npx vitest run test/cadence/policy.test.ts
 *
 * fast-check properties take `fcSeed()` as their parameters (fast-check names the seed, and the
 * path to the shrunk counterexample, in its failure message); plain loops draw from `seededRandom()`.
 */
export const TEST_SEED = Number(process.env.TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** fast-check parameters carrying the suite's seed, merged over the test's own. */
export function fcSeed<T extends object>(params: T = {} as T): T & { seed: number } {
  return { ...params, seed: TEST_SEED };
}

/** A deterministic random source (mulberry32) from the suite's seed, printed for a re-run. */
export function seededRandom(label: string, seed = TEST_SEED): () => number {
  console.log(`${label}: seed ${seed} (TEST_SEED=${seed} to repeat)`);
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
