// The Workers bundle as wrangler builds it (`wrangler deploy --dry-run`, offline): small enough,
// free of Node-only modules, and built without writing into the repository.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as zod from 'zod';
import * as zodStandIn from '../../src/workers/zod.mjs';
import { type Bundle, buildBundle, ROOT } from '../helpers/wrangler.js';

/** The issue's limit, uncompressed (wrangler reports it as "Total Upload"). */
const MAX_BYTES = 1024 * 1024;

/** Packages that exist only on Node or only at build time: never bundled. */
const NODE_ONLY_PACKAGES = [
  'nodemailer',
  '@electric-sql/pglite',
  'kysely-pglite-dialect',
  'mjml',
  '@hono/node-server',
  'swagger-ui-dist',
  'smtp-server',
  'mailparser',
  'pgpass',
  'pg-native',
  'tsx',
  'prom-client',
];

/**
 * What the bundle may leave to the runtime: workerd's TCP sockets, and the Node built-ins pg
 * needs that workerd implements itself under nodejs_compat (plus AsyncLocalStorage for the
 * request-scoped database). Anything else (fs, child_process, http…) fails this test.
 */
const RUNTIME_MODULES = new Set(['cloudflare:sockets', 'node:async_hooks', 'crypto', 'dns', 'events', 'net', 'tls', 'util', 'util/types']);

let bundle: Bundle;
let wranglerDirBefore: boolean;

beforeAll(async () => {
  wranglerDirBefore = existsSync(join(ROOT, '.wrangler'));
  bundle = await buildBundle();
}, 180_000);

describe('the Workers bundle', () => {
  it(`stays under 1 MiB uncompressed`, () => {
    expect(bundle.bytes).toBeGreaterThan(100_000);
    expect(bundle.bytes, `${(bundle.bytes / 1024).toFixed(1)} KiB`).toBeLessThan(MAX_BYTES);
  });

  it('bundles no Node-only package, no Node adapter (src/node/) and no build-time code (src/emails/build/)', () => {
    const inputs = [...bundle.included.keys()];
    expect(inputs.some((p) => p.endsWith('src/entries/worker.ts'))).toBe(true);
    const bad = inputs.filter((p) => /(^|\/)src\/(node|emails\/build)\//.test(p) || NODE_ONLY_PACKAGES.some((pkg) => p.includes(`node_modules/${pkg}/`)));
    expect(bad).toEqual([]);
  });

  it('leaves to the runtime only what workerd provides (no fs, no child_process)', () => {
    const external = new Set<string>();
    for (const input of Object.values(bundle.meta.inputs))
      for (const i of input.imports) if (i.external && i.path !== '<runtime>') external.add(i.path.replace(/^node-built-in-modules:/, ''));
    expect([...external].filter((m) => !RUNTIME_MODULES.has(m))).toEqual([]);
    expect(external.has('cloudflare:sockets')).toBe(true);
    // The text itself, in case a module reached the output another way.
    expect(bundle.code).not.toMatch(/["'](node:)?(fs|fs\/promises|child_process|worker_threads)["']/);
  });

  it("carries the precompiled e-mail templates, the job code, and of zod's messages the English only", () => {
    const inputs = [...bundle.included.keys()];
    expect(inputs.some((p) => p.endsWith('src/emails/compiled.ts'))).toBe(true);
    expect(inputs.some((p) => p.endsWith('src/emails/http-mailer.ts'))).toBe(true);
    expect(inputs.some((p) => p.endsWith('src/jobs/run.ts'))).toBe(true);
    expect(inputs.some((p) => p.includes('zod/v4/locales/') && !p.endsWith('/en.js'))).toBe(false);
  });

  it('is built without writing into the repository', () => {
    if (!wranglerDirBefore) expect(existsSync(join(ROOT, '.wrangler'))).toBe(false);
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8')).toMatch(/^\.wrangler\/$/m);
  });
});

describe("the bundle's zod (src/workers/zod.mjs, wrangler.toml [alias])", () => {
  // What the stand-in leaves out on purpose; anything else zod exports must be there, or a
  // new zod release changed its API and the stand-in needs a look.
  const LEFT_OUT = ['locales', 'core', 'compile', 'withParser', 'INVALID', 'ZodCompileAsyncError', 'ZodCompileUnsupportedError', 'fromJSONSchema'];

  it('exports what zod exports but the locales, the JIT compiler and fromJSONSchema', () => {
    const missing = Object.keys(zod).filter((k) => !(k in zodStandIn) && !LEFT_OUT.includes(k));
    expect(missing).toEqual([]);
    expect(LEFT_OUT.filter((k) => !(k in zod))).toEqual([]);
  });

  it('is the same zod: one schema class, English messages', () => {
    expect(zodStandIn.z.string).toBe(zod.z.string);
    expect(zodStandIn.z.ZodType).toBe(zod.ZodType);
    const r = zodStandIn.z.string().min(3).safeParse('ab');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/at least 3|>=3/i);
  });
});
