/**
 * `POST /v1/links` of 10,000 subjects to the real server process (one call: lookup, three
 * signed tokens a subject, JSON out), beside signing alone: the same three tokens a subject
 * with `createLinkSigner` in a loop in this process, the way the route signs them (the three
 * of a subject together). Figures are link sets (subjects) per second.
 */
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
    const signer = await createLinkSigner([jwk], systemClock);
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
      for (const sub of ids) {
        await Promise.all([
          signer.sign({ sub, p: 'u', cmp: 'bench' }),
          signer.sign({ sub, p: 'p', cmp: 'bench', ttlSeconds: 90 * 86_400 }),
          signer.sign({ sub, p: 'w', cmp: 'bench', ttlSeconds: 365 * 86_400 }),
        ]);
      }
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
    const sRate = subjects / (median(sv) / 1000);
    const lRate = subjects / (median(li) / 1000);
    return {
      rows: [
        {
          scenario: 'links',
          service: `${fmtInt(sRate)} link sets/s (${fmtMs(median(sv))} a call)`,
          limit: `${fmtInt(lRate)} link sets/s (${fmtMs(median(li))})`,
          ratio: ratio(sRate, lRate),
          goal: '≥ 20,000/s',
          met: sRate >= 20_000,
          notes: `one call of ${fmtInt(subjects)} subjects, 3 tokens each, median of ${rounds}; limit: createLinkSigner alone in a loop`,
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
