import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDocsAssets } from '../../src/node/docs-assets.js';
import { appWithoutDb } from '../helpers/openapi-doc.js';

/**
 * `/docs` works offline: the page loads nothing but this service's own files, which come from
 * the swagger-ui-dist pinned in package-lock.json (issue 11, item 16). The Workers build has no
 * assets and says where the document is instead. The browser proof is test/browser/docs.test.ts.
 */

const lockedVersion = () => {
  const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  return lock.packages['node_modules/swagger-ui-dist']?.version;
};

/** Every URL the HTML loads (scripts, styles, images, frames). */
const loadedUrls = (html: string) => [...html.matchAll(/<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);

describe('/docs with the assets (the Node server)', () => {
  let app: Awaited<ReturnType<typeof appWithoutDb>>;
  beforeAll(async () => {
    app = await appWithoutDb({ docsAssets: loadDocsAssets() });
  });

  it('reads the assets of the swagger-ui-dist version pinned in the lock file', () => {
    const assets = loadDocsAssets();
    expect(assets.version).toBe(lockedVersion());
    const dir = createRequire(import.meta.url)
      .resolve('swagger-ui-dist/package.json')
      .replace(/package\.json$/, '');
    expect(Buffer.from(assets.bundle as ArrayBuffer).equals(readFileSync(`${dir}swagger-ui-bundle.js`))).toBe(true);
  });

  it('references only same-origin assets, and no inline script, under a strict CSP', async () => {
    const res = await app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    const urls = loadedUrls(html);
    expect(urls.map((u) => u.replace(/\?.*$/, ''))).toEqual(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui-init.js']);
    expect(urls.filter((u) => !u.startsWith('/') || u.startsWith('//'))).toEqual([]);
    // Every <script> has a src and nothing inside it.
    expect([...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter((m) => !/\bsrc=/.test(m[1]!) || m[2]!.trim() !== '')).toEqual([]);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });

  it('serves each asset with its content type and a long cache; the URLs carry the version', async () => {
    const html = await (await app.request('/docs')).text();
    const want: Record<string, RegExp> = {
      '/docs/swagger-ui.css': /^text\/css/,
      '/docs/swagger-ui-bundle.js': /^text\/javascript/,
      '/docs/swagger-ui-init.js': /^text\/javascript/,
    };
    const urls = loadedUrls(html);
    expect(urls.length).toBe(3);
    for (const url of urls) {
      expect(url).toContain(`?v=${lockedVersion()}`);
      const res = await app.request(url);
      const path = url.replace(/\?.*$/, '');
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type'), url).toMatch(want[path]!);
      expect(res.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect((await res.arrayBuffer()).byteLength, url).toBeGreaterThan(100);
      if (path !== '/docs/swagger-ui-init.js') expect(res.headers.get('cache-control'), url).toBe('public, max-age=31536000, immutable');
    }
  });

  it('initializes Swagger UI on /openapi.json and never asks the public validator', async () => {
    const js = await (await app.request('/docs/swagger-ui-init.js')).text();
    expect(js).toContain("url: '/openapi.json'");
    expect(js).toContain('validatorUrl: null');
    expect(js).not.toMatch(/https?:\/\//);
  });
});

describe('/docs without the assets (the Workers build)', () => {
  it('says plainly where the document is, and serves no asset', async () => {
    const app = await appWithoutDb();
    const res = await app.request('/docs');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<a href="/openapi.json">/openapi.json</a>');
    expect(html).not.toMatch(/<script/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect((await app.request('/docs/swagger-ui-bundle.js')).status).toBe(404);
  });
});
