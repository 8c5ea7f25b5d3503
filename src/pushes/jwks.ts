import type { JWK } from 'jose';

/** JWK members that hold secret material: RSA/EC/OKP private parts and a symmetric key's `k`. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * The keys that may be published at /.well-known/jwks.json: the public half of each
 * asymmetric key (private members stripped), and no symmetric (`oct`) key at all, whatever
 * order or mix of keys was configured.
 *
 * @example
 * publicJwks([ed25519Private, hmacKey]); // { keys: [{ kty: 'OKP', crv: 'Ed25519', x, kid, ... }] }
 */
export function publicJwks(keys: readonly JWK[]): { keys: JWK[] } {
  return {
    keys: keys
      .filter((k) => k.kty === 'RSA' || k.kty === 'EC' || k.kty === 'OKP')
      .map((k) => {
        const pub: Record<string, unknown> = { ...k };
        for (const m of PRIVATE_MEMBERS) delete pub[m];
        return pub as JWK;
      }),
  };
}
