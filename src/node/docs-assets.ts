import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DocsAssets } from '../api/docs.js';

/**
 * Swagger UI's files for `/docs`, read once from the installed `swagger-ui-dist` (the version
 * pinned in package-lock.json), so the page needs nothing but this service.
 *
 * @example
 * createApp({ ...deps, docsAssets: loadDocsAssets() });
 */
export function loadDocsAssets(): DocsAssets {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('swagger-ui-dist/package.json');
  const dir = dirname(manifest);
  const read = (file: string) => {
    const b = readFileSync(join(dir, file));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  };
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { version, css: read('swagger-ui.css'), bundle: read('swagger-ui-bundle.js') };
}
