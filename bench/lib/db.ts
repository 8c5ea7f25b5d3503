import { cpus } from 'node:os';
import { createApp } from '../../src/app.js';
import { createApiKey, type Scope } from '../../src/auth/keys.js';
import { loadConfig } from '../../src/config/index.js';
import { createEmailHasher } from '../../src/consent/hash.js';
import type { Db } from '../../src/db/handle.js';
import { createLinkSigner, generateSigningJwk } from '../../src/links/tokens.js';
import { silentLogger } from '../../src/log.js';
import { fixedClock } from '../../src/time/clock.js';

/** The machine a figure was measured on, for the report. */
export function machine(): string {
  return `${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}`;
}

/** The suppression hash key every benchmark uses (seeded hashes must match the app's). */
export const BENCH_HASH_KEY = 'bench-suppression-hash-key-0123456789abcdef';

/**
 * The app in-process on a benchmark's database, its clock stopped at `now`, with an API key of
 * one scope: the `Authorization` value to send.
 */
export async function benchApp(db: Db, now: Date, scope: Scope): Promise<{ app: ReturnType<typeof createApp>; authorization: string }> {
  const config = loadConfig({ SUPPRESSION_HASH_KEY: BENCH_HASH_KEY, LOG_LEVEL: 'silent' });
  const clock = fixedClock(now);
  const app = createApp({
    config,
    db,
    clock,
    logger: silentLogger,
    signer: await createLinkSigner([await generateSigningJwk('bench')], clock),
    hasher: await createEmailHasher(BENCH_HASH_KEY),
  });
  const { key } = await createApiKey(db, { name: 'bench', scopes: [scope] }, now);
  return { app, authorization: `Bearer ${key}` };
}
