/**
 * The harness's pure parts: figures, medians, ratios, the table, the command line. No I/O, so
 * test/bench/harness.test.ts can check them.
 */

/** One line of the table: what the service did, what the same work did without it, and the ratio. */
export interface Row {
  scenario: string;
  /** The service's figure, e.g. `612/s, p99 48 ms`. */
  service: string;
  /** The limit's figure (`—` when the scenario has none). */
  limit: string;
  /** service / limit (higher is better), or null when there is no limit. */
  ratio: number | null;
  /** The goal from issue 12 and whether this run met it. */
  goal: string;
  met: boolean | null;
  notes: string;
}

export interface ScenarioResult {
  rows: Row[];
  /** Everything measured, for results.json. */
  figures: Record<string, unknown>;
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** service / limit, rounded to two decimals; null when the limit is zero or missing. */
export function ratio(service: number, limit: number | null | undefined): number | null {
  if (!limit || !Number.isFinite(limit) || !Number.isFinite(service)) return null;
  return Math.round((service / limit) * 100) / 100;
}

/** A rate or count with thousands separators, no decimals: 12,345. */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds: one decimal below 10, whole above. */
export function fmtMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${fmtInt(ms)} ms`;
}

/** Bytes as MiB with one decimal. */
export function fmtMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Escapes a table cell (pipes would split it). */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The one table, as Markdown (readable on a terminal, pasted into the README as is). */
export function formatTable(rows: readonly Row[]): string {
  const head = ['scenario', 'service', 'limit', 'ratio', 'goal', 'notes'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of rows) {
    const goal = r.met === null ? r.goal : `${r.goal} ${r.met ? '(met)' : '(**not met**)'}`;
    lines.push(`| ${[r.scenario, r.service, r.limit, r.ratio === null ? '—' : r.ratio.toFixed(2), goal, r.notes].map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

export interface Args {
  names: string[];
  quick: boolean;
}

/**
 * `npm run bench -- [--quick] [NAME...]`: unknown names are refused with the list of known ones.
 *
 * @example
 * parseArgs(['--quick', 'links'], ['links', 'feed']) // { names: ['links'], quick: true }
 */
export function parseArgs(argv: readonly string[], known: readonly string[]): Args {
  const quick = argv.includes('--quick');
  const names = argv.filter((a) => !a.startsWith('--'));
  const unknownFlags = argv.filter((a) => a.startsWith('--') && a !== '--quick');
  if (unknownFlags.length) throw new Error(`unknown option ${unknownFlags.join(', ')}; known: --quick`);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return { names: names.length ? [...new Set(names)] : [...known], quick };
}

/**
 * The command that reproduces a run, for results.json and the README.
 *
 * @example
 * commandLine({ names: ['links'], quick: true }, ['links', 'feed']) // 'npm run bench -- --quick links'
 */
export function commandLine(args: Args, known: readonly string[]): string {
  const parts = [...(args.quick ? ['--quick'] : []), ...(args.names.length < known.length ? args.names : [])];
  return parts.length ? `npm run bench -- ${parts.join(' ')}` : 'npm run bench';
}
