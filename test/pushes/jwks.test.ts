import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createPushSigner } from '../../src/pushes/push.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { ed25519Jwks, octJwk } from '../helpers/tokens.js';

/** /.well-known/jwks.json publishes public keys only, whatever keys are configured. */

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

async function privateJwk(alg: 'ES256' | 'RS256', kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg };
}

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

function expectPublicOnly(keys: JWK[]) {
  for (const k of keys) {
    expect(k.kty, JSON.stringify(k.kid)).not.toBe('oct');
    for (const m of PRIVATE_MEMBERS) expect(k, `${k.kid}.${m}`).not.toHaveProperty(m);
  }
}

describe('the published push keys', () => {
  it('a configured set with a symmetric key not listed first, and EC/OKP/RSA private keys: only the public halves are published', async () => {
    const okp = (await ed25519Jwks('push-okp')).privateJwk;
    const ec = await privateJwk('ES256', 'push-ec');
    const rsa = await privateJwk('RS256', 'push-rsa');
    const secret = octJwk('push-hmac');
    const signer = await createPushSigner([okp, secret, ec, rsa]);
    const app = createApp({ ...h.deps, pushJwks: signer.publicJwks });

    const res = await app.request('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    const text = await res.text();
    const { keys } = JSON.parse(text) as { keys: JWK[] };
    expect(keys.map((k) => k.kid)).toEqual(['push-okp', 'push-ec', 'push-rsa']);
    expectPublicOnly(keys);
    // The secret's bytes appear nowhere in the answer.
    expect(text).not.toContain(secret.k);
    expect(text).not.toContain(okp.d);
    expect(text).not.toContain(ec.d);
    expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: okp.x });
    expect(keys[1]).toMatchObject({ kty: 'EC', crv: 'P-256', x: ec.x, y: ec.y });
    expect(keys[2]).toMatchObject({ kty: 'RSA', n: rsa.n, e: rsa.e });
  });

  it('the app publishes public keys only even when handed private or symmetric ones directly', async () => {
    const okp = (await ed25519Jwks('raw-okp')).privateJwk;
    const secret = octJwk('raw-hmac');
    const app = createApp({ ...h.deps, pushJwks: { keys: [okp, secret] } });
    const text = await (await app.request('/.well-known/jwks.json')).text();
    const { keys } = JSON.parse(text) as { keys: JWK[] };
    expect(keys.map((k) => k.kid)).toEqual(['raw-okp']);
    expectPublicOnly(keys);
    expect(text).not.toContain(secret.k);
    expect(text).not.toContain(okp.d);
  });

  it('never publishes a link-signing key', async () => {
    const signer = await createPushSigner([(await ed25519Jwks('push-only')).privateJwk]);
    const app = createApp({ ...h.deps, pushJwks: signer.publicJwks });
    const { keys } = (await (await app.request('/.well-known/jwks.json')).json()) as { keys: JWK[] };
    expect(keys.map((k) => k.kid)).toEqual(['push-only']);
    // The harness signs links with kid test-key-1: it is not among the published keys.
    const token = await h.deps.signer.sign({ sub: crypto.randomUUID(), p: 'u' });
    const kid = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
    expect(kid).toBe('test-key-1');
    expect(keys.some((k) => k.kid === kid)).toBe(false);
    // And with no push keys at all, an empty set.
    const bare = createApp(h.deps);
    expect(await (await bare.request('/.well-known/jwks.json')).json()).toEqual({ keys: [] });
  });
});
