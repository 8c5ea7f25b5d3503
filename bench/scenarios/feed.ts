/**
 * The suppression feed: 1,000,000 rows (seeded with generate_series) read through the HTTP API
 * of the real server process in ndjson, csv and json by a streaming client that counts and
 * discards, beside `COPY (select the same columns ... order by seq) TO STDOUT` of the same rows
 * through `psql` (read by the same kind of client: this process counts psql's stdout).
 * Rows per second at the full size (service and COPY interleaved, format by format), and the
 * server's peak RSS (VmHWM, reset before each read through /proc/PID/clear_refs) at 10,000 and
 * at the full size.
 */
import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { createApiKey } from '../../src/auth/keys.js';
import { generateSigningJwk } from '../../src/links/tokens.js';
import { openSchema } from '../lib/env.js';
import { fmtInt, fmtMiB, median, type Row, ratio, type ScenarioResult } from '../lib/harness.js';
import { startService, tempDir } from '../lib/service.js';

const FORMATS = ['ndjson', 'csv', 'json'] as const;

/** Reads a stream to its end, counting bytes and newlines. */
async function drain(body: AsyncIterable<Uint8Array>): Promise<{ bytes: number; lines: number }> {
  let bytes = 0;
  let lines = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return { bytes, lines };
}

/** COPY of the first `n` feed rows through psql; seconds and rows seen. */
async function copy(url: string, schema: string, n: number): Promise<{ seconds: number; lines: number }> {
  const u = new URL(url);
  u.search = '';
  const started = performance.now();
  const child = spawn(
    'psql',
    [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      u.toString(),
      '-c',
      `copy (select seq, hash, email, reason, active, changed_at from suppressions where seq > 0 and seq <= ${n} order by seq) to stdout with (format csv)`,
    ],
    {
      env: { ...process.env, PGOPTIONS: `-c search_path=${schema}` },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exit = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const { lines } = await drain(child.stdout!);
  if ((await exit) !== 0) throw new Error('psql copy failed');
  return { seconds: (performance.now() - started) / 1000, lines };
}

export async function feed(opts: { quick: boolean }): Promise<ScenarioResult> {
  const full = opts.quick ? 100_000 : 1_000_000;
  const small = 10_000;
  const now = new Date();
  const s = await openSchema('feed');
  const tmp = tempDir();
  let server: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    const db = s.handle.db;
    const t0 = performance.now();
    await sql`
      insert into suppressions (hash, email, subject_id, reason, active, seq, changed_at, created_at, actor_type)
      select md5('h' || i) || md5('x' || i), 'bench-' || i || '@example.test', null,
             (array['unsubscribed', 'bounced', 'complained', 'manual'])[1 + i % 4], i % 10 <> 0, i,
             ${now}::timestamptz - (i || ' seconds')::interval, ${now}::timestamptz - (i || ' seconds')::interval, 'staff'
      from generate_series(1, ${full}) as i`.execute(db);
    await sql`select setval('suppression_seq', ${full})`.execute(db);
    await sql`vacuum analyze suppressions`.execute(db);
    const seedSeconds = (performance.now() - t0) / 1000;
    const { key } = await createApiKey(db, { name: 'bench', scopes: ['suppressions:read'] }, now);
    server = await startService({ url: s.url, dataDir: tmp.dir }, await generateSigningJwk('bench'));
    const srv = server;

    const read = async (format: (typeof FORMATS)[number], n: number) => {
      const reset = srv.resetPeak();
      const started = performance.now();
      const res = await fetch(`${srv.base}/v1/suppressions?format=${format}&limit=${n}`, { headers: { authorization: `Bearer ${key}` } });
      if (res.status !== 200 || !res.body) throw new Error(`feed ${format}: status ${res.status}`);
      const { bytes, lines } = await drain(res.body as unknown as AsyncIterable<Uint8Array>);
      const seconds = (performance.now() - started) / 1000;
      // ndjson: one line a record; csv: a header too; json: the records are not lines, trust bytes.
      const expected = format === 'ndjson' ? n : format === 'csv' ? n + 1 : null;
      if (expected !== null && lines !== expected) throw new Error(`feed ${format}: ${lines} lines, expected ${expected}`);
      return { seconds, bytes, rowsPerSecond: n / seconds, peakRss: srv.peakRss(), peakReset: reset };
    };

    await read('ndjson', small); // warm-up
    await copy(s.url, s.schema, small);
    const rows: Row[] = [];
    const figures: Record<string, unknown> = { rows: full, seedSeconds };
    for (const format of FORMATS) {
      const atSmall = await read(format, small);
      const service = [await read(format, full)];
      const c = await copy(s.url, s.schema, full);
      if (c.lines !== full) throw new Error(`copy: ${c.lines} rows, expected ${full}`);
      const limits = [full / c.seconds];
      const sv = median(service.map((x) => x.rowsPerSecond));
      const li = median(limits);
      const r = ratio(sv, li);
      const grew = service[0]!.peakRss / atSmall.peakRss;
      rows.push({
        scenario: `feed ${format}`,
        service: `${fmtInt(sv)} rows/s; peak RSS ${fmtMiB(atSmall.peakRss)} at ${fmtInt(small)}, ${fmtMiB(service[0]!.peakRss)} at ${fmtInt(full)}`,
        limit: `${fmtInt(li)} rows/s (COPY to stdout via psql)`,
        ratio: r,
        goal: '≥ 0.5, same memory at both sizes',
        met: r !== null && r >= 0.5 && grew < 1.25,
        notes: `${fmtInt(full)} rows; ${fmtInt(service[0]!.bytes / 1024 / 1024)} MiB of body; memory ×${grew.toFixed(2)} from ${fmtInt(small)} to ${fmtInt(full)} rows${atSmall.peakReset ? '' : ' (peak since start: clear_refs refused)'}`,
      });
      figures[format] = { small: atSmall, full: service, copy: { rowsPerSecond: limits, seconds: c.seconds } };
    }
    return { rows, figures };
  } finally {
    await server?.stop();
    await s.drop();
    tmp.remove();
  }
}
