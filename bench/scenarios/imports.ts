/**
 * Imports: a generated CSV file of 1,000,000 rows (100,000 with --quick) imported as the CLI
 * imports it (src/imports/ over node:fs, the Node hasher, batches of 5,000), beside
 * PostgreSQL's own `COPY ... FROM` of the same file into a comparable table (the file's columns,
 * a unique index on the address, as `subjects` has on its hash) through psql, in the same run.
 * Both kinds: subjects (people, consents, ledger) and suppressions (the suppression list).
 * Rows per second each, and the ratio.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { runImport } from '../../src/imports/actions.js';
import { fileText, nodeEmailHasher } from '../../src/node/import-file.js';
import { openSchema } from '../lib/env.js';
import { fmtInt, type Row, ratio, type ScenarioResult } from '../lib/harness.js';
import { tempDir } from '../lib/service.js';

const HASH_KEY = 'bench-import-hash-key-0123456789abcdef0123';

/** Writes the file: a Mailchimp-like export, half the rows with an opt-in time. */
async function writeFile(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('email,first_name,last_name,optin_time,optin_ip\n');
  let buf = '';
  for (let i = 0; i < n; i++) {
    buf += `person${i}@example${i % 97}.ru,Имя${i % 1000},Фамилия${i},${i % 2 ? '2024-05-01 10:00:00' : ''},192.0.2.${i % 250}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'close');
}

/** `\copy` of the file into `table` through psql; seconds. */
async function copy(url: string, schema: string, table: string, path: string): Promise<number> {
  const u = new URL(url);
  u.search = '';
  const started = performance.now();
  const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', u.toString(), '-c', `\\copy ${table} from '${path}' with (format csv, header true)`], {
    env: { ...process.env, PGOPTIONS: `-c search_path=${schema}` },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error('psql copy failed');
  return (performance.now() - started) / 1000;
}

export async function imports(opts: { quick: boolean }): Promise<ScenarioResult> {
  const n = opts.quick ? 100_000 : 1_000_000;
  const tmp = tempDir();
  const file = join(tmp.dir, 'import.csv');
  const rows: Row[] = [];
  const figures: Record<string, unknown> = { rows: n };
  try {
    await writeFile(file, n);
    for (const kind of ['subjects', 'suppressions'] as const) {
      const s = await openSchema(`imports_${kind}`);
      try {
        const db = s.handle.db;
        const started = performance.now();
        const r = await runImport(
          db,
          { hasher: nodeEmailHasher(HASH_KEY), newId: () => crypto.randomUUID(), now: () => new Date(), defaultLocale: 'ru' },
          { kind, text: fileText(file), source: 'bench', fileName: 'import.csv', reason: kind === 'suppressions' ? 'manual' : null },
        );
        const seconds = (performance.now() - started) / 1000;
        if (r.kind !== 'done' || r.counts.rows !== n) throw new Error(`import ${kind}: ${JSON.stringify(r)}`);
        const written = kind === 'subjects' ? r.counts.created : r.counts.suppressed;
        if (written !== n) throw new Error(`import ${kind}: ${written} written, expected ${n}`);

        await sql`create table import_copy (email text not null, first_name text, last_name text, optin_time text, optin_ip text)`.execute(db);
        await sql`create unique index import_copy_email on import_copy (email)`.execute(db);
        const copySeconds = await copy(s.url, s.schema, 'import_copy', file);
        const service = n / seconds;
        const limit = n / copySeconds;
        const q = ratio(service, limit);
        rows.push({
          scenario: `import ${kind}`,
          service: `${fmtInt(service)} rows/s (${seconds.toFixed(1)} s)`,
          limit: `${fmtInt(limit)} rows/s (COPY FROM via psql, ${copySeconds.toFixed(1)} s)`,
          ratio: q,
          goal: '≥ 0.5',
          met: q !== null && q >= 0.5,
          notes:
            kind === 'subjects'
              ? `${fmtInt(n)} rows → ${fmtInt(r.counts.created)} people (${fmtInt(r.counts.granted)} with consent evidence), 2 consents each, ${fmtInt(r.counts.created + r.counts.granted)} ledger rows`
              : `${fmtInt(n)} rows → ${fmtInt(r.counts.suppressed)} suppression entries`,
        });
        figures[kind] = { seconds, rowsPerSecond: service, copySeconds, copyRowsPerSecond: limit, counts: r.counts };
      } finally {
        await s.drop();
      }
    }
    return { rows, figures };
  } finally {
    tmp.remove();
  }
}
