import type { Db } from '../db/handle.js';
import type { ResolvedDeps } from '../deps.js';
import { mailtoUri } from '../unsubscribe/mailto.js';

export interface LinkSetOut {
  subject: string;
  unsubscribeUrl: string;
  preferencesUrl: string;
  withdrawUrl: string;
  headers: { 'List-Unsubscribe': string; 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/**
 * Signs the three links for each subject. Unsubscribe links carry no expiry (leaving must
 * always work); preferences and withdrawal links expire as configured. With a topic, the
 * unsubscribe link (and so the List-Unsubscribe header) leaves that topic only.
 */
export async function buildLinks(
  deps: Pick<ResolvedDeps, 'signer' | 'config'>,
  subjects: string[],
  campaignId?: string,
  topic?: string,
): Promise<LinkSetOut[]> {
  const { config, signer } = deps;
  const base = config.publicBaseUrl;
  const mailto = config.unsubscribeMailto;
  const day = 86_400;
  const cmp = campaignId ? { cmp: campaignId } : {};
  // All the tokens of the batch in one call: the signer may sign them on several threads.
  const tokens = await signer.signMany(
    subjects.flatMap((sub) => [
      { sub, p: 'u' as const, ...cmp, ...(topic ? { t: topic } : {}) },
      { sub, p: 'p' as const, ...cmp, ttlSeconds: config.linkTtlDays.preferences * day },
      { sub, p: 'w' as const, ...cmp, ttlSeconds: config.linkTtlDays.withdrawal * day },
    ]),
  );
  const out: LinkSetOut[] = [];
  for (const [i, sub] of subjects.entries()) {
    const [u, p, w] = [tokens[3 * i]!, tokens[3 * i + 1]!, tokens[3 * i + 2]!];
    const unsubscribeUrl = `${base}/u/${u}`;
    // RFC 2369: angle-bracketed URIs, comma-separated, the https one first (RFC 8058 one-click).
    // The mailto entry carries the same link token (in the address or the subject: mailtoUri),
    // so a message to it is the same capability as the click; never the address itself.
    const listUnsubscribe = mailto ? `<${unsubscribeUrl}>, <${mailtoUri(mailto, u)}>` : `<${unsubscribeUrl}>`;
    out.push({
      subject: sub,
      unsubscribeUrl,
      preferencesUrl: `${base}/p/${p}`,
      withdrawUrl: `${base}/w/${w}`,
      headers: { 'List-Unsubscribe': listUnsubscribe, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
  }
  return out;
}

/**
 * The link sets of the live people among these subject ids, in request order (each id once),
 * and the ids of nobody live (unknown or erased): those get no links.
 */
export async function linksFor(
  db: Db,
  deps: Pick<ResolvedDeps, 'signer' | 'config'>,
  subjects: string[],
  campaignId?: string,
  topic?: string,
): Promise<{ links: LinkSetOut[]; unknown: string[] }> {
  const unique = [...new Set(subjects)];
  const known = new Set<string>();
  for (let i = 0; i < unique.length; i += 1000) {
    const rows = await db
      .selectFrom('subjects')
      .select('id')
      .where('id', 'in', unique.slice(i, i + 1000))
      .where('status', '<>', 'erased')
      .execute();
    for (const r of rows) known.add(r.id);
  }
  const unknown = unique.filter((id) => !known.has(id));
  const links = await buildLinks(
    deps,
    unique.filter((id) => known.has(id)),
    campaignId,
    topic,
  );
  return { links, unknown };
}
