import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import { adminRoutes } from './admin/routes.js';
import { docsRoutes } from './api/docs.js';
import { jwksRoute } from './api/openapi.js';
import { auditStaffWrites } from './audit/writes.js';
import { bearerAuth } from './auth/middleware.js';
import { cadenceRoutes } from './cadence/routes.js';
import { confirmationRoutes } from './confirmation/routes.js';
import { consentRoutes } from './consent/routes.js';
import { isUnavailable } from './db/handle.js';
import type { AppDeps, ResolvedDeps } from './deps.js';
import { AppError, RETRY_AFTER_SECONDS } from './errors/index.js';
import { healthRoute, healthRoutes, readyRoute } from './health/routes.js';
import { importRoutes } from './imports/routes.js';
import { freshLinkRoutes } from './links/page-routes.js';
import { linkRoutes } from './links/routes.js';
import { noLogContext, withLogContext } from './log.js';
import { mailSenderRoutes } from './mailsender/routes.js';
import { fetchCertificateOverHttps } from './mailsender/sns.js';
import { noMetrics } from './metrics/metrics.js';
import { publicMetricsRoutes } from './metrics/routes.js';
import { homeRoutes } from './pages/home.js';
import { messages } from './pages/i18n.js';
import { operatorIdentity } from './pages/identity.js';
import { pageLocale } from './pages/layout.js';
import { messagePage } from './pages/message.js';
import { policyRoutes } from './pages/policy.js';
import { preferencesRoutes } from './preferences/routes.js';
import { normalizeIp } from './privacy/client-ip.js';
import { redactAddresses } from './privacy/redact.js';
import { publicJwks } from './pushes/jwks.js';
import { requestRoutes } from './requests/routes.js';
import { subjectRoutes } from './subjects/routes.js';
import { suppressionRoutes } from './suppressions/routes.js';
import { productionCalendar } from './time/calendar.js';
import { ruCalendar } from './time/calendars/ru.js';
import { topicRoutes } from './topics/routes.js';
import { INBOUND_PATH, inboundRoutes } from './unsubscribe/inbound-routes.js';
import { unsubscribeRoutes } from './unsubscribe/routes.js';
import { withdrawalRoutes } from './withdrawal/routes.js';

const PUBLIC_BODY_LIMIT = 16 * 1024;
const CENTER_BODY_LIMIT = 64 * 1024;
// 100,000 addresses of up to 320 characters, JSON-quoted.
const BATCH_BODY_LIMIT = 40 * 1024 * 1024;

/** The document's tags, one per capability, in the order a reader meets them. */
/**
 * The mail sender's webhooks: the only routes that take HTTP Basic (the key in a subscription
 * URL) and SNS's text/plain JSON.
 */
const SNS_WEBHOOKS = new Set(['/v1/events/mail-sender', INBOUND_PATH]);

const API_TAGS = [
  { name: 'Consent', description: "Leads from the site's forms: consent to processing and to advertising mail, with the evidence behind it" },
  { name: 'Links', description: 'Signed unsubscribe, preference-center and withdrawal links, and the List-Unsubscribe headers (RFC 8058) for a campaign' },
  { name: 'Cadence', description: 'How often a person may be mailed: the atomic reservation of a campaign’s recipients, sends, and frequency preferences' },
  { name: 'Topics', description: 'Kinds of advertising mail a person may leave one by one (service mail is never a topic)' },
  { name: 'Suppressions', description: 'The suppression list: the incremental feed for the mail sender, and manual entries' },
  {
    name: 'Mail sender',
    description:
      'Bounces, complaints and unsubscribes reported by the mail sender (our own shape, Amazon SES over SNS, Postmark), and messages to the mailto: unsubscribe address it received for us',
  },
  {
    name: 'Subjects',
    description: "Staff access to a person's data (every read audited, X-Purpose required): read, find, export, rectify, restrict, disclosures",
  },
  { name: 'Requests', description: 'Data-subject requests (152-FZ) and their statutory due dates, and deadline gauges' },
  { name: 'Audit', description: 'Who read or changed whose data, why and when' },
  {
    name: 'Imports',
    description:
      'Bring an existing base in: subjects and suppressions from CSV exports (listmonk, Mautic, Mailchimp, Unisender, SendGrid), streamed, resumable, never resurrecting a suppressed, withdrawn or erased address',
  },
  { name: 'Service', description: 'Health, and the public keys that verify the pushes to the mail sender' },
];

const isApi = (path: string) => path.startsWith('/v1/') || path === '/v1' || path === '/metrics';
/** The staff imports: a streamed CSV body, with its own content type and size rule. */
const isImport = (path: string) => path.startsWith('/v1/imports/');

/**
 * Builds the whole service from its dependencies. Used by the Node server, the Workers entry
 * and the tests alike; nothing here touches the runtime directly.
 *
 * @example
 * const app = createApp({ config, db, clock: systemClock, logger, signer, hasher });
 * const res = await app.request('/healthz');
 */
export function createApp(input: AppDeps) {
  const deps: ResolvedDeps = {
    newId: () => crypto.randomUUID(),
    clientIp: () => undefined,
    calendar: productionCalendar(ruCalendar),
    pushJwks: { keys: [] },
    fetchCertificate: fetchCertificateOverHttps,
    docsAssets: null,
    metrics: noMetrics,
    logContext: noLogContext,
    draining: () => false,
    devMailbox: null,
    ...input,
  } as ResolvedDeps;
  // Every line logged during a request, however deep (deps.logger in an action), carries the
  // request's id and route template from the runtime's context.
  deps.logger = withLogContext(deps.logger, deps.logContext);
  // Whatever a runtime reports as the client (a socket, a proxy or CDN header), only a valid IP
  // is kept as consent evidence or used as a rate-limit key.
  const runtimeClientIp = deps.clientIp;
  deps.clientIp = (c) => normalizeIp(runtimeClientIp(c));
  const { config, logger } = deps;

  const app = new OpenAPIHono();
  app.use('*', requestId({ limitLength: 64 }));
  // Every public page (errors included) names the operator and a person to write to.
  app.use('*', operatorIdentity(config));

  app.use('*', async (c, next) => {
    const started = performance.now();
    // Paths hold link tokens, and whatever a client puts where an id goes (an address, say):
    // log and count the template of the route that will answer (`/u/:token`, the last one
    // matched; a pattern such as `/v1/*` when none did), never the path.
    const route = routePath(c, -1) || '*';
    await deps.logContext.run({ requestId: c.get('requestId'), route }, async () => {
      await next();
      const ms = performance.now() - started;
      deps.metrics.httpRequest({ method: c.req.method, route, status: c.res.status, seconds: ms / 1000 });
      logger.info('request', { method: c.req.method, route, status: c.res.status, ms: Math.round(ms * 10) / 10 });
    });
  });

  // Campaign batches of 100,000 recipients are bigger than any other body; they get their own limit.
  const limitFor = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new AppError('payload_too_large', `The body is over ${maxSize} bytes.`);
      },
    });
  const apiLimit = limitFor(config.apiBodyLimitBytes);
  const batchLimit = limitFor(Math.max(config.apiBodyLimitBytes, BATCH_BODY_LIMIT));
  app.use('/v1/*', async (c, next) => {
    if (!isImport(c.req.path)) return c.req.path.startsWith('/v1/campaigns/') ? batchLimit(c, next) : apiLimit(c, next);
    // An import streams its body: a declared length over the limit is refused before anything
    // is read; an undeclared one is counted as it streams (imports/csv.ts decodeUtf8).
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > config.importBodyLimitBytes)
      throw new AppError('payload_too_large', `The body is over ${config.importBodyLimitBytes} bytes (IMPORT_BODY_LIMIT_BYTES).`);
    await next();
  });
  app.use('/v1/*', async (c, next) => {
    if (isImport(c.req.path) && c.req.method === 'POST') {
      const type = c.req.header('content-type') ?? '';
      const m = /^text\/csv\s*(;|$)/i.test(type) ? /charset\s*=\s*"?([^";\s]+)/i.exec(type) : null;
      if (!/^text\/csv\s*(;|$)/i.test(type) || (m && m[1]!.toLowerCase().replace('-', '') !== 'utf8')) {
        throw new AppError('unsupported_media_type', 'Send the file as text/csv in UTF-8.');
      }
    } else if (['POST', 'PUT', 'PATCH'].includes(c.req.method)) {
      const type = c.req.header('content-type') ?? '';
      // Amazon SNS posts its JSON as text/plain; that one sender on that one route is let through.
      const snsDelivery = SNS_WEBHOOKS.has(c.req.path) && !!c.req.header('x-amz-sns-message-type') && /^text\/plain\s*(;|$)/i.test(type);
      if (!snsDelivery && !/^application\/([a-z.+-]+\+)?json\s*(;|$)/i.test(type)) {
        throw new AppError('unsupported_media_type', 'Send the body as application/json.');
      }
    }
    await next();
  });
  // API answers carry personal data: no cache may keep them. A route that says otherwise keeps
  // its own (the suppression feed: private, no-cache, revalidated with its ETag).
  app.use('/v1/*', async (c, next) => {
    await next();
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  });
  app.use('/v1/*', bearerAuth(deps.db, { now: () => deps.clock.now(), basicAllowed: (c) => c.req.method === 'POST' && SNS_WEBHOOKS.has(c.req.path) }));
  app.use('/v1/*', auditStaffWrites(deps));
  // The dashboard's forms: a reason of up to 2,000 characters is the largest.
  app.use(
    '/admin/*',
    bodyLimit({
      maxSize: PUBLIC_BODY_LIMIT,
      onError: () => {
        throw new AppError('payload_too_large');
      },
    }),
  );
  for (const p of ['/u/*', '/w/*', '/c/*', '/p/*']) {
    app.use(
      p,
      bodyLimit({
        // The preference center takes appeals of up to 10,000 characters (Cyrillic: 2 bytes each).
        maxSize: p === '/p/*' ? CENTER_BODY_LIMIT : PUBLIC_BODY_LIMIT,
        onError: () => {
          throw new AppError('payload_too_large');
        },
      }),
    );
  }

  app.route('/', healthRoutes(deps));
  // With METRICS_PORT the Node entry serves /metrics on that port alone; without, here, to a key.
  if (config.metrics.port === null) app.route('/', publicMetricsRoutes(deps));
  // Public halves only, whatever the runtime handed in (pushJwks is a dependency, not a promise).
  const published = publicJwks(deps.pushJwks.keys);
  app.get('/.well-known/jwks.json', (c) => c.json(published, 200, { 'Cache-Control': 'public, max-age=300' }));
  app.route('/', consentRoutes(deps));
  app.route('/', linkRoutes(deps));
  app.route('/', suppressionRoutes(deps));
  app.route('/', topicRoutes(deps));
  app.route('/', mailSenderRoutes(deps, { softBounces: config.softBounces }));
  app.route('/', inboundRoutes(deps));
  app.route('/', cadenceRoutes(deps));
  app.route('/', subjectRoutes(deps));
  app.route('/', requestRoutes(deps));
  app.route('/', importRoutes(deps));
  app.route('/', unsubscribeRoutes(deps));
  app.route('/', withdrawalRoutes(deps));
  app.route('/', confirmationRoutes(deps));
  app.route('/', preferencesRoutes(deps));
  app.route('/', freshLinkRoutes(deps));
  app.route('/', policyRoutes(deps));
  app.route('/', homeRoutes(deps));
  app.route('/', adminRoutes(deps));

  // Served by plain handlers above; described here.
  app.openAPIRegistry.registerPath(healthRoute);
  app.openAPIRegistry.registerPath(readyRoute);
  app.openAPIRegistry.registerPath(jwksRoute);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key from `npm run cli -- keys create`',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Mailing preferences and unsubscribe service',
      version: '0.1.0',
      description:
        'Consent with evidence, signed links, one-click unsubscribe (RFC 8058) and the suppression feed. Errors are RFC 9457 problem+json. ' +
        'A 503 (the database busy or restarting) carries Retry-After: retry then. Only a connection dropped during a commit can have let a write land before its 503: repeat idempotent calls as they are and look before repeating the others.',
      license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
    },
    servers: [{ url: config.publicBaseUrl }],
    tags: API_TAGS,
  });
  app.route('/', docsRoutes(deps.docsAssets));

  app.notFound((c) => {
    if (isApi(c.req.path)) return problem(c, new AppError('not_found', 'No such endpoint.'));
    const locale = pageLocale(c, deps);
    const t = messages[locale];
    return messagePage(c, 404, locale, t.unknownTitle, t.unknownLead);
  });

  app.onError((err, c) => {
    let e: AppError;
    if (err instanceof AppError) e = err;
    else if (err instanceof HTTPException && err.status < 500) {
      e =
        err.status === 413
          ? new AppError('payload_too_large')
          : err.status === 401
            ? new AppError('unauthorized')
            : new AppError('bad_request', err.message || undefined);
    } else if (['22021', '22P05'].includes((err as { code?: string }).code ?? '')) {
      // Text PostgreSQL cannot store (a NUL character): the input is at fault, not the service.
      e = new AppError('validation_failed', 'Text fields must not contain NUL characters.');
    } else if (isUnavailable(err)) {
      // The pool's wait or a statement's bound ran out, or PostgreSQL restarts: retry shortly.
      logger.warn('database unavailable', {
        requestId: c.get('requestId'),
        code: (err as { code?: string }).code,
        error: redactAddresses(err instanceof Error ? err.message : String(err)).slice(0, 200),
      });
      e = new AppError('unavailable', 'The database is busy or out of reach; retry after the Retry-After seconds.');
    } else {
      logger.error('unhandled error', {
        requestId: c.get('requestId'),
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
      e = new AppError('internal');
    }
    if (e.status === 503) c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    // The body was refused unread: if the connection stayed open, what is left of it would be
    // read as the next request, and the client's next pooled request would fail. Close it.
    if (e.status === 413) c.header('Connection', 'close');
    if (isApi(c.req.path)) return problem(c, e);
    const locale = pageLocale(c, deps);
    const t = messages[locale];
    if (e.status === 413) return messagePage(c, 413, locale, t.tooLargeTitle, t.tooLargeLead);
    if (e.status === 503) return messagePage(c, 503, locale, t.unavailableTitle, t.unavailableLead);
    return messagePage(c, e.status, locale, t.errorTitle, e.status >= 500 ? t.errorLead : t.invalidLead);
  });

  return app;
}

function problem(c: Context, e: AppError) {
  const headers: Record<string, string> = { 'Content-Type': 'application/problem+json' };
  if (e.status === 401) headers['WWW-Authenticate'] = 'Bearer realm="mailprefs"';
  return c.body(JSON.stringify(e.toProblem(c.req.path)), e.status as 400, headers);
}

export type App = ReturnType<typeof createApp>;
