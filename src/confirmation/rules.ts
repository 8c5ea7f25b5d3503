/** How many hex characters of the keyed address hash a confirmation link carries (64 bits). */
const ADDRESS_CLAIM_LENGTH = 16;

/**
 * The `ah` claim of a confirmation link mailed to the address with this keyed hash: a prefix,
 * enough to tell addresses apart, no use to anyone without the key. Pure.
 */
export function addressClaim(emailHash: string): string {
  return emailHash.slice(0, ADDRESS_CLAIM_LENGTH);
}

/**
 * Whether a confirmation link may act on an address as it is now: it must have been mailed to
 * that address (`ah`), and issued no earlier than the address became the person's (`iat`
 * against `subject_addresses.added_at`), so a link from before an address change, or from
 * before a change back to an old address, confirms nothing. Links from before `ah` existed
 * carry no `ah` and are judged by the time alone. Pure.
 */
export function linkFitsAddress(claims: { ah?: string; iat: number }, address: { hash: string; addedAt: Date | null }): boolean {
  if (claims.ah !== undefined && claims.ah !== addressClaim(address.hash)) return false;
  // iat has whole seconds: a link signed in the second the address was added still fits.
  if (address.addedAt && claims.iat < Math.floor(address.addedAt.getTime() / 1000)) return false;
  return true;
}
