// The drawing in ARCHITECTURE.md, checked: which folder may import which. A change that needs an
// arrow the drawing forbids changes the drawing (and this file) first, with the reason.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

/** Every module under src/, by path relative to the repo ('src/app.ts'). */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(name) ? [relative(ROOT, p)] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** What a module imports: other modules of ours (repo-relative paths) and packages/builtins by name. Type-only imports are erased and do not count. */
function importsOf(file: string): { local: string[]; external: string[] } {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const local: string[] = [];
  const external: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    if (/^\s*(?:import|export)\s+type\s/.test(m[0].replace(/^\n/, ''))) continue;
    const spec = (m[1] ?? m[2])!;
    if (!spec.startsWith('.')) {
      external.push(spec);
      continue;
    }
    const base = join(dirname(file), spec).replace(/\.js$/, '');
    const found = [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((p) => {
      try {
        return statSync(join(ROOT, p)).isFile();
      } catch {
        return false;
      }
    });
    if (!found) throw new Error(`${file}: cannot resolve ${spec}`);
    local.push(found);
  }
  return { local, external };
}

const FILES = sourceFiles();
// The migrations too: the app reaches migrations/index.ts (/readyz compares the applied ones
// with those the code knows), so what they import is part of what the Worker bundles.
const GRAPH = new Map([...FILES, ...sourceFiles(join(ROOT, 'migrations'))].map((f) => [f, importsOf(f)]));

/** Every module reachable from `start` by runtime imports, with the path that reached it. */
function closure(start: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[start, [start]]]);
  const queue = [start];
  while (queue.length > 0) {
    const f = queue.shift()!;
    for (const next of GRAPH.get(f)!.local) {
      if (seen.has(next)) continue;
      seen.set(next, [...seen.get(f)!, next]);
      queue.push(next);
    }
  }
  return seen;
}

const ENTRIES = 'src/entries/';
const NODE_ONLY_DIR = 'src/node/';
/** The Workers adapters: reached only by the Worker entry, as src/node/ only by the Node ones. */
const WORKERS_DIR = 'src/workers/';
/** Built-ins workerd implements itself (nodejs_compat), which a Workers adapter may use. */
const WORKERD_BUILTINS = ['node:async_hooks'];
/** Build-time only (the e-mail compiler, run by `npm run build:emails`): never in the app. */
const BUILD_ONLY_DIR = 'src/emails/build/';
/** Packages that exist only on Node (or only at build time): never in what the Worker bundles. */
const NODE_ONLY_PACKAGES = [
  /^node:/,
  /^@hono\/node-server/,
  /^@electric-sql\/pglite/,
  /^kysely-pglite-dialect/,
  /^nodemailer/,
  /^mjml/,
  /^tsx/,
  /^smtp-server/,
  /^mailparser/,
  // The Prometheus client: process metrics on Node only (src/node/metrics.ts); the app counts through src/metrics/metrics.ts.
  /^prom-client/,
];

describe('the import rules of ARCHITECTURE.md', () => {
  it('finds the source tree and resolves every relative import', () => {
    expect(FILES.length).toBeGreaterThan(50);
    expect(FILES).toContain('src/app.ts');
  });

  it('nothing imports an entry', () => {
    const offenders = FILES.flatMap((f) =>
      GRAPH.get(f)!
        .local.filter((to) => to.startsWith(ENTRIES))
        .map((to) => `${f} -> ${to}`),
    );
    expect(FILES.some((f) => f.startsWith(ENTRIES))).toBe(true);
    expect(offenders).toEqual([]);
  });

  it('the app, and so the Cloudflare Worker, imports no Node-only module', () => {
    for (const root of ['src/app.ts', `${ENTRIES}worker.ts`]) {
      const reach = closure(root);
      expect(reach.size).toBeGreaterThan(root === 'src/app.ts' ? 40 : 41);
      const bad: string[] = [];
      for (const [file, path] of reach) {
        if (file.startsWith(NODE_ONLY_DIR) || file.startsWith(BUILD_ONLY_DIR)) bad.push(path.join(' -> '));
        for (const pkg of GRAPH.get(file)!.external) {
          // workerd's own AsyncLocalStorage, for the Worker's request-scoped database only.
          if (file.startsWith(WORKERS_DIR) && WORKERD_BUILTINS.includes(pkg)) continue;
          if (NODE_ONLY_PACKAGES.some((re) => re.test(pkg))) bad.push(`${path.join(' -> ')} -> ${pkg}`);
        }
      }
      expect(bad, `from ${root}`).toEqual([]);
    }
    // The app itself reaches no Workers adapter either: the entry hands them in.
    expect([...closure('src/app.ts').keys()].filter((f) => f.startsWith(WORKERS_DIR))).toEqual([]);
  });

  it('only the entries reach the Workers adapters (workers/), and those import nothing of Node', () => {
    const offenders = FILES.filter((f) => !f.startsWith(ENTRIES) && !f.startsWith(WORKERS_DIR)).flatMap((f) =>
      GRAPH.get(f)!
        .local.filter((to) => to.startsWith(WORKERS_DIR))
        .map((to) => `${f} -> ${to}`),
    );
    expect(offenders).toEqual([]);
    const nodeInWorkers = FILES.filter((f) => f.startsWith(WORKERS_DIR)).flatMap((f) =>
      GRAPH.get(f)!
        .external.filter((pkg) => NODE_ONLY_PACKAGES.some((re) => re.test(pkg)) && !WORKERD_BUILTINS.includes(pkg))
        .map((pkg) => `${f} -> ${pkg}`),
    );
    expect(nodeInWorkers).toEqual([]);
  });

  it('capabilities and the layers under them never import the app', () => {
    const offenders = FILES.filter((f) => !f.startsWith(ENTRIES) && f !== 'src/app.ts' && GRAPH.get(f)!.local.includes('src/app.ts'));
    expect(offenders).toEqual([]);
  });

  it('db/ is the bottom layer: it imports only itself and the migrations', () => {
    const offenders = FILES.filter((f) => f.startsWith('src/db/')).flatMap((f) =>
      GRAPH.get(f)!
        .local.filter((to) => !to.startsWith('src/db/') && !to.startsWith('migrations/'))
        .map((to) => `${f} -> ${to}`),
    );
    expect(offenders).toEqual([]);
  });

  it('only the entries reach the Node adapters (node/): capabilities take them as injected dependencies', () => {
    const offenders = FILES.filter((f) => !f.startsWith(ENTRIES) && !f.startsWith(NODE_ONLY_DIR)).flatMap((f) =>
      GRAPH.get(f)!
        .local.filter((to) => to.startsWith(NODE_ONLY_DIR))
        .map((to) => `${f} -> ${to}`),
    );
    expect(offenders).toEqual([]);
  });

  it('route files hold no SQL: handlers verify, act through a capability module, and render', () => {
    const routeFiles = FILES.filter((f) => /(^|\/|-)routes\.tsx?$/.test(f));
    expect(routeFiles.length).toBeGreaterThan(10);
    const SQL = /\bsql`|\.(selectFrom|insertInto|updateTable|deleteFrom|transaction)\(|from 'kysely'/;
    const offenders = routeFiles.filter((f) => SQL.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
