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
 * Prints one table and writes bench/results.json (machine, date, commit, every figure; the
 * scenarios of earlier runs that this one did not run stay, with the run they came from).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
  // The file keeps the latest figures of every scenario: a run of some scenarios replaces theirs
  // and leaves the others, each saying which run (command, date, commit) it came from.
  const file = new URL('./results.json', import.meta.url);
  let previous: {
    scenarios?: Record<string, Record<string, unknown>>;
    lastRun?: unknown;
    command?: string;
    quick?: boolean;
    machine?: Record<string, unknown>;
  } = {};
  try {
    previous = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // first run, or unreadable: start afresh
  }
  const run = { command, quick: args.quick, date: machine.date, commit: machine.commit, dirty: machine.dirty };
  // A file written before runs were recorded per scenario: its top-level run applies to all.
  const previousRun = previous.lastRun ?? {
    command: previous.command,
    quick: previous.quick,
    date: previous.machine?.date,
    commit: previous.machine?.commit,
    dirty: previous.machine?.dirty,
  };
  const scenarios: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(previous.scenarios ?? {})) scenarios[name] = 'run' in r ? r : { run: previousRun, ...r };
  for (const [name, r] of Object.entries(results)) scenarios[name] = { run, ...(r as object) };
  const ordered = Object.fromEntries(
    Object.keys(SCENARIOS)
      .filter((n) => n in scenarios)
      .map((n) => [n, scenarios[n]]),
  );
  writeFileSync(file, `${JSON.stringify({ machine, lastRun: run, scenarios: ordered }, null, 2)}\n`);
  // In the project's format, so `biome check` stays clean after a run (the file is committed).
  try {
    execFileSync('npx', ['biome', 'format', '--write', fileURLToPath(file)], { stdio: 'ignore' });
  } catch {
    // biome missing: the JSON is still valid
  }
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
