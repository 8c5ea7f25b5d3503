import type { Db } from '../db/handle.js';

/** Every scope a key can hold. `admin` implies all the others. */
export const SCOPES = [
  'leads:write',
  'links:write',
  'sends:write',
  'suppressions:read',
  'suppressions:read:hashed',
  'suppressions:write',
  'subjects:read',
  'subjects:write',
  'requests:manage',
  'mail-sender:events',
  // Prometheus scrapes of /metrics on the public port (no personal data: counts and ids of endpoints).
  'metrics:read',
  /** Imports of subjects and suppressions (POST /v1/imports/...), and their reports. */
  'imports:write',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyIdentity {
  id: string;
  name: string;
  scopes: Scope[];
  /** When it was last used (see {@link touchApiKey}); null: not since migration 0019. */
  lastUsedAt?: Date | null;
}

const enc = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** SHA-256 of the whole key, hex. Keys are 256-bit random, so a fast hash is enough. */
export async function hashApiKey(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(key)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function parseScopes(list: string): Scope[] {
  const scopes = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown scope(s): ${unknown.join(', ')}; known: ${SCOPES.join(', ')}`);
  if (scopes.length === 0) throw new Error('at least one scope is required');
  return [...new Set(scopes)] as Scope[];
}

/**
 * Creates a key and returns it in full: the only time it exists outside its holder's hands.
 *
 * @example
 * const { key } = await createApiKey(db, { name: 'site', scopes: ['leads:write'] }, new Date());
 */
export async function createApiKey(db: Db, input: { name: string; scopes: Scope[] }, now: Date): Promise<{ id: string; key: string }> {
  // Hex, not base64url: an id starting with '-' reads as a flag to the CLI (`keys revoke --id -x`).
  const id = [...crypto.getRandomValues(new Uint8Array(4))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const key = `mpk_${id}_${b64url(crypto.getRandomValues(new Uint8Array(32)))}`;
  await db
    .insertInto('api_keys')
    .values({ id, name: input.name, key_hash: await hashApiKey(key), scopes: input.scopes, created_at: now, revoked_at: null })
    .execute();
  return { id, key };
}

export async function listApiKeys(db: Db) {
  return db.selectFrom('api_keys').select(['id', 'name', 'scopes', 'created_at', 'revoked_at', 'last_used_at']).orderBy('created_at').execute();
}

/** How stale `last_used_at` may get before a use writes it again: about a minute, never a write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Records a use of the key when the stored one is older than {@link LAST_USED_RESOLUTION_MS}
 * (or absent); the caller skips the call when the identity it read is fresh, and the statement's
 * own condition keeps concurrent uses from writing more than once.
 *
 * @example
 * if (isStale(identity, now)) await touchApiKey(db, identity.id, now);
 */
export async function touchApiKey(db: Db, id: string, now: Date): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(now.getTime() - LAST_USED_RESOLUTION_MS))]))
    .execute();
}

/** Whether a use now should write `last_used_at` (see {@link touchApiKey}). Pure. */
export function lastUseStale(lastUsedAt: Date | null | undefined, now: Date): boolean {
  return !lastUsedAt || now.getTime() - new Date(lastUsedAt).getTime() >= LAST_USED_RESOLUTION_MS;
}

/** The live key with this id (the dashboard's session names its key by id), or null when revoked or unknown. */
export async function findApiKeyById(db: Db, id: string): Promise<ApiKeyIdentity | null> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'name', 'scopes', 'last_used_at'])
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { id: row.id, name: row.name, scopes: row.scopes as Scope[], lastUsedAt: row.last_used_at } : null;
}

/** Revokes by id; returns false when there is no such live key. */
export async function revokeApiKey(db: Db, id: string, now: Date): Promise<boolean> {
  const r = await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The live key a bearer token names, or null. */
export async function findApiKey(db: Db, key: string): Promise<ApiKeyIdentity | null> {
  if (!/^mpk_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}$/.test(key)) return null;
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'name', 'scopes', 'last_used_at'])
    .where('key_hash', '=', await hashApiKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { id: row.id, name: row.name, scopes: row.scopes as Scope[], lastUsedAt: row.last_used_at } : null;
}

export function hasScope(identity: ApiKeyIdentity, anyOf: readonly Scope[]): boolean {
  return identity.scopes.includes('admin') || anyOf.some((s) => identity.scopes.includes(s));
}
