import { base64url, CompactSign, exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLinkSigner, type LinkPurpose, type LinkSigner, parseKeySet, pinnedAlg, TokenError } from '../../src/links/tokens.js';
import { fixedClock } from '../../src/time/clock.js';
import { decodeSegment, ed25519Jwks, expectRefused, flipSignatureByte, octJwk, refusal, segment, splitToken, withPayload } from '../helpers/tokens.js';

const DAY_MS = 86_400_000;
const DAY_S = 86_400;
const START = '2026-03-02T09:00:00Z';
const START_S = Date.parse(START) / 1000;
const SUB = '3f6c1a52-8d0e-4b7a-9c21-5e4f0a9b7d13';
const OTHER_SUB = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const enc = new TextEncoder();

let live: { privateJwk: JWK; publicJwk: JWK };
let attacker: { privateJwk: JWK; publicJwk: JWK };
let clock: ReturnType<typeof fixedClock>;
let signer: LinkSigner;

beforeAll(async () => {
  live = await ed25519Jwks('live-1');
  attacker = await ed25519Jwks('attacker');
});

beforeEach(async () => {
  clock = fixedClock(START);
  signer = await createLinkSigner([live.privateJwk], clock);
});

/** A JWT signed by `jwk` with any header and payload we like. */
async function forge(jwk: JWK, header: Record<string, unknown>, payload: JWTPayload): Promise<string> {
  const key = await importJWK(jwk, String(header.alg));
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key);
}

/** An HS* JWT whose "secret" is whatever bytes the attacker chose. */
function hmacForge(secret: Uint8Array, header: Record<string, unknown>, payload: JWTPayload): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(secret);
}

const goodPayload = (over: Record<string, unknown> = {}): JWTPayload => ({ sub: SUB, p: 'u', iat: START_S, ...over });

describe('tokens the signer makes', () => {
  it('are compact EdDSA JWS with the current kid and nothing but sub, p, cmp, iat, exp in the payload', async () => {
    const token = await signer.sign({ sub: SUB, p: 'p', cmp: 'spring-sale', ttlSeconds: 90 * DAY_S });
    expect(splitToken(token)).toHaveLength(3);
    expect(decodeSegment(token, 0)).toEqual({ alg: 'EdDSA', kid: 'live-1' });
    expect(signer.currentKid).toBe('live-1');
    const payload = decodeSegment(token, 1);
    expect(payload).toEqual({ sub: SUB, p: 'p', cmp: 'spring-sale', iat: START_S, exp: START_S + 90 * DAY_S });
    expect(JSON.stringify(payload)).not.toContain('@');
  });

  it('leave out cmp without a campaign and exp without a ttl', async () => {
    const token = await signer.sign({ sub: SUB, p: 'u' });
    expect(Object.keys(decodeSegment(token, 1)).sort()).toEqual(['iat', 'p', 'sub']);
  });

  it('verify back to the claims they were signed with', async () => {
    const token = await signer.sign({ sub: SUB, p: 'w', cmp: 'c-42', ttlSeconds: 365 * DAY_S });
    await expect(signer.verify(token, 'w')).resolves.toEqual({ sub: SUB, p: 'w', cmp: 'c-42', iat: START_S, exp: START_S + 365 * DAY_S });
  });

  it('are never made for a subject that is not a uuid, so an e-mail address cannot end up in a URL', async () => {
    await expect(signer.sign({ sub: 'anna.smirnova@example.ru', p: 'u' })).rejects.toThrow();
  });
});

describe('alg "none" is refused', () => {
  it('refuses an unsecured token (empty signature) made by jose', async () => {
    const token = new UnsecuredJWT({ p: 'u' }).setSubject(SUB).setIssuedAt(START_S).encode();
    expect(token.endsWith('.')).toBe(true);
    await expectRefused(signer, token, 'u', 'malformed');
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('refuses a hand-built alg %s token naming the live kid, with or without a signature', async (alg) => {
    const header = segment({ alg, kid: 'live-1', typ: 'JWT' });
    const payload = segment(goodPayload());
    await expectRefused(signer, `${header}.${payload}.`, 'u', 'malformed');
    // A non-empty "signature" segment gets past the shape check and must still fail on the algorithm.
    await expectRefused(signer, `${header}.${payload}.${base64url.encode(enc.encode('x'))}`, 'u', 'bad_signature');
    // The real signature of the same header+payload does not help either.
    const realSig = splitToken(await signer.sign({ sub: SUB, p: 'u' }))[2];
    await expectRefused(signer, `${header}.${payload}.${realSig}`, 'u', 'bad_signature');
  });
});

describe('algorithm confusion (HMAC "signed" with the public key) is refused', () => {
  const secrets = (pub: JWK): Array<[string, Uint8Array]> => [
    ['raw public key bytes', base64url.decode(pub.x!)],
    ['public JWK JSON as published', enc.encode(JSON.stringify(pub))],
    ['minimal public JWK JSON', enc.encode(JSON.stringify({ kty: pub.kty, crv: pub.crv, x: pub.x }))],
    ['the base64url x string', enc.encode(pub.x!)],
  ];

  it('refuses HS256/384/512 tokens with the Ed25519 kid whatever public material is the secret', async () => {
    for (const [, secret] of secrets(live.publicJwk)) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const token = await hmacForge(secret, { alg, kid: 'live-1' }, goodPayload());
        await expectRefused(signer, token, 'u', 'bad_signature');
      }
    }
  });

  it('still refuses them when the key set also holds an HMAC key, so HS256 is an accepted algorithm', async () => {
    const oct = octJwk('hmac-1');
    const mixed = await createLinkSigner([live.privateJwk, oct], clock);
    for (const [, secret] of secrets(live.publicJwk)) {
      const token = await hmacForge(secret, { alg: 'HS256', kid: 'live-1' }, goodPayload());
      await expectRefused(mixed, token, 'u', 'bad_signature');
    }
    // Sanity: the HMAC key itself does verify its own tokens in that set, and the Ed25519 key its own.
    const hmacSigner = await createLinkSigner([oct], clock);
    await expect(mixed.verify(await hmacSigner.sign({ sub: SUB, p: 'u' }), 'u')).resolves.toMatchObject({ sub: SUB });
    await expect(mixed.verify(await signer.sign({ sub: SUB, p: 'u' }), 'u')).resolves.toMatchObject({ sub: SUB });
  });

  it("refuses an EdDSA token that claims the HMAC key's kid", async () => {
    const oct = octJwk('hmac-1');
    const mixed = await createLinkSigner([oct, live.publicJwk], clock);
    const token = await forge(attacker.privateJwk, { alg: 'EdDSA', kid: 'hmac-1' }, goodPayload());
    await expectRefused(mixed, token, 'u', 'bad_signature');
  });

  it('refuses an HMAC token under the HMAC kid with another algorithm than the key is pinned to', async () => {
    const oct = octJwk('hmac-1', 64, 'HS256');
    const mixed = await createLinkSigner([oct, live.publicJwk], clock);
    const token = await hmacForge(base64url.decode(oct.k!), { alg: 'HS512', kid: 'hmac-1' }, goodPayload());
    await expectRefused(mixed, token, 'u', 'bad_signature');
  });

  it('refuses an ES256 token naming the Ed25519 kid', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const token = await forge({ ...(await exportJWK(privateKey)) }, { alg: 'ES256', kid: 'live-1' }, goodPayload());
    await expectRefused(signer, token, 'u', 'bad_signature');
  });

  it('refuses a token signed with the live key under the alg name "Ed25519" instead of its pinned "EdDSA"', async () => {
    const token = await forge(live.privateJwk, { alg: 'Ed25519', kid: 'live-1' }, goodPayload());
    await expectRefused(signer, token, 'u', 'bad_signature');
  });

  it('ignores a public key embedded in the header (jwk) by the attacker', async () => {
    const known = await forge(attacker.privateJwk, { alg: 'EdDSA', kid: 'live-1', jwk: attacker.publicJwk }, goodPayload());
    await expectRefused(signer, known, 'u', 'bad_signature');
    const unknown = await forge(attacker.privateJwk, { alg: 'EdDSA', kid: 'attacker', jwk: attacker.publicJwk }, goodPayload());
    await expectRefused(signer, unknown, 'u', 'unknown_key');
  });
});

describe('keys and kids', () => {
  it('refuses a token re-signed with another Ed25519 key under the live kid', async () => {
    const token = await forge(attacker.privateJwk, { alg: 'EdDSA', kid: 'live-1' }, goodPayload());
    await expectRefused(signer, token, 'u', 'bad_signature');
  });

  it('refuses a token whose kid is not in the key set as unknown_key', async () => {
    await expectRefused(signer, await forge(attacker.privateJwk, { alg: 'EdDSA', kid: 'attacker' }, goodPayload()), 'u', 'unknown_key');
    // The live key's own signature under a different kid is unknown too.
    await expectRefused(signer, await forge(live.privateJwk, { alg: 'EdDSA', kid: 'live-2' }, goodPayload()), 'u', 'unknown_key');
  });

  it('refuses a correctly signed token without a kid as unknown_key', async () => {
    const token = await forge(live.privateJwk, { alg: 'EdDSA' }, goodPayload());
    await expectRefused(signer, token, 'u', 'unknown_key');
  });

  it.each(['__proto__', 'constructor', 'toString', ''])('refuses a kid named %j', async (kid) => {
    const token = await forge(live.privateJwk, { alg: 'EdDSA', kid }, goodPayload());
    await expectRefused(signer, token, 'u', 'unknown_key');
  });

  it('refuses a kid that is not a string', async () => {
    const token = await forge(live.privateJwk, { alg: 'EdDSA', kid: 1 }, goodPayload());
    await refusal(signer, token, 'u');
  });
});

describe('damaged and tampered tokens', () => {
  let token: string;
  beforeEach(async () => {
    token = await signer.sign({ sub: SUB, p: 'p', cmp: 'spring', ttlSeconds: 90 * DAY_S });
  });

  it('refuses a token cut short anywhere', async () => {
    const [h, p, s] = splitToken(token);
    const cuts = [
      token.slice(0, -1),
      token.slice(0, -2),
      token.slice(0, -10),
      token.slice(0, -s.length / 2),
      `${h}.${p}.`,
      `${h}.${p}`,
      `${h}.`,
      h,
      token.slice(0, h.length + 5),
      '',
    ];
    for (const cut of cuts) {
      const e = await refusal(signer, cut, 'p');
      expect(['malformed', 'bad_signature'], `cut ${cut.length} chars`).toContain(e.reason);
    }
  });

  it.each([0, 17, 31, 32, 63])('refuses a token with a bit flipped in signature byte %i', async (i) => {
    await expectRefused(signer, flipSignatureByte(token, i), 'p', 'bad_signature');
  });

  it('refuses a token whose payload names another subject', async () => {
    const payload = decodeSegment(token, 1);
    await expectRefused(signer, withPayload(token, { ...payload, sub: OTHER_SUB }), 'p', 'bad_signature');
  });

  it("refuses a token whose purpose was rewritten, on the new purpose's path", async () => {
    const payload = decodeSegment(token, 1);
    for (const p of ['u', 'w', 'c'] as const) {
      await expectRefused(signer, withPayload(token, { ...payload, p }), p, 'bad_signature');
    }
  });

  it('refuses a preferences token whose exp was removed or pushed back', async () => {
    const { exp: _exp, ...rest } = decodeSegment(token, 1);
    await expectRefused(signer, withPayload(token, rest), 'p', 'bad_signature');
    await expectRefused(signer, withPayload(token, { ...rest, exp: START_S + 100 * 365 * DAY_S }), 'p', 'bad_signature');
  });

  it('refuses a token whose campaign was changed', async () => {
    await expectRefused(signer, withPayload(token, { ...decodeSegment(token, 1), cmp: 'other' }), 'p', 'bad_signature');
  });

  it('refuses a token whose header was re-encoded (same meaning, different bytes)', async () => {
    const [, p, s] = splitToken(token);
    const header = segment({ kid: 'live-1', alg: 'EdDSA' });
    await expectRefused(signer, `${header}.${p}.${s}`, 'p', 'bad_signature');
  });

  it('refuses tokens with extra segments (four, or JWE-shaped five)', async () => {
    const [, , s] = splitToken(token);
    await expectRefused(signer, `${token}.${s}`, 'p', 'malformed');
    await expectRefused(signer, `${token}..`, 'p', 'malformed');
    await expectRefused(signer, `${token}.a.b`, 'p', 'malformed');
    await expectRefused(signer, `.${token}`, 'p', 'malformed');
  });

  it('refuses tokens with characters outside base64url (padding, +, /, whitespace, %-encoding)', async () => {
    for (const bad of [
      `${token}=`,
      `${token}\n`,
      ` ${token}`,
      `${token.replace(/-/g, '+').replace(/_/g, '/')}+`,
      token.replace('.', '%2E'),
      `${token}\u0000`,
    ]) {
      await expectRefused(signer, bad, 'p', 'malformed');
    }
  });

  it('refuses a huge token before any cryptography, even when it is correctly signed', async () => {
    const junk = `${splitToken(token)[0]}.${'A'.repeat(100_000)}.${splitToken(token)[2]}`;
    await expectRefused(signer, junk, 'p', 'malformed');
    // A genuine signature over an oversized payload is still refused.
    const big = await forge(live.privateJwk, { alg: 'EdDSA', kid: 'live-1' }, goodPayload({ p: 'p', pad: 'x'.repeat(5000) }));
    expect(big.length).toBeGreaterThan(4096);
    await expectRefused(signer, big, 'p', 'malformed');
  });

  it('refuses values that are not strings at all', async () => {
    for (const bad of [undefined, null, 42, { token }, [token]]) {
      await expectRefused(signer, bad as unknown as string, 'p', 'malformed');
    }
  });

  it('refuses a correctly signed payload that is not JSON', async () => {
    const key = await importJWK(live.privateJwk, 'EdDSA');
    const jws = await new CompactSign(enc.encode('not json at all')).setProtectedHeader({ alg: 'EdDSA', kid: 'live-1' }).sign(key);
    await expectRefused(signer, jws, 'u', 'malformed');
  });

  it.each<[string, Record<string, unknown>]>([
    ['sub is an e-mail address', { sub: 'anna@example.ru' }],
    ['sub is missing', { sub: undefined }],
    ['sub is an upper-case uuid', { sub: SUB.toUpperCase() }],
    ['sub is a number', { sub: 7 }],
    ['p is an unknown purpose', { p: 'x' }],
    ['p is missing', { p: undefined }],
    ['p is an array', { p: ['u'] }],
    ['iat is missing', { iat: undefined }],
    ['iat is a string', { iat: String(START_S) }],
    ['cmp is over 200 characters', { cmp: 'c'.repeat(201) }],
    ['cmp is a number', { cmp: 5 }],
    ['exp is a string', { exp: 'never' }],
  ])("refuses a correctly signed token whose claims are not a link's: %s", async (_name, over) => {
    const payload = goodPayload(over);
    for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
    const t = await forge(live.privateJwk, { alg: 'EdDSA', kid: 'live-1' }, payload);
    await expectRefused(signer, t, 'u', 'malformed');
  });

  it('accepts a correctly signed token whose cmp is exactly 200 characters', async () => {
    const t = await signer.sign({ sub: SUB, p: 'u', cmp: 'c'.repeat(200) });
    await expect(signer.verify(t, 'u')).resolves.toMatchObject({ cmp: 'c'.repeat(200) });
  });
});

describe('purpose', () => {
  const purposes: LinkPurpose[] = ['u', 'w', 'p', 'c'];
  const pairs = purposes.flatMap((a) => purposes.filter((b) => b !== a).map((b) => [a, b] as const));

  it.each(pairs)('a %s token is refused on the %s path as wrong_purpose', async (a, b) => {
    const token = await signer.sign({ sub: SUB, p: a, ...(a === 'u' ? {} : { ttlSeconds: 30 * DAY_S }) });
    const e = await expectRefused(signer, token, b, 'wrong_purpose');
    expect(e.claims).toBeUndefined();
    await expect(signer.verify(token, a)).resolves.toMatchObject({ sub: SUB, p: a });
  });
});

describe('expiry', () => {
  it.each<[LinkPurpose, number]>([
    ['p', 90],
    ['w', 365],
    ['c', 30],
  ])('a %s token with a %i-day ttl works until it expires, then is refused as expired carrying its claims', async (p, days) => {
    const token = await signer.sign({ sub: SUB, p, cmp: 'autumn', ttlSeconds: days * DAY_S });
    clock.advance(days * DAY_MS - 1000);
    await expect(signer.verify(token, p)).resolves.toMatchObject({ sub: SUB, p });
    clock.advance(3600 * 1000);
    const e = await expectRefused(signer, token, p, 'expired');
    expect(e.claims).toEqual({ sub: SUB, p, cmp: 'autumn', iat: START_S, exp: START_S + days * DAY_S });
    clock.advance(10 * 365 * DAY_MS);
    await expectRefused(signer, token, p, 'expired');
  });

  it("an expired token presented on another purpose's path is wrong_purpose and reveals no claims", async () => {
    const token = await signer.sign({ sub: SUB, p: 'p', ttlSeconds: DAY_S });
    clock.advance(2 * DAY_MS);
    for (const other of ['u', 'w', 'c'] as const) {
      const e = await expectRefused(signer, token, other, 'wrong_purpose');
      expect(e.claims).toBeUndefined();
    }
  });

  it('an expired token whose payload was tampered with is bad_signature, never expired with forged claims', async () => {
    const token = await signer.sign({ sub: SUB, p: 'w', ttlSeconds: DAY_S });
    clock.advance(2 * DAY_MS);
    const forged = withPayload(token, { ...decodeSegment(token, 1), sub: OTHER_SUB });
    await expectRefused(signer, forged, 'w', 'bad_signature');
  });

  it('an expired token signed by a foreign key is not expired but bad_signature', async () => {
    const token = await forge(attacker.privateJwk, { alg: 'EdDSA', kid: 'live-1' }, goodPayload({ p: 'p', exp: START_S - 10 * DAY_S }));
    await expectRefused(signer, token, 'p', 'bad_signature');
  });

  it('an unsubscribe token (no exp) still verifies years later', async () => {
    const token = await signer.sign({ sub: SUB, p: 'u', cmp: 'newsletter-1' });
    expect(decodeSegment(token, 1)).not.toHaveProperty('exp');
    for (const years of [1, 5, 30]) {
      clock.set(new Date(Date.parse(START) + years * 366 * DAY_MS));
      await expect(signer.verify(token, 'u')).resolves.toEqual({ sub: SUB, p: 'u', cmp: 'newsletter-1', iat: START_S });
    }
  });
});

describe('key rotation', () => {
  it('keeps verifying tokens from the old key while it is listed second, and refuses them once it is removed', async () => {
    const oldToken = await signer.sign({ sub: SUB, p: 'u' });
    const next = await ed25519Jwks('live-2');

    const rotated = await createLinkSigner(parseKeySet(JSON.stringify({ keys: [next.privateJwk, live.publicJwk] })), clock);
    expect(rotated.currentKid).toBe('live-2');
    await expect(rotated.verify(oldToken, 'u')).resolves.toMatchObject({ sub: SUB, p: 'u' });
    const newToken = await rotated.sign({ sub: SUB, p: 'u' });
    expect(decodeSegment(newToken, 0)).toEqual({ alg: 'EdDSA', kid: 'live-2' });
    // The old signer does not know the new key.
    await expectRefused(signer, newToken, 'u', 'unknown_key');

    const retired = await createLinkSigner(parseKeySet(JSON.stringify({ keys: [next.privateJwk] })), clock);
    await expectRefused(retired, oldToken, 'u', 'unknown_key');
    await expect(retired.verify(newToken, 'u')).resolves.toMatchObject({ sub: SUB });
  });

  it('signs with the first key even when the second one still has its private part', async () => {
    const next = await ed25519Jwks('live-2');
    const both = await createLinkSigner([next.privateJwk, live.privateJwk], clock);
    expect(decodeSegment(await both.sign({ sub: SUB, p: 'u' }), 0).kid).toBe('live-2');
  });

  it("does not let a token signed by the old key pass under the new key's kid", async () => {
    const next = await ed25519Jwks('live-2');
    const rotated = await createLinkSigner([next.privateJwk, live.publicJwk], clock);
    const token = await forge(live.privateJwk, { alg: 'EdDSA', kid: 'live-2' }, goodPayload());
    await expectRefused(rotated, token, 'u', 'bad_signature');
  });
});

describe('parseKeySet', () => {
  const set = (...keys: unknown[]) => JSON.stringify({ keys });

  it('accepts a set whose first key is private and later keys are public, keeping their order', () => {
    const parsed = parseKeySet(set(live.privateJwk, attacker.publicJwk));
    expect(parsed.map((k) => k.kid)).toEqual(['live-1', 'attacker']);
  });

  it.each(['', 'not json', '{"keys":[', "{'keys':[]}", '{"keys":[{"kty":"OKP",}]}'])(
    'refuses invalid JSON %j with a message naming LINK_SIGNING_KEYS',
    (json) => {
      expect(() => parseKeySet(json)).toThrow(/LINK_SIGNING_KEYS.*JSON/);
    },
  );

  it.each(['{"keys":[]}', '[]', '{}', '{"keys":{}}', '{"keys":"abc"}', '"abc"', '42', 'null'])(
    'refuses %s, which holds no keys, with a message naming LINK_SIGNING_KEYS',
    (json) => {
      expect(() => parseKeySet(json)).toThrow(/LINK_SIGNING_KEYS/);
    },
  );

  it.each(['[null]', '[1]', '["k"]', '[{}]', '{"keys":[{"kid":"a"}]}'])('refuses entries that are not JWKs: %s', (json) => {
    expect(() => parseKeySet(json)).toThrow(/LINK_SIGNING_KEYS/);
  });

  it('refuses a key without a kid, or with an empty one', () => {
    const { kid: _kid, ...noKid } = live.privateJwk;
    expect(() => parseKeySet(set(noKid))).toThrow(/kid/);
    expect(() => parseKeySet(set({ ...live.privateJwk, kid: '' }))).toThrow(/kid/);
    expect(() => parseKeySet(set(live.privateJwk, { ...attacker.publicJwk, kid: undefined }))).toThrow(/kid/);
  });

  it('refuses two keys with the same kid', () => {
    expect(() => parseKeySet(set(live.privateJwk, { ...attacker.publicJwk, kid: 'live-1' }))).toThrow(/duplicate kid live-1/);
  });

  it('refuses a set whose first (signing) key has no private part', () => {
    expect(() => parseKeySet(set(live.publicJwk, attacker.privateJwk))).toThrow(/private/);
  });

  it('refuses a first Ed25519 key without d even if it carries a stray "k" member', () => {
    expect(() => parseKeySet(set({ ...live.publicJwk, k: base64url.encode(new Uint8Array(32)) }))).toThrow(/private/);
  });

  it('refuses an HMAC key shorter than 32 bytes without echoing the secret, and accepts 32', () => {
    const short = octJwk('h', 31);
    let message = '';
    try {
      parseKeySet(set(short));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/HMAC key h must be at least 32 bytes/);
    expect(message).not.toContain(short.k!);
    expect(() => parseKeySet(set(octJwk('h', 16)))).toThrow(/32 bytes/);
    expect(() => parseKeySet(set({ kty: 'oct', kid: 'h', alg: 'HS256' }))).toThrow(/32 bytes/);
    expect(() => parseKeySet(set({ kty: 'oct', kid: 'h', alg: 'HS256', k: '' }))).toThrow();
    expect(parseKeySet(set(octJwk('h', 32)))).toHaveLength(1);
  });

  it.each<[string, Record<string, unknown>]>([
    ['OKP with HS256', { kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd', alg: 'HS256' }],
    ['OKP with ES256', { kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd', alg: 'ES256' }],
    ['OKP with RS256', { kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd', alg: 'RS256' }],
    ['oct with EdDSA', { kty: 'oct', k: 'k'.repeat(43), alg: 'EdDSA' }],
    ['oct with RS256', { kty: 'oct', k: 'k'.repeat(43), alg: 'RS256' }],
    ['oct with ES256', { kty: 'oct', k: 'k'.repeat(43), alg: 'ES256' }],
    ['EC with EdDSA', { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd', alg: 'EdDSA' }],
    ['EC with HS256', { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd', alg: 'HS256' }],
    ['RSA with ES256', { kty: 'RSA', n: 'n', e: 'AQAB', d: 'd', alg: 'ES256' }],
    ['RSA with HS256', { kty: 'RSA', n: 'n', e: 'AQAB', d: 'd', alg: 'HS256' }],
  ])('refuses a key whose alg does not match its type: %s', (_name, jwk) => {
    expect(() => parseKeySet(set({ ...jwk, kid: 'k1' }))).toThrow(/does not match key type/);
  });

  it.each(['P-256:ES384', 'P-384:ES256', 'P-521:ES256'])('refuses an EC key whose alg does not match its curve (%s)', (pair) => {
    const [crv, alg] = pair.split(':');
    expect(() => parseKeySet(set({ kty: 'EC', crv, x: 'x', y: 'y', d: 'd', alg, kid: 'k1' }))).toThrow(/k1/);
  });

  it.each(['none', 'HS1', 'RS1', 'ES256K', 'dir'])('refuses a key pinned to the disallowed algorithm %s', (alg) => {
    expect(() => parseKeySet(set({ kty: 'oct', k: 'k'.repeat(43), alg, kid: 'k1' }))).toThrow(/not allowed|does not match/);
  });
});

describe('pinnedAlg', () => {
  it('infers the only algorithm an Ed25519 or EC key allows', () => {
    expect(pinnedAlg({ kty: 'OKP', crv: 'Ed25519', x: 'x' })).toBe('EdDSA');
    expect(pinnedAlg({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' })).toBe('ES256');
    expect(pinnedAlg({ kty: 'EC', crv: 'P-384', x: 'x', y: 'y' })).toBe('ES384');
    expect(pinnedAlg({ kty: 'EC', crv: 'P-521', x: 'x', y: 'y' })).toBe('ES512');
  });

  it('keeps an explicit alg that fits the key type', () => {
    expect(pinnedAlg({ kty: 'oct', k: 'k', alg: 'HS512' })).toBe('HS512');
    expect(pinnedAlg({ kty: 'RSA', n: 'n', e: 'AQAB', alg: 'PS256' })).toBe('PS256');
    expect(pinnedAlg({ kty: 'OKP', crv: 'Ed25519', x: 'x', alg: 'EdDSA' })).toBe('EdDSA');
  });

  it('refuses to guess for key types that allow several algorithms, or none it knows', () => {
    expect(() => pinnedAlg({ kty: 'oct', k: 'k' })).toThrow(/set "alg"/);
    expect(() => pinnedAlg({ kty: 'RSA', n: 'n', e: 'AQAB' })).toThrow(/set "alg"/);
    expect(() => pinnedAlg({ kty: 'OKP', crv: 'X25519', x: 'x' })).toThrow();
    expect(() => pinnedAlg({ kty: 'OKP', crv: 'Ed448', x: 'x' })).toThrow();
  });

  it('refuses alg none however it is spelled', () => {
    for (const alg of ['none', 'None', 'NONE']) expect(() => pinnedAlg({ kty: 'oct', k: 'k', alg })).toThrow(/not allowed/);
  });
});

describe('TokenError', () => {
  it('is an Error whose message names the reason but never the token', async () => {
    const token = await signer.sign({ sub: SUB, p: 'p', ttlSeconds: 1 });
    clock.advance(DAY_MS);
    const e = await expectRefused(signer, token, 'p', 'expired');
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(TokenError);
    expect(e.message).toContain('expired');
    expect(e.message).not.toContain(token);
    expect(e.message).not.toContain(SUB);
  });
});

describe('confirmation claims: the address a link was mailed to (ah) and the pending change (pc)', () => {
  const AH = 'a1b2c3d4e5f60718';
  const PC = 'b7e1c2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e';

  it('are signed and verified back; an address is never accepted as ah', async () => {
    const token = await signer.sign({ sub: SUB, p: 'c', ah: AH, pc: PC, ttlSeconds: DAY_S });
    await expect(signer.verify(token, 'c')).resolves.toEqual({ sub: SUB, p: 'c', ah: AH, pc: PC, iat: START_S, exp: START_S + DAY_S });
    await expect(signer.sign({ sub: SUB, p: 'c', ah: 'anna@example.ru' })).rejects.toThrow(TypeError);
    await expect(signer.sign({ sub: SUB, p: 'c', pc: 'not-a-uuid' })).rejects.toThrow(TypeError);
  });

  it('refuses a token whose ah or pc was rewritten, added or removed', async () => {
    const token = await signer.sign({ sub: SUB, p: 'c', ah: AH, pc: PC, ttlSeconds: DAY_S });
    const payload = decodeSegment(token, 1);
    const { ah: _ah, ...noAh } = payload;
    const { pc: _pc, ...noPc } = payload;
    for (const forged of [{ ...payload, ah: 'ffffffffffffffff' }, { ...payload, pc: OTHER_SUB }, noAh, noPc]) {
      await expectRefused(signer, withPayload(token, forged), 'c', 'bad_signature');
    }
    const plain = await signer.sign({ sub: SUB, p: 'c', ttlSeconds: DAY_S });
    await expectRefused(signer, withPayload(plain, { ...decodeSegment(plain, 1), ah: AH }), 'c', 'bad_signature');
  });

  it('refuses a well-signed token whose ah or pc has the wrong shape', async () => {
    for (const bad of [{ ah: 'anna@example.ru' }, { ah: 42 }, { pc: 'x' }, { pc: ['x'] }]) {
      await expectRefused(signer, await forge(live.privateJwk, { alg: 'EdDSA', kid: 'live-1' }, goodPayload({ p: 'c', ...bad })), 'c', 'malformed');
    }
  });
});
