import { Hono } from 'hono';

/**
 * Swagger UI's own files, as the pinned `swagger-ui-dist` package ships them. The Node entry
 * reads them once at start (`node/docs-assets.ts`); the Workers entry has none (the bundle would
 * pass its 1 MiB limit), and `/docs` then says where the document is.
 */
export interface DocsAssets {
  /** swagger-ui-dist's version: part of the assets' URLs, so a new version is a new URL. */
  version: string;
  /** `swagger-ui.css` */
  css: ArrayBuffer | string;
  /** `swagger-ui-bundle.js` */
  bundle: ArrayBuffer | string;
}

/** The assets' URLs carry the version (`?v=`), so they are cached for a year, as they never change under one URL. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Same-origin scripts and styles only: no inline script (the initializer is a file), nothing
 * from elsewhere. `img-src data:` for Swagger UI's inline SVG icons.
 */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// Swagger UI renders /openapi.json; it never asks the public validator (validatorUrl: null), so
// nothing leaves the page's origin.
const INIT_JS = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: false,
});
`;

const page = (title: string, head: string, body: string) =>
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${head}
</head>
<body>
${body}
</body>
</html>
`;

const headers = (contentType: string, cacheControl: string) => ({
  'Content-Type': contentType,
  'Cache-Control': cacheControl,
  'X-Content-Type-Options': 'nosniff',
});

/**
 * `GET /docs`: the API document rendered by Swagger UI, served entirely from this origin
 * (works offline), or, without the assets, a page that says where the document is.
 *
 * @example
 * app.route('/', docsRoutes(deps.docsAssets)); // null on Workers
 */
export function docsRoutes(assets: DocsAssets | null) {
  const app = new Hono();
  const html = { ...headers('text/html; charset=utf-8', 'no-cache'), 'Content-Security-Policy': DOCS_CSP, 'X-Frame-Options': 'DENY' };

  if (!assets) {
    app.get('/docs', (c) =>
      c.body(
        page(
          'API description',
          '',
          '<h1>API description</h1>\n<p>The API is described in OpenAPI 3.1 at <a href="/openapi.json">/openapi.json</a>. ' +
            'This deployment does not serve an interactive viewer: open that document in any OpenAPI viewer, or generate a client from it.</p>',
        ),
        200,
        html,
      ),
    );
    return app;
  }

  const v = encodeURIComponent(assets.version);
  app.get('/docs', (c) =>
    c.body(
      page(
        'API description',
        `<link rel="stylesheet" href="/docs/swagger-ui.css?v=${v}">`,
        '<noscript><p>The API is described in OpenAPI 3.1 at <a href="/openapi.json">/openapi.json</a>.</p></noscript>\n' +
          '<div id="swagger-ui"></div>\n' +
          `<script src="/docs/swagger-ui-bundle.js?v=${v}"></script>\n` +
          `<script src="/docs/swagger-ui-init.js?v=${v}"></script>`,
      ),
      200,
      html,
    ),
  );
  app.get('/docs/swagger-ui.css', (c) => c.body(assets.css, 200, headers('text/css; charset=utf-8', IMMUTABLE)));
  app.get('/docs/swagger-ui-bundle.js', (c) => c.body(assets.bundle, 200, headers('text/javascript; charset=utf-8', IMMUTABLE)));
  // Ours, not the package's: it may change with the service, so it is revalidated.
  app.get('/docs/swagger-ui-init.js', (c) => c.body(INIT_JS, 200, headers('text/javascript; charset=utf-8', 'no-cache')));
  return app;
}
