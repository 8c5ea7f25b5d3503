// Cloudflare Workers entry: wiring only. Postgres through Hyperdrive (query cache off), secrets
// from Workers secrets. Not yet verified with wrangler: that is the Workers issue's work.
import { createApp } from '../app.js';
import { loadConfig } from '../config/index.js';
import { createEmailHasher } from '../consent/hash.js';
import { createPostgresDb } from '../db/postgres.js';
import { createLinkSigner, parseKeySet } from '../links/tokens.js';
import { createLogger } from '../log.js';
import { normalizeIp } from '../privacy/client-ip.js';
import { systemClock } from '../time/clock.js';

interface WorkerEnv {
  HYPERDRIVE: { connectionString: string };
  [name: string]: unknown;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
    const vars = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    // No mailer here: mail goes out from the outbox through a Node job process (npm run jobs).
    const config = loadConfig(
      { ...vars, NODE_ENV: 'production', DATABASE_URL: env.HYPERDRIVE.connectionString, MIGRATE_ON_START: 'false' },
      { sendsMail: false },
    );
    // Hyperdrive pools connections itself; a Worker opens one per request and closes it after.
    const handle = createPostgresDb(config.databaseUrl!, { max: 1 });
    const app = createApp({
      config,
      db: handle.db,
      clock: systemClock,
      logger: createLogger(config.logLevel),
      signer: await createLinkSigner(parseKeySet(config.linkSigningKeys!), systemClock),
      hasher: await createEmailHasher(config.suppressionHashKey!),
      // Cloudflare sets CF-Connecting-IP itself (a client cannot forge it past the edge); it is
      // still checked to be an address before it is kept as evidence.
      clientIp: (c) => normalizeIp(c.req.header('cf-connecting-ip')),
    });
    const response = await app.fetch(request);
    if (!response.body) {
      ctx.waitUntil(handle.close());
      return response;
    }
    // Streamed bodies (the suppression feed) still read from the database: close after the end.
    const { readable, writable } = new TransformStream();
    ctx.waitUntil(response.body.pipeTo(writable).finally(() => handle.close()));
    return new Response(readable, response);
  },
};
