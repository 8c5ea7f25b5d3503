import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeIp, parseCidr, parseTrustProxy, resolveClientIp, type TrustProxy } from '../../src/privacy/client-ip.js';
import { fcSeed } from '../helpers/seed.js';

const trust = (v: string): TrustProxy => {
  const t = parseTrustProxy(v);
  if (typeof t === 'string') throw new Error(t);
  return t;
};

describe('normalizeIp: only a syntactically valid IP is ever an address', () => {
  it('keeps IPv4 and IPv6, canonical (RFC 5952), IPv4-mapped IPv6 as IPv4', () => {
    expect(normalizeIp('203.0.113.5')).toBe('203.0.113.5');
    expect(normalizeIp(' 203.0.113.5 ')).toBe('203.0.113.5');
    expect(normalizeIp('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(normalizeIp('::FFFF:cb00:7105')).toBe('203.0.113.5');
    expect(normalizeIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalizeIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeIp('2001:0db8:0000:0001:0001:0001:0001:0001')).toBe('2001:db8:0:1:1:1:1:1');
    expect(normalizeIp('::')).toBe('::');
    expect(normalizeIp('::1')).toBe('::1');
    expect(normalizeIp('1::')).toBe('1::');
    expect(normalizeIp('1:2:3:4:5:6:7::')).toBe('1:2:3:4:5:6:7:0');
    expect(normalizeIp('::1.2.3.4')).toBe('::102:304');
  });

  it('refuses everything else', () => {
    for (const bad of [
      '',
      ' ',
      'unknown',
      '<script>alert(1)</script>',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '01.2.3.4',
      '1.2.3.4:8080',
      '[::1]',
      '[::1]:443',
      'fe80::1%eth0',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7:8::',
      '1::2::3',
      ':::',
      '12345::',
      '1.2.3.4::',
      '1 .2.3.4',
      '1.2.3.4\u0000',
      '203.0.113.5, 6.6.6.6',
    ]) {
      expect(normalizeIp(bad), bad).toBeUndefined();
    }
    expect(normalizeIp(undefined)).toBeUndefined();
    expect(normalizeIp(null)).toBeUndefined();
  });

  it('agrees with node:net isIP on every string (zone ids aside, which it refuses), and its output is a fixed point', () => {
    const ipish = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.ipV4Extended(),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.%/ x'.split('')), maxLength: 45 }),
      fc.string(),
    );
    fc.assert(
      fc.property(ipish, (s) => {
        const n = normalizeIp(s);
        if (s.includes('%')) expect(n).toBeUndefined();
        else expect(n !== undefined, s).toBe(isIP(s.trim()) !== 0);
        if (n !== undefined) {
          expect(isIP(n)).not.toBe(0);
          expect(normalizeIp(n)).toBe(n);
        }
      }),
      fcSeed({ numRuns: 5000 }),
    );
  });

  it('every generated IPv4 and IPv6 address is kept, and names the same address', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (s) => {
        const n = normalizeIp(s);
        expect(n).toBeDefined();
        // Same address: the canonical form of the canonical form, and one CIDR of full length matches both.
        const cidr = parseCidr(n!)!;
        expect(resolveClientIp({ kind: 'cidrs', ranges: [cidr] }, s, 'x')).toBeUndefined();
        expect(resolveClientIp({ kind: 'cidrs', ranges: [cidr] }, s, undefined)).toBe(n);
      }),
      fcSeed({ numRuns: 2000 }),
    );
  });
});

describe('TRUST_PROXY', () => {
  it('reads false, a hop count (true = 1 hop) and a CIDR list', () => {
    expect(trust('false')).toEqual({ kind: 'none' });
    expect(trust('0')).toEqual({ kind: 'none' });
    expect(trust('no')).toEqual({ kind: 'none' });
    expect(trust('true')).toEqual({ kind: 'hops', hops: 1 });
    expect(trust('yes')).toEqual({ kind: 'hops', hops: 1 });
    expect(trust('1')).toEqual({ kind: 'hops', hops: 1 });
    expect(trust('2')).toEqual({ kind: 'hops', hops: 2 });
    const t = trust('10.0.0.0/8, 192.168.1.7 ,fd00::/8, ::1');
    expect(t.kind).toBe('cidrs');
    expect(t.kind === 'cidrs' && t.ranges.length).toBe(4);
  });

  it('refuses what is none of those, naming the bad item', () => {
    for (const bad of ['11', 'maybe', '10.0.0.0/33', '10.0.0.0/8,', '::1/129', '10.0.0.0/8, nginx', '1.2.3.4/08x', '10.0.0.0/8/8']) {
      expect(typeof parseTrustProxy(bad), bad).toBe('string');
    }
    expect(parseTrustProxy('10.0.0.0/8, nginx')).toContain('"nginx"');
  });
});

describe('resolveClientIp', () => {
  const forged = '6.6.6.6';
  const client = '203.0.113.5';

  it('without a trusted proxy: the socket address, whatever the header says', () => {
    expect(resolveClientIp(trust('false'), client, forged)).toBe(client);
    expect(resolveClientIp(trust('false'), `::ffff:${client}`, forged)).toBe(client);
    expect(resolveClientIp(trust('false'), 'garbage', forged)).toBeUndefined();
    expect(resolveClientIp(trust('false'), undefined, forged)).toBeUndefined();
  });

  it('one hop (nginx appends the peer): the right-most entry, never the client-written left-most', () => {
    expect(resolveClientIp(trust('1'), '10.0.0.2', `${forged}, ${client}`)).toBe(client);
    expect(resolveClientIp(trust('true'), '10.0.0.2', `${forged},${client}`)).toBe(client);
    expect(resolveClientIp(trust('1'), '10.0.0.2', client)).toBe(client);
    // No header at all: the socket address.
    expect(resolveClientIp(trust('1'), '10.0.0.2', undefined)).toBe('10.0.0.2');
    expect(resolveClientIp(trust('1'), '10.0.0.2', ' , ')).toBe('10.0.0.2');
  });

  it('two hops (a CDN and a load balancer): the entry two from the right', () => {
    expect(resolveClientIp(trust('2'), '10.0.0.2', `${forged}, ${client}, 198.51.100.9`)).toBe(client);
    // Fewer entries than hops: the left-most.
    expect(resolveClientIp(trust('2'), '10.0.0.2', client)).toBe(client);
  });

  it('the chosen entry must be an IP: anything else gives no address, not a neighbour', () => {
    expect(resolveClientIp(trust('1'), '10.0.0.2', `${client}, <script>`)).toBeUndefined();
    expect(resolveClientIp(trust('2'), '10.0.0.2', `${client}, unknown, 198.51.100.9`)).toBeUndefined();
    expect(resolveClientIp(trust('1'), '10.0.0.2', `${client}, 1.2.3.4:5678`)).toBeUndefined();
  });

  it('CIDRs: skips the trusted proxies from the right and takes the first untrusted address', () => {
    const t = trust('10.0.0.0/8, 2001:db8:cd0::/48');
    expect(resolveClientIp(t, '10.0.0.2', `${forged}, ${client}, 10.1.2.3`)).toBe(client);
    expect(resolveClientIp(t, '::ffff:10.0.0.2', `${forged}, ${client}, 2001:db8:cd0::7`)).toBe(client);
    expect(resolveClientIp(t, '10.0.0.2', `${forged}, 2001:DB8:1::5`)).toBe('2001:db8:1::5');
    // Every hop ours: the left-most.
    expect(resolveClientIp(t, '10.0.0.2', '10.9.9.9, 10.1.1.1')).toBe('10.9.9.9');
    expect(resolveClientIp(t, '10.0.0.2', undefined)).toBe('10.0.0.2');
    // Something that is not an IP where a proxy of ours should have written one.
    expect(resolveClientIp(t, '10.0.0.2', `${client}, bogus, 10.1.1.1`)).toBeUndefined();
  });

  it('CIDRs: a socket peer that is not a trusted proxy is the client, and its header is ignored', () => {
    const t = trust('10.0.0.0/8');
    expect(resolveClientIp(t, client, '10.1.1.1')).toBe(client);
    expect(resolveClientIp(t, '11.0.0.1', `${forged}`)).toBe('11.0.0.1');
    expect(resolveClientIp(t, 'nonsense', forged)).toBeUndefined();
  });

  it('CIDR boundaries, IPv4 and IPv6, and IPv4-mapped ranges', () => {
    const t = trust('192.168.4.0/22, 2001:db8::/127, ::ffff:172.16.0.0/108');
    const r = (peer: string) => resolveClientIp(t, peer, client);
    expect(r('192.168.4.0')).toBe(client);
    expect(r('192.168.7.255')).toBe(client);
    expect(r('192.168.8.0')).toBe('192.168.8.0');
    expect(r('192.168.3.255')).toBe('192.168.3.255');
    expect(r('2001:db8::1')).toBe(client);
    expect(r('2001:db8::2')).toBe('2001:db8::2');
    expect(r('172.31.255.255')).toBe(client);
    expect(r('172.32.0.0')).toBe('172.32.0.0');
    expect(resolveClientIp(trust('0.0.0.0/0'), '8.8.8.8', client)).toBe(client);
    expect(resolveClientIp(trust('0.0.0.0/0'), '::1', client)).toBe('::1');
  });

  it('whatever the header and the socket hold, the answer is a canonical IP or undefined (never a forged string)', () => {
    const entry = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('10.0.0.1', '::ffff:10.0.0.9', 'unknown', '', ' '), fc.string({ maxLength: 20 }));
    const settings = fc.constantFrom('false', 'true', '1', '2', '3', '10.0.0.0/8', '10.0.0.0/8, ::/0', '0.0.0.0/0');
    fc.assert(
      fc.property(settings, fc.option(entry, { nil: undefined }), fc.array(entry, { maxLength: 6 }), (s, peer, xff) => {
        const ip = resolveClientIp(trust(s), peer, xff.join(','));
        if (ip !== undefined) {
          expect(isIP(ip)).not.toBe(0);
          expect(normalizeIp(ip)).toBe(ip);
        }
      }),
      fcSeed({ numRuns: 3000 }),
    );
  });

  it('with a hop count, what the client writes left of the proxies never changes the answer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.oneof(fc.ipV4(), fc.string({ maxLength: 12 })), { maxLength: 5 }),
        fc.array(fc.ipV4(), { minLength: 4, maxLength: 4 }),
        (hops, forgedEntries, appended) => {
          const tail = appended.slice(4 - hops);
          const honest = resolveClientIp({ kind: 'hops', hops }, '10.0.0.2', tail.join(', '));
          const withForgery = resolveClientIp({ kind: 'hops', hops }, '10.0.0.2', [...forgedEntries.filter((e) => !e.includes(',')), ...tail].join(', '));
          expect(honest).toBe(normalizeIp(tail[0]));
          expect(withForgery).toBe(honest);
        },
      ),
      fcSeed({ numRuns: 1000 }),
    );
  });
});
