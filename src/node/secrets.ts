// Node-only: secrets for the embedded default, made once and kept in DATA_DIR.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import type { Config } from '../config/index.js';
import { generateSigningJwk, parseKeySet } from '../links/tokens.js';
import type { Logger } from '../log.js';

function writeSecret(path: string, content: string) {
  writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

/**
 * The link-signing keys: from LINK_SIGNING_KEYS when set; otherwise (never in production)
 * an Ed25519 key generated once into DATA_DIR/link-signing-keys.json.
 */
export async function resolveSigningKeys(config: Config, logger: Logger): Promise<JWK[]> {
  if (config.linkSigningKeys) return parseKeySet(config.linkSigningKeys);
  if (config.production) throw new Error('LINK_SIGNING_KEYS is required when NODE_ENV=production');
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const path = join(config.dataDir, 'link-signing-keys.json');
  if (!existsSync(path)) {
    const kid = `local-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
    writeSecret(path, JSON.stringify({ keys: [await generateSigningJwk(kid)] }, null, 2));
    logger.warn('generated a link-signing key; set LINK_SIGNING_KEYS in production', { path, kid });
  }
  return parseKeySet(readFileSync(path, 'utf8'));
}

/** The suppression hash key: from configuration, or generated once into DATA_DIR. */
export function resolveHashKey(config: Config, logger: Logger): string {
  if (config.suppressionHashKey) return config.suppressionHashKey;
  if (config.production) throw new Error('SUPPRESSION_HASH_KEY is required when NODE_ENV=production');
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const path = join(config.dataDir, 'suppression-hash.key');
  if (!existsSync(path)) {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    writeSecret(path, Buffer.from(bytes).toString('base64url'));
    logger.warn('generated a suppression hash key; set SUPPRESSION_HASH_KEY in production (changing it later re-keys every hash)', { path });
  }
  return readFileSync(path, 'utf8').trim();
}

/**
 * The push-signing keys (asymmetric: receivers verify with the public half at
 * /.well-known/jwks.json). Separate from the link keys, so a push can never pass as a link.
 */
export async function resolvePushKeys(config: Config, logger: Logger): Promise<JWK[]> {
  if (config.pushSigningKeys) return parseKeySet(config.pushSigningKeys);
  if (config.production && config.pushEndpoints.length) throw new Error('PUSH_SIGNING_KEYS is required with MAIL_SENDER_PUSH_URL when NODE_ENV=production');
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const path = join(config.dataDir, 'push-signing-keys.json');
  if (!existsSync(path)) {
    const kid = `push-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
    writeSecret(path, JSON.stringify({ keys: [await generateSigningJwk(kid)] }, null, 2));
    logger.warn('generated a push-signing key; set PUSH_SIGNING_KEYS in production', { path, kid });
  }
  return parseKeySet(readFileSync(path, 'utf8'));
}
