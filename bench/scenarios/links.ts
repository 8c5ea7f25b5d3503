/**
 * `POST /v1/links` of 10,000 subjects to the real server process (one call: lookup, three
 * signed links a subject, JSON out), beside signing alone: node:crypto Ed25519 signatures of
 * the same signing inputs in a loop on one thread, what one core can sign. Figures are links
 * (signed URLs) per second; the service signs a batch on every core (src/node/token-crypto.ts).
 */
import { createPrivateKey, sign } from 'node:crypto';
import { sql } from 'kysely';
import { createApiKey } from '../../src/auth/keys.js';
import { createLinkSigner, generateSigningJwk } from '../../src/links/tokens.js';
import { systemClock } from '../../src/time/clock.js';
import { openSchema } from '../lib/env.js';
import { fmtInt, fmtMs, median, ratio, type ScenarioResult } from '../lib/harness.js';
import { seedSubjects } from '../lib/seed.js';
import { startService, tempDir } from '../lib/service.js';

export async function links(opts: { quick: boolean }): Promise<ScenarioResult> {
  const subjects = opts.quick ? 2_000 : 10_000;
  const rounds = opts.quick ? 2 : 5;
  const now = new Date();
  const s = await openSchema('links');
  const tmp = tempDir();
  let server: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    const ids = await seedSubjects(s.handle.db, subjects, now);
    await sql`analyze`.execute(s.handle.db);
    const { key } = await createApiKey(s.handle.db, { name: 'bench', scopes: ['links:write'] }, now);
    const jwk = await generateSigningJwk('bench');
    server = await startService({ url: s.url, dataDir: tmp.dir }, jwk);
    // The limit: the signature primitive alone, node:crypto Ed25519 over signing inputs of the
    // same length, on one thread (what one core can sign; the service may use every core).
    const signer = await createLinkSigner([jwk], systemClock);
    const signingKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
    const inputs = await Promise.all(
      ids.flatMap((sub) => [
        signer.sign({ sub, p: 'u', cmp: 'bench' }),
        signer.sign({ sub, p: 'p', cmp: 'bench', ttlSeconds: 90 * 86_400 }),
        signer.sign({ sub, p: 'w', cmp: 'bench', ttlSeconds: 365 * 86_400 }),
      ]),
    ).then((tokens) => tokens.map((t) => Buffer.from(t.slice(0, t.lastIndexOf('.')))));
    const body = JSON.stringify({ subjects: ids, campaignId: 'bench' });
    const srv = server;

    const service = async () => {
      const started = performance.now();
      const res = await fetch(`${srv.base}/v1/links`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body,
      });
      const out = (await res.json()) as { links: unknown[] };
      if (res.status !== 200 || out.links.length !== subjects) throw new Error(`links: status ${res.status}, ${out.links?.length} link sets`);
      return performance.now() - started;
    };
    const limit = async () => {
      const started = performance.now();
      for (const input of inputs) sign(null, input, signingKey);
      return performance.now() - started;
    };
    await service(); // warm-up
    await limit();
    const sv: number[] = [];
    const li: number[] = [];
    for (let r = 0; r < rounds; r++) {
      sv.push(await service());
      li.push(await limit());
    }
    // Links (signed URLs, three a subject) per second, against signatures per second.
    const sRate = (3 * subjects) / (median(sv) / 1000);
    const lRate = inputs.length / (median(li) / 1000);
    return {
      rows: [
        {
          scenario: 'links',
          service: `${fmtInt(sRate)} links/s (${fmtInt(sRate / 3)} link sets/s, ${fmtMs(median(sv))} a call)`,
          limit: `${fmtInt(lRate)} signatures/s on one thread (${fmtMs(median(li))})`,
          ratio: ratio(sRate, lRate),
          goal: '≥ 20,000/s',
          met: sRate >= 20_000,
          notes: `one call of ${fmtInt(subjects)} subjects, 3 signed links each, median of ${rounds}; limit: node:crypto Ed25519 signing the same inputs in a loop on one thread (the service signs on every core)`,
        },
      ],
      figures: { subjects, rounds, serviceMs: sv, signingMs: li },
    };
  } finally {
    await server?.stop();
    await s.drop();
    tmp.remove();
  }
}
