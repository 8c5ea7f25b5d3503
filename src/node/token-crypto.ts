import { createHmac, createPrivateKey, createPublicKey, type KeyObject, sign, timingSafeEqual, verify } from 'node:crypto';
import type { JWK } from 'jose';
import type { TokenCrypto } from '../links/tokens.js';

/** The digest and signature encoding node:crypto needs for each JWS algorithm we take on. */
const ALGS: Record<string, { digest: string | null; kind: 'eddsa' | 'ecdsa' | 'hmac' }> = {
  EdDSA: { digest: null, kind: 'eddsa' },
  Ed25519: { digest: null, kind: 'eddsa' },
  ES256: { digest: 'sha256', kind: 'ecdsa' },
  ES384: { digest: 'sha384', kind: 'ecdsa' },
  ES512: { digest: 'sha512', kind: 'ecdsa' },
  HS256: { digest: 'sha256', kind: 'hmac' },
  HS384: { digest: 'sha384', kind: 'hmac' },
  HS512: { digest: 'sha512', kind: 'hmac' },
};

/** The key type each kind of algorithm signs with; anything else is left to jose. */
function fits(jwk: JWK, kind: 'eddsa' | 'ecdsa' | 'hmac'): boolean {
  if (kind === 'eddsa') return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
  if (kind === 'ecdsa') return jwk.kty === 'EC';
  return jwk.kty === 'oct' && typeof jwk.k === 'string';
}

function importKey(jwk: JWK, alg: string, half: 'public' | 'private'): { key: KeyObject | Buffer; spec: (typeof ALGS)[string] } | null {
  const spec = ALGS[alg];
  if (!spec || !fits(jwk, spec.kind)) return null;
  try {
    if (spec.kind === 'hmac') return { key: Buffer.from(jwk.k!, 'base64url'), spec };
    const key = half === 'public' ? createPublicKey({ key: jwk as never, format: 'jwk' }) : createPrivateKey({ key: jwk as never, format: 'jwk' });
    return { key, spec };
  } catch {
    return null;
  }
}

/**
 * Link token signatures with node:crypto, each key imported once as a KeyObject: a synchronous
 * Ed25519 verify instead of a WebCrypto round trip through jose on every one-click. RSA keys,
 * and anything node:crypto refuses to import, are left to jose (the signer's default).
 * Node only: the Workers entry keeps jose over WebCrypto.
 *
 * @example
 * const signer = await createLinkSigner(keys, systemClock, { crypto: nodeTokenCrypto });
 */
export const nodeTokenCrypto: TokenCrypto = {
  importVerifier(jwk, alg) {
    const imported = importKey(jwk, alg, 'public');
    if (!imported) return null;
    const { key, spec } = imported;
    if (spec.kind === 'hmac') {
      return (data, signature) => {
        const mac = createHmac(spec.digest!, key as Buffer)
          .update(data)
          .digest();
        return mac.length === signature.length && timingSafeEqual(mac, signature);
      };
    }
    if (spec.kind === 'eddsa') return (data, signature) => verify(null, data, key as KeyObject, signature);
    return (data, signature) => verify(spec.digest, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' }, signature);
  },
  importSigner(jwk, alg) {
    const imported = importKey(jwk, alg, 'private');
    if (!imported) return null;
    const { key, spec } = imported;
    if (spec.kind === 'hmac')
      return (data) =>
        createHmac(spec.digest!, key as Buffer)
          .update(data)
          .digest();
    if (spec.kind === 'eddsa') return (data) => sign(null, data, key as KeyObject);
    return (data) => sign(spec.digest, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  },
};
