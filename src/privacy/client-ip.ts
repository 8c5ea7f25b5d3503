// The client's address: which proxies to believe, and what counts as an address at all. Pure and
// runtime-neutral (no node:net), so the Node server and the Workers entry resolve it the same way.

/** An address as bytes: 4 for IPv4 (IPv4-mapped IPv6 included), 16 for IPv6. */
type IpBytes = Uint8Array;

/** A trusted network: the address bytes and the prefix length in bits. */
export interface Cidr {
  bytes: IpBytes;
  bits: number;
}

/**
 * Which proxies the client IP may be taken from, as `TRUST_PROXY` says: none (the socket
 * address), a number of hops in front of the service, or the operator's proxies by address.
 */
export type TrustProxy = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'cidrs'; ranges: Cidr[] };

/** The most proxy hops `TRUST_PROXY` may name (more is a typo, not a topology). */
export const MAX_PROXY_HOPS = 10;

const DEC_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(s: string): IpBytes | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => DEC_OCTET.test(p))) return undefined;
  return Uint8Array.from(parts.map(Number));
}

function parseIpv6(s: string): IpBytes | undefined {
  if (s.length > 45 || s.includes('%')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (HEX_GROUP.test(p)) out.push(Number.parseInt(p, 16));
      else if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else return undefined;
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return undefined;
  // A dotted quad ends the address: only in the last half.
  if (halves.length === 2 && halves[0]!.includes('.')) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    // '::' stands for at least one group of zeros.
    if (head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    groups = head;
  }
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it maps. */
function unmap(b: IpBytes): IpBytes {
  if (b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return b.slice(12);
  return b;
}

function parseIp(s: string): IpBytes | undefined {
  const b = s.includes(':') ? parseIpv6(s) : parseIpv4(s);
  return b && unmap(b);
}

/** RFC 5952 text: lower-case hex, no leading zeros, the longest run of two or more zero groups as '::'. */
function formatIp(b: IpBytes): string {
  if (b.length === 4) return Array.from(b).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/**
 * The canonical text of an IP address, or undefined for anything that is not one: only what this
 * returns is kept as consent evidence or used as a rate-limit key. IPv4-mapped IPv6 becomes the
 * IPv4 address; IPv6 is written as RFC 5952 says; zone ids, ports, brackets and spaces inside are
 * refused (surrounding spaces are trimmed).
 *
 * @example
 * normalizeIp('::ffff:203.0.113.5'); // '203.0.113.5'
 * normalizeIp('2001:DB8:0:0:0:0:0:1'); // '2001:db8::1'
 * normalizeIp('<script>'); // undefined
 */
export function normalizeIp(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const b = parseIp(value.trim());
  return b && formatIp(b);
}

/** `a.b.c.d`, `a.b.c.d/n`, `v6` or `v6/n`; undefined when it is not one. */
export function parseCidr(value: string): Cidr | undefined {
  const [addr, len, extra] = value.trim().split('/');
  if (extra !== undefined || !addr) return undefined;
  const raw = addr.includes(':') ? parseIpv6(addr) : parseIpv4(addr);
  if (!raw) return undefined;
  let bits = raw.length * 8;
  if (len !== undefined) {
    if (!/^\d{1,3}$/.test(len) || Number(len) > raw.length * 8) return undefined;
    bits = Number(len);
  }
  // ::ffff:0:0/96 and narrower name IPv4 networks: match them as IPv4.
  const bytes = unmap(raw);
  if (bytes.length === 4 && raw.length === 16) {
    if (bits < 96) return { bytes: raw, bits };
    bits -= 96;
  }
  return { bytes, bits };
}

function inCidr(ip: IpBytes, range: Cidr): boolean {
  if (ip.length !== range.bytes.length) return false;
  const full = range.bits >> 3;
  for (let i = 0; i < full; i++) if (ip[i] !== range.bytes[i]) return false;
  const rest = range.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip[full]! & mask) === (range.bytes[full]! & mask);
}

/**
 * Reads `TRUST_PROXY`: `false` (also `0`, `no`): no proxy, the socket address; a hop count
 * `1`…`10` (`true`, `yes`: one hop, as before hop counts existed); or a comma-separated list of
 * the operator's proxies as IPs or CIDRs, IPv4 and IPv6. A string says what is wrong.
 *
 * @example
 * parseTrustProxy('2'); // { kind: 'hops', hops: 2 }
 * parseTrustProxy('10.0.0.0/8, fd00::/8'); // { kind: 'cidrs', ranges: [...] }
 */
export function parseTrustProxy(value: string): TrustProxy | string {
  const v = value.trim().toLowerCase();
  if (v === 'false' || v === 'no' || v === '0') return { kind: 'none' };
  if (v === 'true' || v === 'yes') return { kind: 'hops', hops: 1 };
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > MAX_PROXY_HOPS) return `a hop count is at most ${MAX_PROXY_HOPS}`;
    return { kind: 'hops', hops };
  }
  const items = v.split(',').map((s) => s.trim());
  const bad = items.filter((s) => !parseCidr(s));
  if (bad.length > 0 || items.length === 0)
    return `false, a hop count (1-${MAX_PROXY_HOPS}, true = 1) or a comma-separated list of proxy IPs/CIDRs; not an IP or CIDR: ${bad.map((s) => JSON.stringify(s.slice(0, 50))).join(', ')}`;
  return { kind: 'cidrs', ranges: items.map((s) => parseCidr(s)!) };
}

/**
 * The client's address, from the socket peer and `X-Forwarded-For` read right to left (each proxy
 * appends the address it saw; everything left of our own proxies is written by the client and
 * proves nothing):
 *
 * - `none`: the socket address; the header is ignored.
 * - `hops: n`: the entry n hops from the right (the last entry for one hop); with fewer entries,
 *   the left-most one.
 * - `cidrs`: only when the socket peer is one of the trusted proxies is the header read; trusted
 *   addresses are skipped from the right and the first untrusted one is the client.
 *
 * Whatever is chosen must be a syntactically valid IP ({@link normalizeIp}), else the answer is
 * undefined: never a forged string, and never a guess from another entry.
 *
 * @example
 * resolveClientIp({ kind: 'hops', hops: 1 }, '10.0.0.2', '6.6.6.6, 203.0.113.5'); // '203.0.113.5'
 */
export function resolveClientIp(trust: TrustProxy, socketAddress: string | undefined, forwardedFor: string | undefined): string | undefined {
  if (trust.kind === 'none') return normalizeIp(socketAddress);
  const entries = (forwardedFor ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (trust.kind === 'hops') {
    if (trust.hops === 0 || entries.length === 0) return normalizeIp(socketAddress);
    return normalizeIp(entries[Math.max(0, entries.length - trust.hops)]);
  }
  const trusted = (b: IpBytes) => trust.ranges.some((r) => inCidr(b, r));
  const peer = socketAddress === undefined ? undefined : parseIp(socketAddress.trim());
  if (!peer) return undefined;
  if (!trusted(peer)) return formatIp(peer);
  let last: IpBytes = peer;
  for (let i = entries.length - 1; i >= 0; i--) {
    const b = parseIp(entries[i]!);
    // A proxy of ours wrote something that is not an address: nothing left of it can be placed.
    if (!b) return undefined;
    if (!trusted(b)) return formatIp(b);
    last = b;
  }
  // Every hop was one of ours (a request from inside): the left-most is the client.
  return formatIp(last);
}
