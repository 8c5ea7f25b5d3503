import { normalizeEmail } from '../consent/email.js';
import { appendLedger } from '../consent/ledger.js';
import type { Db } from '../db/handle.js';
import { findHashOwners, splitOwners } from '../erasure/owners.js';
import { suppressEach } from './queries.js';

export type ManualSuppressionOutcome =
  | { kind: 'suppressed'; added: number; unchanged: number }
  /** Some entries are not e-mail addresses (their indexes); nothing was added. */
  | { kind: 'invalid'; entries: number[] };

/**
 * Staff suppress addresses by hand (reason `manual`), all or nothing: one invalid address
 * refuses the lot. Set-based, whatever the number of entries: the people they name, the
 * entries, the ledger. An address already suppressed keeps its entry; each person whose entry
 * changed gets a `suppressed` row in the ledger. An address that was an erased person's (by any
 * address they ever had) keeps only its hash: neither the address nor the note is stored again.
 */
export async function suppressManually(
  db: Db,
  entries: readonly { email: string; note?: string }[],
  by: { keyId: string; at: Date },
  hasher: { hash: (email: string) => Promise<string> },
): Promise<ManualSuppressionOutcome> {
  const normalized = entries.map((e, i) => ({ email: normalizeEmail(e.email), note: e.note ?? null, i }));
  const bad = normalized.filter((e) => !e.email).map((e) => e.i);
  if (bad.length) return { kind: 'invalid', entries: bad };
  const { keyId, at } = by;
  const hashed = await Promise.all(normalized.map(async (e) => ({ ...e, hash: await hasher.hash(e.email!) })));
  const added = await db.transaction().execute(async (trx) => {
    const { live, erased } = splitOwners(
      await findHashOwners(
        trx,
        hashed.map((e) => e.hash),
      ),
    );
    const owner = new Map([...live].map(([hash, p]) => [hash, p.id]));
    const changed = await suppressEach(
      trx,
      hashed.map((e) => {
        const gone = owner.has(e.hash) ? undefined : erased.get(e.hash);
        return {
          hash: e.hash,
          email: gone ? null : e.email,
          subjectId: owner.get(e.hash) ?? gone ?? null,
          reason: 'manual' as const,
          actorType: 'staff' as const,
          actorId: keyId,
          note: gone ? null : e.note,
          at,
        };
      }),
    );
    const suppressedPeople = hashed.flatMap((e, i) => (changed[i] && owner.has(e.hash) ? [owner.get(e.hash)!] : []));
    await appendLedger(
      trx,
      suppressedPeople.map((subjectId) => ({
        subjectId,
        action: 'suppressed' as const,
        details: { reason: 'manual' },
        evidence: { actorType: 'staff' as const, actorId: keyId, at },
      })),
    );
    return changed.filter(Boolean).length;
  });
  return { kind: 'suppressed', added, unchanged: entries.length - added };
}
