/**
 * The one benchmark harness (issue 12): every scenario measures the service and its limit (the
 * same work without the service) interleaved in the same run, and reports the ratio.
 *
 *   npm run bench                        # every scenario, full sizes (about 10 minutes)
 *   npm run bench -- unsubscribe-pg      # one scenario (several names allowed)
 *   npm run bench -- --quick             # small sizes: a smoke run in about a minute
 *   BENCH_DATABASE_URL=postgres://...    # the PostgreSQL server (default postgres@127.0.0.1:5432);
 *                                        # the run creates its own database bench_<pid> and drops it
 *
 * Prints one table and writes bench/results.json (machine, date, commit, every figure).
 */
import { writeFileSync } from 'node:fs';
import { dropRunDatabase, machineInfo } from './lib/env.js';
import { commandLine, formatTable, parseArgs, type Row, type ScenarioResult } from './lib/harness.js';
import { SCENARIOS } from './scenarios/index.js';

async function main() {
  const args = parseArgs(process.argv.slice(2), Object.keys(SCENARIOS));
  const machine = await machineInfo();
  const rows: Row[] = [];
  const results: Record<string, unknown> = {};
  let failed = false;
  try {
    for (const name of args.names) {
      const started = performance.now();
      console.error(`[bench] ${name}${args.quick ? ' (quick)' : ''}...`);
      try {
        const r: ScenarioResult = await SCENARIOS[name]!(args);
        const seconds = Math.round((performance.now() - started) / 100) / 10;
        rows.push(...r.rows);
        results[name] = { seconds, rows: r.rows, figures: r.figures };
        console.error(`[bench] ${name} done in ${seconds} s`);
        console.error(formatTable(r.rows));
      } catch (e) {
        failed = true;
        console.error(`[bench] ${name} failed:`, e);
        results[name] = { error: String(e) };
        rows.push({ scenario: name, service: 'failed', limit: '—', ratio: null, goal: '', met: null, notes: String(e).slice(0, 120) });
      }
    }
  } finally {
    await dropRunDatabase();
  }
  const command = commandLine(args, Object.keys(SCENARIOS));
  writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify({ command, quick: args.quick, machine, scenarios: results }, null, 2)}\n`);
  console.log(formatTable(rows));
  if (failed) process.exitCode = 1;
}

// Interrupted: drop the run's database before leaving (spawned servers share our process group).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    dropRunDatabase()
      .catch(() => {})
      .finally(() => process.exit(130));
  });
}

main().catch(async (e) => {
  console.error(e);
  await dropRunDatabase().catch(() => {});
  process.exit(1);
});
