/** What the one-click scenarios (unsubscribe.ts, unsubscribe-topic.ts) share: the load, the links, the figures. */
import type { JWK } from 'jose';
import { createLinkSigner } from '../../src/links/tokens.js';
import { fixedClock } from '../../src/time/clock.js';
import type { LoadFigures } from './env.js';
import { fmtInt, fmtMs, median } from './harness.js';

export const CONNECTIONS = 32;
/**
 * The database pool of the service and of the bare handler alike: PostgreSQL's 100 connections
 * are shared with the loop's 32 and with whatever else runs on the server.
 */
export const POOL = '16';
/** Warm-up requests per server (people of their own, not counted). */
export const WARM = 300;
export const ONE_CLICK = { 'content-type': 'application/x-www-form-urlencoded' };
export const BODY = 'List-Unsubscribe=One-Click';

/** The one-click paths (`/u/{token}`) of these people, for campaign `bench`, of a topic if given. */
export async function signPaths(ids: string[], now: Date, jwk: JWK, topic?: string): Promise<string[]> {
  const signer = await createLinkSigner([jwk], fixedClock(now));
  const out: string[] = [];
  for (const sub of ids) out.push(`/u/${await signer.sign({ sub, p: 'u', cmp: 'bench', ...(topic ? { t: topic } : {}) })}`);
  return out;
}

export const fig = (f: LoadFigures) => `${fmtInt(f.perSecond)}/s, p50 ${fmtMs(f.p50)}, p99 ${fmtMs(f.p99)}`;

/** The rounds' medians (rates and latencies) and totals (requests, failures). */
export const med = (fs: LoadFigures[]): LoadFigures => ({
  perSecond: median(fs.map((f) => f.perSecond)),
  p50: median(fs.map((f) => f.p50)),
  p99: median(fs.map((f) => f.p99)),
  requests: fs.reduce((a, f) => a + f.requests, 0),
  non2xx: fs.reduce((a, f) => a + f.non2xx, 0),
  errors: fs.reduce((a, f) => a + f.errors, 0),
});

/** A round with any failed request is not a figure: stop the run. */
export function checkAllOk(what: string, f: LoadFigures) {
  if (f.non2xx || f.errors) throw new Error(`${what}: ${f.non2xx} non-2xx answers, ${f.errors} errors; status codes ${JSON.stringify(f.codes)}`);
}
