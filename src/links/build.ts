import type { ResolvedDeps } from '../deps.js';

export interface LinkSetOut {
  subject: string;
  unsubscribeUrl: string;
  preferencesUrl: string;
  withdrawUrl: string;
  headers: { 'List-Unsubscribe': string; 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/**
 * Signs the three links for each subject. Unsubscribe links carry no expiry (leaving must
 * always work); preferences and withdrawal links expire as configured.
 */
export async function buildLinks(deps: Pick<ResolvedDeps, 'signer' | 'config'>, subjects: string[], campaignId?: string): Promise<LinkSetOut[]> {
  const { config, signer } = deps;
  const base = config.publicBaseUrl;
  const mailto = config.unsubscribeMailto;
  const day = 86_400;
  const out: LinkSetOut[] = [];
  for (const sub of subjects) {
    const cmp = campaignId ? { cmp: campaignId } : {};
    const [u, p, w] = await Promise.all([
      signer.sign({ sub, p: 'u', ...cmp }),
      signer.sign({ sub, p: 'p', ...cmp, ttlSeconds: config.linkTtlDays.preferences * day }),
      signer.sign({ sub, p: 'w', ...cmp, ttlSeconds: config.linkTtlDays.withdrawal * day }),
    ]);
    const unsubscribeUrl = `${base}/u/${u}`;
    // RFC 2369: angle-bracketed URIs, comma-separated; the mailto subject names the subject id
    // only (never the address) so a reply can be matched without personal data in the URI.
    const listUnsubscribe = mailto
      ? `<${unsubscribeUrl}>, <mailto:${mailto}?subject=unsubscribe%20${sub}>`
      : `<${unsubscribeUrl}>`;
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
