/**
 * The keyed hash that names an address in the suppression list: HMAC-SHA256 of the
 * normalized address, hex. The mail sender can compute it for its own list with the shared
 * key, but an unkeyed dictionary of addresses cannot reverse it.
 */
export interface EmailHasher {
  hash(normalizedEmail: string): Promise<string>;
}

const enc = new TextEncoder();

export async function createEmailHasher(key: string): Promise<EmailHasher> {
  const cryptoKey = await crypto.subtle.importKey('raw', enc.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return {
    async hash(email) {
      const mac = new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, enc.encode(email)));
      let hex = '';
      for (const b of mac) hex += b.toString(16).padStart(2, '0');
      return hex;
    },
  };
}
