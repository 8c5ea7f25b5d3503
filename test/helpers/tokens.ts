import { base64url, exportJWK, generateKeyPair, type JWK } from 'jose';
import { expect } from 'vitest';
import { type LinkClaims, type LinkPurpose, type LinkSigner, TokenError, type TokenFailure } from '../../src/links/tokens.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** base64url of a JSON value, as a JWS segment. */
export const segment = (value: unknown): string => base64url.encode(enc.encode(JSON.stringify(value)));

/** The three segments of a compact JWS. */
export function splitToken(token: string): [string, string, string] {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`expected 3 segments, got ${parts.length}`);
  return parts as [string, string, string];
}

/** The decoded JSON of one segment (0 = header, 1 = payload). */
export function decodeSegment(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(dec.decode(base64url.decode(splitToken(token)[index]))) as Record<string, unknown>;
}

/** The same token with its payload replaced (signature kept): a tampering attempt. */
export function withPayload(token: string, payload: Record<string, unknown>): string {
  const [h, , s] = splitToken(token);
  return `${h}.${segment(payload)}.${s}`;
}

/** The same token with one bit of the signature's first byte flipped. */
export function flipSignatureByte(token: string, byteIndex = 0): string {
  const [h, p, s] = splitToken(token);
  const sig = base64url.decode(s);
  sig[byteIndex] = sig[byteIndex]! ^ 0x01;
  return `${h}.${p}.${base64url.encode(sig)}`;
}

/** A fresh Ed25519 key pair as JWKs (private has `d`, public has only `x`). */
export async function ed25519Jwks(kid: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('Ed25519', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA', use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  return { privateJwk, publicJwk };
}

/** A random HMAC key of `bytes` length as an `oct` JWK. */
export function octJwk(kid: string, bytes = 32, alg = 'HS256'): JWK {
  return { kty: 'oct', k: base64url.encode(crypto.getRandomValues(new Uint8Array(bytes))), kid, alg };
}

/** Runs `verify` and returns the TokenError it throws; fails the test if it resolves or throws anything else. */
export async function refusal(signer: LinkSigner, token: string, purpose: LinkPurpose): Promise<TokenError> {
  let claims: LinkClaims | undefined;
  try {
    claims = await signer.verify(token, purpose);
  } catch (e) {
    expect(e, `expected a TokenError, got ${String(e)}`).toBeInstanceOf(TokenError);
    return e as TokenError;
  }
  throw new Error(`token was accepted for purpose ${purpose}: ${JSON.stringify(claims)}`);
}

/** Asserts that verify refuses the token with exactly this reason. */
export async function expectRefused(signer: LinkSigner, token: string, purpose: LinkPurpose, reason: TokenFailure): Promise<TokenError> {
  const e = await refusal(signer, token, purpose);
  expect(e.reason).toBe(reason);
  return e;
}
