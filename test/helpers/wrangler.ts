// wrangler for the Workers tests, kept out of the repository: each run gets a copy of
// wrangler.toml in a temporary directory (its paths made absolute), so wrangler's own files
// (.wrangler/tmp, local state, logs) land there, never in the checkout.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = resolve(import.meta.dirname, '../..');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');

/** A temporary directory holding a copy of wrangler.toml whose `main` and aliases point into the repository. */
export function wranglerWorkspace(prefix: string): { dir: string; config: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')
    .replace(/^main = "\.?\/?/m, `main = "${ROOT}/`)
    .replace(/= "\.\/src\//g, `= "${ROOT}/src/`);
  const config = join(dir, 'wrangler.toml');
  writeFileSync(config, toml);
  return { dir, config, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** wrangler's environment: offline, no telemetry, its logs and user config in `dir`. */
export function wranglerEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_LOG_PATH: join(dir, 'logs'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    CI: '1',
    ...extra,
  };
}

export interface Bundle {
  /** The bundled Worker (`worker.js`). */
  code: string;
  bytes: number;
  /** esbuild's metafile: every input read and every import left to the runtime. */
  meta: { inputs: Record<string, { bytes: number; imports: { path: string; external?: boolean }[] }> };
  /** The inputs with code in the output (tree shaking drops the rest), and how many bytes each. */
  included: Map<string, number>;
}

/** `wrangler deploy --dry-run --outdir`: bundles offline, uploads nothing. */
export async function buildBundle(): Promise<Bundle> {
  const ws = wranglerWorkspace('mailprefs-bundle-');
  try {
    const out = join(ws.dir, 'dist');
    await promisify(execFile)(WRANGLER, ['deploy', '--dry-run', '--config', ws.config, '--outdir', out, '--metafile', join(ws.dir, 'meta.json')], {
      cwd: ws.dir,
      env: wranglerEnv(ws.dir),
      timeout: 120_000,
    });
    const code = readFileSync(join(out, 'worker.js'), 'utf8');
    const meta = JSON.parse(readFileSync(join(ws.dir, 'meta.json'), 'utf8'));
    const included = new Map<string, number>();
    for (const output of Object.values(meta.outputs as Record<string, { inputs: Record<string, { bytesInOutput: number }> }>))
      for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) if (bytesInOutput > 0) included.set(path, bytesInOutput);
    return { code, bytes: Buffer.byteLength(code), meta, included };
  } finally {
    ws.remove();
  }
}

/**
 * Starts `wrangler dev` in its own process group, so {@link stopProcessGroup} ends it and the
 * workerd it starts together.
 */
export function startWranglerDev(args: string[], opts: { dir: string; env: Record<string, string> }): { child: ChildProcess; output: () => string } {
  const child = spawn(WRANGLER, ['dev', ...args], { cwd: opts.dir, env: wranglerEnv(opts.dir, opts.env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  return { child, output: () => output };
}

/** Ends a process group we started (SIGTERM, then SIGKILL after `graceMs`) and waits for its leader. */
export async function stopProcessGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // workerd may outlive its parent by a moment: the group, not only the leader.
  signal('SIGKILL');
}
