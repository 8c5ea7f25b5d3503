/**
 * Link token verification and signing alone, in a loop: jose over WebCrypto (the default, and
 * Workers) beside node:crypto key objects (the Node entry). Ed25519, the embedded default key.
 *
 *   npx tsx bench/hotpaths/tokens.ts            # BENCH_SECONDS=3 per measure
 */
import { cpus } from 'node:os';
import { createLinkSigner, generateSigningJwk, type LinkSigner } from '../../src/links/tokens.js';
import { nodeTokenCrypto } from '../../src/node/token-crypto.js';
import { systemClock } from '../../src/time/clock.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);

async function rate(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 500; i++) await fn(); // warm up
  let n = 0;
  const until = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < until) {
    for (let i = 0; i < 100; i++) await fn();
    n += 100;
  }
  return Math.round(n / ((performance.now() - start) / 1000));
}

const jwk = await generateSigningJwk('bench');
const signers: Record<string, LinkSigner> = {
  jose: await createLinkSigner([jwk], systemClock),
  node: await createLinkSigner([jwk], systemClock, { crypto: nodeTokenCrypto }),
};
const sub = crypto.randomUUID();
const token = await signers.jose!.sign({ sub, p: 'u', cmp: 'bench' });
const result: Record<string, Record<string, number>> = {};
// Interleaved, twice each, so the machine's load falls on both alike.
for (const round of [1, 2]) {
  for (const name of ['jose', 'node']) {
    const s = signers[name]!;
    const verify = await rate(() => s.verify(token, 'u'));
    const sign = await rate(() => s.sign({ sub, p: 'u', cmp: 'bench' }));
    result[`${name}#${round}`] = { verifyPerSecond: verify, signPerSecond: sign };
  }
}
console.log(JSON.stringify({ result, machine: `${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}` }, null, 2));
