import type { Context } from 'hono';
import type { JWK } from 'jose';
import type { DevMailbox } from './admin/mailbox.js';
import type { DocsAssets } from './api/docs.js';
import type { Config } from './config/index.js';
import type { EmailHasher } from './consent/hash.js';
import type { Db } from './db/handle.js';
import type { LinkSigner } from './links/tokens.js';
import type { LogContext, Logger } from './log.js';
import type { CertificateFetcher } from './mailsender/sns.js';
import type { Metrics } from './metrics/metrics.js';
import type { ProductionCalendar } from './time/calendar.js';
import type { Clock } from './time/clock.js';

/** Everything the app needs from outside; the entries (Node, Workers, tests) provide it. */
export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  signer: LinkSigner;
  hasher: EmailHasher;
  /** New ids (uuid v4 by default); tests may make them predictable. */
  newId?: () => string;
  /** The client's address as the runtime sees it (socket address, or a trusted proxy header). */
  clientIp?: (c: Context) => string | undefined;
  /** The production calendar for due dates (Russian by default). */
  calendar?: ProductionCalendar;
  /** Public keys that verify our pushes, served at /.well-known/jwks.json. */
  pushJwks?: { keys: JWK[] };
  /** Fetches Amazon SNS signing certificates (the runtime's fetch by default); tests serve their own. */
  fetchCertificate?: CertificateFetcher;
  /**
   * Swagger UI's files for `/docs` (the Node entry reads them from swagger-ui-dist); without
   * them (Workers) `/docs` says where the document is.
   */
  docsAssets?: DocsAssets | null;
  /** What the app counts (prom-client on Node); counts nothing by default. */
  metrics?: Metrics;
  /**
   * Keeps the request id and route template across a request's awaits, so every line logged
   * during it carries them (AsyncLocalStorage on Node and Workers); none by default.
   */
  logContext?: LogContext;
  /** True once the process is shutting down: `/readyz` answers 503 so the load balancer stops sending. */
  draining?: () => boolean;
  /**
   * The development mailbox for the dashboard (`/admin/mailbox`): the Node entry hands in a
   * reader of DATA_DIR/outbox only when mail goes to files; null: mail goes out for real.
   */
  devMailbox?: DevMailbox | null;
}

export type ResolvedDeps = Required<AppDeps>;
