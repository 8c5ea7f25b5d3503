// The Node entry verifies and signs link tokens with node:crypto (src/node/token-crypto.ts);
// jose over WebCrypto is the default everywhere else and the specification: on every token,
// good or not, both must answer the same (the same claims, or the same refusal and its claims).
import fc from 'fast-check';
import { base64url, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLinkSigner, type LinkPurpose, type LinkSigner, type TokenCrypto, TokenError } from '../../src/links/tokens.js';
import { nodeTokenCrypto } from '../../src/node/token-crypto.js';
import { fixedClock } from '../../src/time/clock.js';
import { fcSeed } from '../helpers/seed.js';
import { ed25519Jwks, octJwk } from '../helpers/tokens.js';

const START = '2026-03-02T09:00:00Z';
const enc = new TextEncoder();
const PURPOSES: LinkPurpose[] = ['u', 'w', 'p', 'c'];
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Counts the signatures node:crypto checks, so a property cannot pass by never taking the fast path. */
let fastChecks = 0;
const countingCrypto: TokenCrypto = {
  importVerifier(jwk, alg) {
    const v = nodeTokenCrypto.importVerifier(jwk, alg);
    return v
      ? (data, sig) => {
          fastChecks++;
          return v(data, sig);
        }
      : null;
  },
  importSigner: (jwk, alg) => nodeTokenCrypto.importSigner(jwk, alg),
};

async function ecJwk(kid: string, alg: 'ES256' | 'ES384'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg };
}

interface KeySetCase {
  name: string;
  keys: JWK[];
}
let cases: KeySetCase[];
let stranger: JWK;

beforeAll(async () => {
  const ed = [(await ed25519Jwks('ed-1')).privateJwk, (await ed25519Jwks('ed-0')).privateJwk];
  cases = [
    { name: 'Ed25519 (two keys, rotation)', keys: ed },
    { name: 'ES256 then Ed25519', keys: [await ecJwk('ec-1', 'ES256'), ed[1]!] },
    { name: 'ES384', keys: [await ecJwk('ec-2', 'ES384')] },
    { name: 'HS256 then HS512', keys: [octJwk('hs-1', 32), octJwk('hs-2', 64, 'HS512')] },
  ];
  stranger = (await ed25519Jwks('ed-1')).privateJwk; // same kid as a real key, other key
});

/** What verify answers: the claims, or the refusal and the claims it carries. */
async function outcome(signer: LinkSigner, token: string, purpose: LinkPurpose): Promise<unknown> {
  try {
    return { ok: await signer.verify(token, purpose) };
  } catch (e) {
    if (!(e instanceof TokenError)) return { threw: String(e) };
    return { refused: e.reason, claims: e.claims };
  }
}

const uuidArb = fc.uuid({ version: 4 });
const claimsArb = fc.record({
  sub: uuidArb,
  p: fc.constantFrom(...PURPOSES),
  cmp: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
  ah: fc.option(fc.stringMatching(/^[0-9a-f]{16,24}$/), { nil: undefined }),
  pc: fc.option(uuidArb, { nil: undefined }),
  ttlSeconds: fc.option(fc.integer({ min: 1, max: 3 * 86_400 }), { nil: undefined }),
});

/** Headers a forger might write, signed with a real key (so only the rules can refuse them). */
const headerArb = fc.oneof(
  fc.constant('ours' as const),
  fc.record({
    alg: fc.constantFrom('EdDSA', 'Ed25519', 'ES256', 'ES384', 'HS256', 'HS512', 'none', 'RS256'),
    kid: fc.option(fc.constantFrom('ed-1', 'ed-0', 'ec-1', 'ec-2', 'hs-1', 'hs-2', 'nobody', ''), { nil: undefined }),
    typ: fc.option(fc.constantFrom('JWT', 'at+jwt'), { nil: undefined }),
    crit: fc.option(fc.constantFrom(['b64'], ['exp'], []), { nil: undefined }),
    b64: fc.option(fc.boolean(), { nil: undefined }),
  }),
);
/** Payloads a forger might write: good claims with odd times, odd claims, or no claims set at all. */
const timeArb = fc.option(fc.oneof(fc.constantFrom(-61, -60, -59, 0, 59, 60, 61), fc.integer({ min: -200, max: 200 }), fc.constant('1')), { nil: undefined });
const payloadArb = fc.oneof(
  fc.record({ sub: uuidArb, p: fc.constantFrom(...PURPOSES), iat: fc.oneof(fc.constant(0), timeArb), exp: timeArb, nbf: timeArb }),
  fc.record({
    sub: fc.oneof(uuidArb, fc.constant('someone@example.ru'), fc.integer()),
    p: fc.constantFrom('u', 'w', 'x', 1),
    iat: fc.option(fc.oneof(fc.integer({ min: -100, max: 100 }), fc.constant('0')), { nil: undefined }),
    cmp: fc.option(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { nil: undefined }),
  }),
  fc.constantFrom('[1,2]', '"text"', '42', 'null', '{"p":"u"', '\u00ff'),
);

/** A token recipe: how it is made, then how it is spoiled. */
const recipeArb = fc.record({
  keySet: fc.nat(),
  signKey: fc.nat(),
  madeBy: fc.constantFrom('jose' as const, 'node' as const, 'forged' as const, 'stranger' as const),
  claims: claimsArb,
  header: headerArb,
  payload: payloadArb,
  spoil: fc.oneof(
    { arbitrary: fc.constant(null), weight: 4 },
    fc.record({ at: fc.nat(), to: fc.constantFrom(...B64URL) }),
    fc.constantFrom('drop-signature' as const, 'swap-payload' as const, 'truncate' as const),
  ),
  // Seconds after the token's exp (or iat when it has none) when it is verified.
  verifyAfter: fc.oneof(fc.constantFrom(-61, -1, 0, 59, 60, 61), fc.integer({ min: -3 * 86_400, max: 86_400 })),
  // The purpose the token names (when it names one), or any.
  purpose: fc.option(fc.constantFrom(...PURPOSES), { nil: undefined }),
});

/**
 * A token with exactly this header and payload, signed by `key` under its own algorithm (so the
 * signature is good whenever the header's alg is the key's, and only the rules can refuse it).
 * A payload's `iat: 0` and numeric `exp` and `nbf` are relative to `iat`.
 */
async function forged(key: JWK, header: Record<string, unknown>, payload: unknown, iat: number): Promise<string> {
  let body: string;
  if (typeof payload === 'string') body = payload;
  else {
    const p = payload as Record<string, unknown>;
    body = JSON.stringify({
      ...p,
      ...(p.iat === 0 ? { iat } : {}),
      ...(typeof p.exp === 'number' ? { exp: iat + p.exp } : {}),
      ...(typeof p.nbf === 'number' ? { nbf: iat + p.nbf } : {}),
    });
  }
  const h = Object.fromEntries(Object.entries(header).filter(([, v]) => v !== undefined));
  const input = `${base64url.encode(JSON.stringify(h))}.${base64url.encode(body)}`;
  const alg = String(key.alg);
  const sig = await rawSign(key, alg, enc.encode(input));
  return `${input}.${base64url.encode(sig)}`;
}

/** The JWS signature of `data` with WebCrypto, independent of the code under test. */
async function rawSign(jwk: JWK, alg: string, input: Uint8Array): Promise<Uint8Array> {
  const data = new Uint8Array(input);
  const key = await importJWK(jwk, alg);
  if (key instanceof Uint8Array) {
    const hash = `SHA-${alg.slice(2)}`;
    const k = await crypto.subtle.importKey('raw', new Uint8Array(key), { name: 'HMAC', hash }, false, ['sign']);
    return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
  }
  const params = alg.startsWith('ES') ? { name: 'ECDSA', hash: `SHA-${alg.slice(2)}` } : { name: 'Ed25519' };
  return new Uint8Array(await crypto.subtle.sign(params, key, data));
}

describe('node:crypto link tokens agree with jose', () => {
  it('signs Ed25519 and HMAC tokens byte for byte as jose does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 3), claimsArb, async (i, claims) => {
        const clock = fixedClock(START);
        const jose = await createLinkSigner(cases[i]!.keys, clock);
        const node = await createLinkSigner(cases[i]!.keys, clock, { crypto: nodeTokenCrypto });
        expect(await node.sign(claims)).toBe(await jose.sign(claims));
      }),
      fcSeed({ numRuns: 200 }),
    );
  });

  it('answers every token (good, tampered, expired, wrong kid, wrong alg, forged, garbage) as jose does', async () => {
    fastChecks = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(recipeArb, async (r) => {
        const set = cases[r.keySet % cases.length]!;
        const clock = fixedClock(START);
        const jose = await createLinkSigner(set.keys, clock);
        const node = await createLinkSigner(set.keys, clock, { crypto: countingCrypto });
        const key = set.keys[r.signKey % set.keys.length]!;
        const iat = Math.floor(clock.now().getTime() / 1000);
        let token: string;
        if (r.madeBy === 'jose') token = await jose.sign(r.claims);
        else if (r.madeBy === 'node') token = await node.sign(r.claims);
        else {
          const header: Record<string, unknown> = r.header === 'ours' ? { alg: key.alg, kid: key.kid } : r.header;
          token = await forged(r.madeBy === 'stranger' ? stranger : key, header, r.payload, iat);
        }
        if (r.spoil === 'drop-signature') token = `${token.slice(0, token.lastIndexOf('.'))}.`;
        else if (r.spoil === 'truncate') token = token.slice(0, token.length - 3);
        else if (r.spoil === 'swap-payload') {
          const [h, , s] = token.split('.');
          token = `${h}.${base64url.encode(JSON.stringify({ sub: r.claims.sub, p: r.claims.p, iat }))}.${s}`;
        } else if (r.spoil) {
          const at = r.spoil.at % token.length;
          if (token[at] !== '.') token = token.slice(0, at) + r.spoil.to + token.slice(at + 1);
        }
        let named: Record<string, unknown> = {};
        try {
          named = JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1] ?? '')));
        } catch {}
        const base = typeof named?.exp === 'number' ? named.exp : iat;
        clock.set(new Date((base + r.verifyAfter) * 1000));
        const purpose = r.purpose ?? (PURPOSES.includes(named?.p as LinkPurpose) ? (named.p as LinkPurpose) : 'u');
        const want = await outcome(jose, token, purpose);
        expect(await outcome(node, token, purpose)).toEqual(want);
        if ((want as { ok?: unknown }).ok) accepted++;
      }),
      fcSeed({ numRuns: 1500 }),
    );
    // The fast path was taken, and good tokens were among the inputs.
    expect(fastChecks).toBeGreaterThan(100);
    expect(accepted).toBeGreaterThan(50);
  }, 120_000);

  it('answers random strings as jose does', async () => {
    const clock = fixedClock(START);
    const jose = await createLinkSigner(cases[0]!.keys, clock);
    const node = await createLinkSigner(cases[0]!.keys, clock, { crypto: nodeTokenCrypto });
    const segmentArb = fc.string({ unit: fc.constantFrom(...B64URL), minLength: 1, maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.tuple(segmentArb, segmentArb, segmentArb).map((s) => s.join('.')),
        ),
        fc.constantFrom(...PURPOSES),
        async (token, purpose) => {
          expect(await outcome(node, token, purpose)).toEqual(await outcome(jose, token, purpose));
        },
      ),
      fcSeed({ numRuns: 500 }),
    );
  });
});

describe('signMany: a batch of tokens, on threads under Node', () => {
  const batch = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      sub: `0193be5f-1c3d-7000-8aaa-${String(i).padStart(12, '0')}`,
      p: PURPOSES[i % PURPOSES.length]!,
      ...(i % 3 ? { cmp: `camp-${i % 7}` } : {}),
      ...(i % 2 ? { ttlSeconds: 86_400 * (1 + (i % 5)) } : {}),
    }));

  it('writes exactly the tokens sign() writes, one by one, in order (Ed25519 signatures are deterministic)', async () => {
    const keys = [(await ed25519Jwks('ed-batch')).privateJwk];
    const threaded = await createLinkSigner(keys, fixedClock(new Date(START)), { crypto: nodeTokenCrypto });
    const plain = await createLinkSigner(keys, fixedClock(new Date(START)));
    for (const n of [0, 1, 255, 256, 1001]) {
      const claims = batch(n);
      const many = await threaded.signMany(claims);
      expect(many).toHaveLength(n);
      const one = await Promise.all(claims.map((c) => plain.sign(c)));
      expect(many).toEqual(one);
    }
  });

  it('writes tokens jose verifies for ECDSA keys (randomized signatures), with each claim where it belongs', async () => {
    const keys = [await ecJwk('ec-batch', 'ES256')];
    const threaded = await createLinkSigner(keys, fixedClock(new Date(START)), { crypto: nodeTokenCrypto });
    const jose = await createLinkSigner(keys, fixedClock(new Date(START)));
    const claims = batch(600);
    const many = await threaded.signMany(claims);
    for (const [i, token] of many.entries()) {
      const c = claims[i]!;
      expect(await jose.verify(token, c.p)).toMatchObject({ sub: c.sub, p: c.p, ...(c.cmp ? { cmp: c.cmp } : {}) });
    }
  });

  it('hands Ed25519 and ECDSA batches to threads and keeps HMAC, which is faster in place, on the caller', async () => {
    const ed = (await ed25519Jwks('ed-t')).privateJwk;
    const signOnThreads = nodeTokenCrypto.importBatchSigner!(ed, 'EdDSA');
    expect(signOnThreads).not.toBeNull();
    const inputs = ['a.b', 'c.d', 'e.f'];
    const local = nodeTokenCrypto.importSigner(ed, 'EdDSA')!;
    expect(await signOnThreads!(inputs)).toEqual(inputs.map((x) => base64url.encode(local(enc.encode(x)))));
    expect(nodeTokenCrypto.importBatchSigner!(octJwk('hs-t', 32), 'HS256')).toBeNull();
    // A public key cannot sign: no batch signer for it.
    const { d: _d, ...pub } = ed;
    expect(nodeTokenCrypto.importBatchSigner!(pub, 'EdDSA')).toBeNull();
  });

  it('refuses a batch holding one bad claim, as sign() does, before any thread signs', async () => {
    const threaded = await createLinkSigner([(await ed25519Jwks('ed-bad')).privateJwk], fixedClock(new Date(START)), { crypto: nodeTokenCrypto });
    const claims = batch(400);
    claims[399] = { ...claims[399]!, sub: 'ivan@example.ru' };
    await expect(threaded.signMany(claims)).rejects.toThrow(/uuid only/);
  });
});
