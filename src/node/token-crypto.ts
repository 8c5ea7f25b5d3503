import { createHmac, createPrivateKey, createPublicKey, type KeyObject, sign, timingSafeEqual, verify } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
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
  importBatchSigner(jwk, alg) {
    const spec = ALGS[alg];
    // HMAC signs a million a second on one thread: threads would only add their hand-over.
    if (!spec || spec.kind === 'hmac' || !importKey(jwk, alg, 'private')) return null;
    return signingPool(jwk, spec);
  },
};

/**
 * The code each signing thread runs: imports the key once, then signs each batch it is handed
 * (JWS signatures, base64url). Plain JavaScript, so it runs without the TypeScript loader.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const key = createPrivateKey({ key: workerData.jwk, format: 'jwk' });
const how = workerData.kind === 'eddsa' ? key : { key, dsaEncoding: 'ieee-p1363' };
parentPort.on('message', ({ id, inputs }) => {
  try {
    parentPort.postMessage({ id, out: inputs.map((s) => sign(workerData.digest, Buffer.from(s), how).toString('base64url')) });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
  }
});`;

/**
 * Signs batches on as many threads as the machine has cores, each batch split evenly: link
 * sets for a campaign of 10,000 people are 30,000 Ed25519 signatures, one core's work for
 * 1.5 s. The threads start with the first batch and keep the process alive only while they
 * sign one; a thread that dies is replaced on the next batch (its batch fails with its error).
 */
function signingPool(jwk: JWK, spec: (typeof ALGS)[string]): (inputs: string[]) => Promise<string[]> {
  const size = Math.max(1, Math.min(availableParallelism(), 8));
  const workers: (Worker | null)[] = Array.from({ length: size }, () => null);
  const busy = workers.map(() => 0);
  const pending = new Map<number, { resolve: (out: string[]) => void; reject: (e: Error) => void; worker: number }>();
  let nextId = 0;

  function worker(i: number): Worker {
    const existing = workers[i];
    if (existing) return existing;
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { jwk, kind: spec.kind, digest: spec.digest } });
    w.on('message', (m: { id: number; out?: string[]; error?: string }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      // Idle again (no other batch on it): an idle thread must not keep the process alive.
      if (--busy[i]! === 0) w.unref();
      if (m.out) p.resolve(m.out);
      else p.reject(new Error(`link signing thread: ${m.error}`));
    });
    const fail = (e: Error) => {
      workers[i] = null;
      busy[i] = 0;
      for (const [id, p] of pending) {
        if (p.worker !== i) continue;
        pending.delete(id);
        p.reject(e);
      }
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`link signing thread exited with ${code}`)));
    workers[i] = w;
    return w;
  }

  return async (inputs) => {
    const per = Math.ceil(inputs.length / size);
    const parts = await Promise.all(
      Array.from({ length: Math.ceil(inputs.length / per) }, (_, i) => {
        const id = nextId++;
        return new Promise<string[]>((resolve, reject) => {
          pending.set(id, { resolve, reject, worker: i });
          const w = worker(i);
          // Busy: the process waits for its answer (an unref'd thread would let it exit first).
          if (busy[i]!++ === 0) w.ref();
          w.postMessage({ id, inputs: inputs.slice(i * per, (i + 1) * per) });
        });
      }),
    );
    return parts.flat();
  };
}
