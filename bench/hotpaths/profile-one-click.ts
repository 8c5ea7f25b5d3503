/**
 * A CPU profile of the service answering one-click unsubscribes, and the functions that spent
 * the most of it: where the main thread's time per click goes.
 *
 *   npx tsx bench/hotpaths/seed-ledger.ts            # once: the schema the clicks act on
 *   npx tsx bench/hotpaths/profile-one-click.ts [clicks]
 *
 * Starts the server (`--cpu-prof`) on the `hotpaths_ledger` schema, sends `clicks` first clicks
 * (people not yet unsubscribed) at 32 connections, stops it and prints the top self times, by
 * function and by file. The .cpuprofile stays in the printed directory for Chrome's DevTools.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createPostgresDb } from '../../src/db/postgres.js';
import { createLinkSigner, generateSigningJwk } from '../../src/links/tokens.js';
import { systemClock } from '../../src/time/clock.js';
import { load } from '../lib/env.js';
import { startService, tempDir } from '../lib/service.js';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = process.env.BENCH_SCHEMA ?? 'hotpaths_ledger';
const clicks = Number(process.argv[2] ?? 6_000);

const handle = createPostgresDb(url, { max: 1, searchPath: schema });
const ids = (
  await sql<{ id: string }>`
    select s.id from subjects s
    where not exists (select 1 from suppressions x where x.hash = s.email_hash) and s.status = 'active'
    limit ${clicks + 300}`.execute(handle.db)
).rows.map((r) => r.id);
await handle.close();
if (ids.length < clicks + 300) throw new Error(`only ${ids.length} people left to unsubscribe in ${schema}: seed again`);

const jwk = await generateSigningJwk('profile');
const signer = await createLinkSigner([jwk], systemClock);
const paths: string[] = [];
for (const sub of ids) paths.push(`/u/${await signer.sign({ sub, p: 'u', cmp: 'profile' })}`);

const profDir = mkdtempSync(join(tmpdir(), 'mailprefs-prof-'));
const data = tempDir();
const service = await startService(
  { url: `${url}${url.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`, dataDir: data.dir },
  jwk,
  {
    DB_POOL_MAX: '16',
  },
  ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
);
const post = { method: 'POST' as const, body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } };
await load(service.base, { connections: 32, amount: 300, path: (i) => paths[clicks + i]!, ...post });
const f = await load(service.base, { connections: 32, amount: clicks, path: (i) => paths[i]!, ...post });
await service.stop();
data.remove();
console.log(`${Math.round(f.perSecond)}/s, p50 ${f.p50} ms, p99 ${f.p99} ms, non-2xx ${f.non2xx}, errors ${f.errors}`);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = readdirSync(profDir).find((n) => n.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile in ${profDir}`);
const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const self = new Map<number, number>();
for (const [i, id] of prof.samples.entries()) self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
const byFn = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
for (const n of prof.nodes) {
  const us = self.get(n.id) ?? 0;
  total += us;
  const where = n.callFrame.url.replace(/^file:\/\/.*?\/node_modules\//, '').replace(/^file:\/\/.*?\/src\//, 'src/') || '(native)';
  const fnKey = `${n.callFrame.functionName || '(anonymous)'}  ${where}:${n.callFrame.lineNumber + 1}`;
  byFn.set(fnKey, (byFn.get(fnKey) ?? 0) + us);
  const pkg = where.startsWith('src/')
    ? where
    : where.startsWith('node:')
      ? where
      : (where
          .split('/')
          .slice(0, where.startsWith('@') ? 2 : 1)
          .join('/') ?? where);
  byFile.set(pkg, (byFile.get(pkg) ?? 0) + us);
}
const perClick = (us: number) => `${(us / clicks / 1000).toFixed(3)} ms/click`;
const top = (m: Map<string, number>, n: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${perClick(us)}  ${k}`)
    .join('\n');
console.log(`profile: ${join(profDir, file)}; sampled ${(total / 1e6).toFixed(1)} s, ${perClick(total)} (idle included)`);
console.log(`by function (self time):\n${top(byFn, 30)}`);
console.log(`by package or file:\n${top(byFile, 25)}`);
