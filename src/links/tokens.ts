import {
  base64url,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey as JoseKey,
  type JWK,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { Clock } from '../time/clock.js';
import { TOPIC_KEY } from '../topics/rules.js';

/** What a link lets its holder do. One purpose is never accepted on another's path. */
export type LinkPurpose = 'u' | 'w' | 'p' | 'c';

export interface LinkClaims {
  /** Subject id (opaque uuid, never the address: URLs end up in logs). */
  sub: string;
  p: LinkPurpose;
  cmp?: string;
  /**
   * Confirmation links (`c`) only: the first characters of the keyed hash of the address the
   * link was mailed to. A link confirms nothing for any other address (see confirmation/rules).
   */
  ah?: string;
  /** Confirmation of a pending change (address change, lead profile): that change's id. */
  pc?: string;
  /**
   * Unsubscribe links (`u`) for one topic: its key. Absent: all advertising mail (every link
   * issued before topics existed means that, and still does).
   */
  t?: string;
  iat: number;
  exp?: number;
}

export type TokenFailure = 'malformed' | 'bad_signature' | 'unknown_key' | 'wrong_purpose' | 'expired';

/** Why a token was refused. `claims` is set only for `expired`: the signature was good. */
export class TokenError extends Error {
  constructor(
    readonly reason: TokenFailure,
    readonly claims?: LinkClaims,
  ) {
    super(`link token refused: ${reason}`);
    this.name = 'TokenError';
  }
}

const ALGS_BY_KEY: Record<string, string> = {
  'OKP:Ed25519': 'EdDSA',
  'EC:P-256': 'ES256',
  'EC:P-384': 'ES384',
  'EC:P-521': 'ES512',
};
const ALLOWED_ALGS = new Set(['EdDSA', 'Ed25519', 'ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'HS256', 'HS384', 'HS512']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PURPOSES = new Set<LinkPurpose>(['u', 'w', 'p', 'c']);
const ADDRESS_HASH_PREFIX = /^[0-9a-f]{16,64}$/;

interface LoadedKey {
  kid: string;
  alg: string;
  verifyKey: JoseKey | Uint8Array;
}

/**
 * A runtime's own signature primitives for link tokens, for a faster path than jose over
 * WebCrypto (Node: `node:crypto` with key objects imported once, src/node/token-crypto.ts).
 * Each import answers null for a key or algorithm it does not handle; jose then does the work.
 * Only raw signatures: every JOSE rule (header, algorithms, claims, errors) stays here and in jose.
 */
export interface TokenCrypto {
  /** A verifier for a public (or HMAC) JWK pinned to `alg`: is `signature` good for `data`? */
  importVerifier(jwk: JWK, alg: string): ((data: Uint8Array, signature: Uint8Array) => boolean) | null;
  /** A signer for a private (or HMAC) JWK pinned to `alg`: the JWS signature of `data`. */
  importSigner(jwk: JWK, alg: string): ((data: Uint8Array) => Uint8Array) | null;
  /**
   * Optional: a signer of many inputs at once, off the calling thread where the runtime has
   * threads (the JWS signature of each input, base64url, in order). Used for batches only.
   */
  importBatchSigner?(jwk: JWK, alg: string): ((inputs: string[]) => Promise<string[]>) | null;
}

const textEncoder = new TextEncoder();
/** Below this many tokens a batch is signed in place: handing it to threads costs more. */
const BATCH_MIN = 256;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The protected header segment our signer writes for a key, exactly as jose writes it. */
function headerSegment(alg: string, kid: string): string {
  return base64url.encode(JSON.stringify({ alg, kid }));
}

/** jose's test for a JWT claims set: a plain object. */
function isPlainObject(input: unknown): input is Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Object.prototype.toString.call(input) !== '[object Object]') return false;
  const prototype = Object.getPrototypeOf(input);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/** What a link token says: whom, for what, and for how long. */
export type SignClaims = { sub: string; p: LinkPurpose; cmp?: string; ah?: string; pc?: string; t?: string; ttlSeconds?: number };

/** Signs and verifies link tokens with a rotating key set. */
export interface LinkSigner {
  sign(claims: SignClaims): Promise<string>;
  /** Signs many at once, in order: the same tokens as {@link sign}, faster where the runtime has threads. */
  signMany(claims: SignClaims[]): Promise<string[]>;
  /** Verifies signature, algorithm, purpose and expiry; throws {@link TokenError}. */
  verify(token: string, purpose: LinkPurpose): Promise<LinkClaims>;
  readonly currentKid: string;
}

/** The algorithm a key is pinned to: its own `alg`, or the only one its type allows. */
export function pinnedAlg(jwk: JWK): string {
  if (jwk.alg) {
    if (!ALLOWED_ALGS.has(jwk.alg)) throw new Error(`key ${jwk.kid ?? '?'}: algorithm ${jwk.alg} is not allowed`);
    const family = jwk.alg.slice(0, 2);
    const ok =
      (jwk.kty === 'OKP' && (jwk.alg === 'EdDSA' || jwk.alg === 'Ed25519')) ||
      (jwk.kty === 'EC' && family === 'ES' && ALGS_BY_KEY[`EC:${jwk.crv ?? ''}`] === jwk.alg) ||
      (jwk.kty === 'RSA' && (family === 'RS' || family === 'PS')) ||
      (jwk.kty === 'oct' && family === 'HS');
    if (!ok) throw new Error(`key ${jwk.kid ?? '?'}: algorithm ${jwk.alg} does not match key type ${jwk.kty}`);
    return jwk.alg;
  }
  const inferred = ALGS_BY_KEY[`${jwk.kty}:${jwk.crv ?? ''}`];
  if (inferred) return inferred;
  throw new Error(`key ${jwk.kid ?? '?'}: set "alg" (key type ${jwk.kty} allows several algorithms)`);
}

/**
 * Parses a JWK set (`{"keys":[...]}`). Every key needs a `kid`; the first needs its private
 * half because it signs. HMAC keys must be at least 32 bytes.
 */
export function parseKeySet(json: string): JWK[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('LINK_SIGNING_KEYS is not valid JSON (expected a JWK set: {"keys":[...]})');
  }
  const keys = Array.isArray(parsed) ? parsed : parsed && typeof parsed === 'object' ? (parsed as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys) || keys.length === 0) throw new Error('LINK_SIGNING_KEYS must hold at least one key');
  const kids = new Set<string>();
  for (const k of keys as JWK[]) {
    if (!k || typeof k !== 'object' || typeof k.kty !== 'string') throw new Error('LINK_SIGNING_KEYS: every entry must be a JWK');
    if (!k.kid) throw new Error('LINK_SIGNING_KEYS: every key needs a "kid"');
    if (kids.has(k.kid)) throw new Error(`LINK_SIGNING_KEYS: duplicate kid ${k.kid}`);
    kids.add(k.kid);
    pinnedAlg(k);
    if (k.kty === 'oct' && (!k.k || Math.floor((k.k.length * 3) / 4) < 32)) {
      throw new Error(`LINK_SIGNING_KEYS: HMAC key ${k.kid} must be at least 32 bytes`);
    }
  }
  const first = keys[0] as JWK;
  if (first.kty === 'oct' ? !first.k : !first.d) throw new Error('LINK_SIGNING_KEYS: the first key signs and needs its private part');
  return keys as JWK[];
}

function publicPart(jwk: JWK): JWK {
  if (jwk.kty === 'oct') return jwk;
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, ...pub } = jwk;
  return pub;
}

/**
 * Builds the signer: the first key signs, every key verifies (so rotation keeps old mail
 * working). The header algorithm must equal the key's pinned one: `none`, and HMAC tokens
 * "signed" with a public key, are refused before any cryptography runs.
 *
 * @example
 * const signer = await createLinkSigner(parseKeySet(config.linkSigningKeys), systemClock);
 * const token = await signer.sign({ sub: subjectId, p: 'u' });
 */
export async function createLinkSigner(jwks: JWK[], clock: Clock, opts: { crypto?: TokenCrypto } = {}): Promise<LinkSigner> {
  const loaded = new Map<string, LoadedKey>();
  // With a runtime's own crypto: the verifier of each key by the exact header segment our signer
  // writes for it. A token whose header is anything else (other parameters, order, spacing, an
  // unknown kid, another alg) is left to jose, so every refusal and every odd token is jose's.
  const fast = new Map<string, (data: Uint8Array, signature: Uint8Array) => boolean>();
  for (const jwk of jwks) {
    const alg = pinnedAlg(jwk);
    const verifyKey = (await importJWK(publicPart(jwk), alg)) as JoseKey | Uint8Array;
    loaded.set(jwk.kid!, { kid: jwk.kid!, alg, verifyKey });
    const verifier = opts.crypto?.importVerifier(publicPart(jwk), alg);
    if (verifier) fast.set(headerSegment(alg, jwk.kid!), verifier);
  }
  const signing = jwks[0]!;
  const signAlg = pinnedAlg(signing);
  const signKey = (await importJWK(signing, signAlg)) as JoseKey | Uint8Array;
  const fastSign = opts.crypto?.importSigner(signing, signAlg) ?? null;
  const signHeader = headerSegment(signAlg, signing.kid!);
  const algorithms = [...new Set([...loaded.values()].map((k) => k.alg))];

  /**
   * The good, unexpired token our own signer would write, verified without jose; undefined for
   * anything else (jose then decides, refusals included). Claims are checked as jose checks them
   * with our options (iat and exp numbers, no nbf here, exp against now less the 60 s tolerance).
   */
  const verifyFast = (token: string): JWTPayload | undefined => {
    const [h, p, sig] = token.split('.') as [string, string, string];
    const verifier = fast.get(h);
    if (!verifier) return undefined;
    try {
      if (!verifier(textEncoder.encode(`${h}.${p}`), base64url.decode(sig))) return undefined;
      const payload: unknown = JSON.parse(strictUtf8.decode(base64url.decode(p)));
      if (!isPlainObject(payload)) return undefined;
      const { iat, nbf, exp } = payload;
      if ((iat !== undefined && typeof iat !== 'number') || nbf !== undefined) return undefined;
      if (exp !== undefined && (typeof exp !== 'number' || exp <= Math.floor(clock.now().getTime() / 1000) - 60)) return undefined;
      return payload as JWTPayload;
    } catch {
      return undefined;
    }
  };

  /** The whole of jose's checks, with its failures turned into ours. */
  const verifyWithJose = async (token: string, purpose: LinkPurpose): Promise<JWTPayload> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        (header) => {
          const key = header.kid ? loaded.get(header.kid) : undefined;
          if (!key) throw new TokenError('unknown_key');
          if (header.alg !== key.alg) throw new TokenError('bad_signature');
          return key.verifyKey;
        },
        { algorithms, currentDate: clock.now(), clockTolerance: 60 },
      ));
    } catch (e) {
      if (e instanceof TokenError) throw e;
      if (e instanceof joseErrors.JWTExpired) {
        const claims = toClaims(e.payload);
        if (claims && claims.p === purpose) throw new TokenError('expired', claims);
        throw new TokenError(claims ? 'wrong_purpose' : 'malformed');
      }
      if (e instanceof joseErrors.JWSSignatureVerificationFailed || e instanceof joseErrors.JOSEAlgNotAllowed) {
        throw new TokenError('bad_signature');
      }
      throw new TokenError('malformed');
    }
    return payload;
  };

  const batchSign = fastSign ? (opts.crypto?.importBatchSigner?.(signing, signAlg) ?? null) : null;

  /** Checks what a token may say, and its `iat`. */
  function checked({ sub, p, cmp, ah, pc, t }: SignClaims): number {
    // The subject is named by its opaque id only: a link must never carry an address.
    if (!UUID.test(sub)) throw new TypeError('link tokens name subjects by uuid only');
    if (!PURPOSES.has(p)) throw new TypeError(`unknown link purpose ${p}`);
    if (cmp !== undefined && cmp.length > 200) throw new TypeError('campaign id over 200 characters');
    if (ah !== undefined && !ADDRESS_HASH_PREFIX.test(ah)) throw new TypeError('ah is a hex prefix of a keyed address hash');
    if (pc !== undefined && !UUID.test(pc)) throw new TypeError('pc is a pending change id (uuid)');
    if (t !== undefined && !TOPIC_KEY.test(t)) throw new TypeError('t is a topic key');
    return Math.floor(clock.now().getTime() / 1000);
  }

  /** The claims a token carries, in jose's SignJWT order: ours, then sub, iat, exp. */
  function payloadOf({ p, cmp, ah, pc, t }: SignClaims): JWTPayload {
    return { p, ...(cmp ? { cmp } : {}), ...(ah ? { ah } : {}), ...(pc ? { pc } : {}), ...(t ? { t } : {}) };
  }

  /** The JWS signing input (`header.payload`) our signer writes, byte for byte what jose writes. */
  function signingInput(c: SignClaims): string {
    const iat = checked(c);
    const claims: JWTPayload = { ...payloadOf(c), sub: c.sub, iat, ...(c.ttlSeconds !== undefined ? { exp: iat + c.ttlSeconds } : {}) };
    return `${signHeader}.${base64url.encode(JSON.stringify(claims))}`;
  }

  async function sign(c: SignClaims): Promise<string> {
    if (fastSign) {
      const input = signingInput(c);
      return `${input}.${base64url.encode(fastSign(textEncoder.encode(input)))}`;
    }
    const iat = checked(c);
    const jwt = new SignJWT(payloadOf(c)).setProtectedHeader({ alg: signAlg, kid: signing.kid! }).setSubject(c.sub).setIssuedAt(iat);
    if (c.ttlSeconds !== undefined) jwt.setExpirationTime(iat + c.ttlSeconds);
    return jwt.sign(signKey);
  }

  return {
    currentKid: signing.kid!,
    sign,
    async signMany(list) {
      if (!batchSign || list.length < BATCH_MIN) return Promise.all(list.map(sign));
      const inputs = list.map(signingInput);
      const signatures = await batchSign(inputs);
      return inputs.map((input, i) => `${input}.${signatures[i]}`);
    },
    async verify(token, purpose) {
      if (typeof token !== 'string' || token.length > 4096 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
        throw new TokenError('malformed');
      }
      const payload = verifyFast(token) ?? (await verifyWithJose(token, purpose));
      const claims = toClaims(payload);
      if (!claims) throw new TokenError('malformed');
      if (claims.p !== purpose) throw new TokenError('wrong_purpose');
      return claims;
    },
  };
}

function toClaims(payload: JWTPayload): LinkClaims | null {
  const { sub, p, cmp, ah, pc, t, iat, exp } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || !UUID.test(sub)) return null;
  if (typeof p !== 'string' || !PURPOSES.has(p as LinkPurpose)) return null;
  if (typeof iat !== 'number') return null;
  if (cmp !== undefined && (typeof cmp !== 'string' || cmp.length > 200)) return null;
  if (ah !== undefined && (typeof ah !== 'string' || !ADDRESS_HASH_PREFIX.test(ah))) return null;
  if (pc !== undefined && (typeof pc !== 'string' || !UUID.test(pc))) return null;
  if (t !== undefined && (typeof t !== 'string' || !TOPIC_KEY.test(t))) return null;
  return {
    sub,
    p: p as LinkPurpose,
    iat,
    ...(typeof cmp === 'string' ? { cmp } : {}),
    ...(typeof ah === 'string' ? { ah } : {}),
    ...(typeof pc === 'string' ? { pc } : {}),
    ...(typeof t === 'string' ? { t } : {}),
    ...(typeof exp === 'number' ? { exp } : {}),
  };
}

/** A fresh Ed25519 key as a private JWK, for the embedded default and for tests. */
export async function generateSigningJwk(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA', use: 'sig' };
}
