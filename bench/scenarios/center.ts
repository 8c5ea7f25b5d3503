/**
 * Preference-center page renders (`GET /p/{token}`, distinct people cycled, 32 connections,
 * autocannon) from the real server process, beside a bare Hono handler in its own process
 * answering the very bytes the service rendered for one of them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createLinkSigner, generateSigningJwk } from '../../src/links/tokens.js';
import { systemClock } from '../../src/time/clock.js';
import { type LoadFigures, load, openSchema, spawnNode } from '../lib/env.js';
import { fmtInt, fmtMs, median, ratio, type ScenarioResult } from '../lib/harness.js';
import { seedSubjects } from '../lib/seed.js';
import { freePort, startService, tempDir } from '../lib/service.js';

const CONNECTIONS = 32;

export async function center(opts: { quick: boolean }): Promise<ScenarioResult> {
  const people = opts.quick ? 200 : 2_000;
  const perRound = opts.quick ? 500 : 4_000;
  const rounds = opts.quick ? 1 : 3;
  const s = await openSchema('center');
  const tmp = tempDir();
  let server: Awaited<ReturnType<typeof startService>> | undefined;
  let bare: Awaited<ReturnType<typeof spawnNode>> | undefined;
  try {
    const ids = await seedSubjects(s.handle.db, people, new Date());
    await sql`analyze`.execute(s.handle.db);
    const jwk = await generateSigningJwk('bench');
    const signer = await createLinkSigner([jwk], systemClock);
    const paths: string[] = [];
    for (const sub of ids) paths.push(`/p/${await signer.sign({ sub, p: 'p', ttlSeconds: 86_400 })}`);
    server = await startService({ url: s.url, dataDir: tmp.dir }, jwk);
    const page = await fetch(server.base + paths[0]);
    if (page.status !== 200) throw new Error(`center: status ${page.status}`);
    const bytes = Buffer.from(await page.arrayBuffer());
    const bodyFile = join(tmp.dir, 'page.html');
    writeFileSync(bodyFile, bytes);
    bare = await spawnNode(
      'bench/lib/bare-server.ts',
      [],
      { BARE: 'static', BODY_FILE: bodyFile, CONTENT_TYPE: page.headers.get('content-type') ?? '' },
      await freePort(),
    );
    const srv = server;
    const b = bare;
    const run = (base: string) => load(base, { connections: CONNECTIONS, amount: perRound, method: 'GET', path: (i) => paths[i % paths.length]! });
    await run(srv.base); // warm-up
    await run(b.base);
    const sv: LoadFigures[] = [];
    const li: LoadFigures[] = [];
    for (let r = 0; r < rounds; r++) {
      const f = await run(srv.base);
      if (f.non2xx || f.errors) throw new Error(`center: ${f.non2xx} non-2xx, ${f.errors} errors`);
      sv.push(f);
      li.push(await run(b.base));
    }
    const sRate = median(sv.map((f) => f.perSecond));
    const lRate = median(li.map((f) => f.perSecond));
    return {
      rows: [
        {
          scenario: 'center',
          service: `${fmtInt(sRate)} pages/s, p99 ${fmtMs(median(sv.map((f) => f.p99)))}`,
          limit: `${fmtInt(lRate)}/s, p99 ${fmtMs(median(li.map((f) => f.p99)))}`,
          ratio: ratio(sRate, lRate),
          goal: '—',
          met: null,
          notes: `${rounds} × ${fmtInt(perRound)} GET /p/{token} over ${fmtInt(people)} people, ${CONNECTIONS} connections, ${fmtInt(bytes.length)} bytes a page; limit: bare Hono answering the same bytes`,
        },
      ],
      figures: { people, perRound, rounds, pageBytes: bytes.length, service: sv, bare: li },
    };
  } finally {
    await server?.stop();
    await bare?.stop();
    await s.drop();
    tmp.remove();
  }
}
