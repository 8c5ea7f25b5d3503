import { linkFitsAddress } from '../confirmation/rules.js';
import { type Evidence, recordEvents } from '../consent/ledger.js';
import type { Db } from '../db/handle.js';
import type { LinkClaims } from '../links/tokens.js';
import { enqueue } from '../outbox/queries.js';
import { switchAddressIn } from '../subjects/actions.js';
import { liveSubjectByHash } from '../subjects/lookup.js';
import { PROFILE_COLUMNS } from '../subjects/profile.js';
import { addressAddedAt, loadSubjectState } from '../subjects/queries.js';
import { dropPendingChange, findPendingChange, type PendingChange } from './queries.js';

/** The subject columns a lead's pending profile may set (anything else in the row is ignored). */
const LEAD_COLUMNS = new Set<string>([...PROFILE_COLUMNS, 'locale']);

export type PendingConfirmOutcome =
  | { kind: 'address_changed' }
  | { kind: 'profile_updated'; fields: string[] }
  /** The new address became another live person's meanwhile: nothing changed, the change is dropped. */
  | { kind: 'taken' }
  /** Superseded, confirmed already, expired, or not the address it was mailed to: nothing changed. */
  | { kind: 'stale' }
  | { kind: 'unknown_subject' };

/**
 * What a pending-change link would do if confirmed now, without writing anything (the GET
 * page): the change, or why it no longer can be.
 */
export async function inspectPendingChange(
  db: Db,
  claims: LinkClaims & { pc: string },
  now: Date,
): Promise<{ kind: 'unknown_subject' | 'stale' } | { kind: 'ready'; change: PendingChange; locale: string }> {
  const s = await loadSubjectState(db, claims.sub);
  if (!s) return { kind: 'unknown_subject' };
  if (s.status === 'erased' || s.processing !== 'granted') return { kind: 'stale' };
  const p = await findPendingChange(db, s.id, claims.pc, now);
  if (!p || !(await fits(db, claims, p, s))) return { kind: 'stale' };
  return { kind: 'ready', change: p, locale: s.locale };
}

/**
 * A link minted for this pending change and mailed to the address it concerns: the new
 * address for an address change, the person's current address for a lead's profile.
 */
async function fits(db: Db, claims: LinkClaims, p: PendingChange, s: { id: string; emailHash: string }): Promise<boolean> {
  if (claims.ah === undefined) return false;
  if (p.kind === 'address') return linkFitsAddress(claims, { hash: p.emailHash!, addedAt: p.createdAt });
  const addedAt = await addressAddedAt(db, s.id, s.emailHash);
  const since = addedAt && addedAt > p.createdAt ? addedAt : p.createdAt;
  return linkFitsAddress(claims, { hash: s.emailHash, addedAt: since });
}

/**
 * Confirms a pending change from the link mailed for it.
 *
 * An address change: the new address becomes the person's (see switchAddressIn), the old one
 * gets a notice (its address rides in the outbox row until sent), and the ledger records the
 * change with both keyed hashes. Marketing consent follows the person only on this address's
 * own say-so: a granted subscription stays granted because the new address has just confirmed
 * (an explicit `confirmed` event names it); a pending one stays pending and a new subscription
 * confirmation goes to the new address. Suppressions of the new address are never lifted here.
 *
 * A lead's profile: the submitted values replace the stored ones.
 */
export async function confirmPendingChange(db: Db, claims: LinkClaims & { pc: string }, evidence: Evidence): Promise<PendingConfirmOutcome> {
  try {
    return await db.transaction().execute(async (trx): Promise<PendingConfirmOutcome> => {
      const s = await loadSubjectState(trx, claims.sub, { lock: true });
      if (!s) return { kind: 'unknown_subject' };
      if (s.status === 'erased' || s.processing !== 'granted') return { kind: 'stale' };
      const p = await findPendingChange(trx, s.id, claims.pc, evidence.at);
      if (!p || !(await fits(trx, claims, p, s))) return { kind: 'stale' };
      const at = evidence.at;

      if (p.kind === 'lead') {
        const current = (await trx.selectFrom('subjects').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow()) as unknown as Record<string, unknown>;
        const set: Record<string, string | null> = {};
        for (const [col, v] of Object.entries(p.profile ?? {})) if (LEAD_COLUMNS.has(col) && current[col] !== v) set[col] = v;
        const fields = Object.keys(set);
        await dropPendingChange(trx, s.id, 'lead');
        if (fields.length > 0) {
          await trx
            .updateTable('subjects')
            .set({ ...set, updated_at: at } as never)
            .where('id', '=', s.id)
            .execute();
          await recordEvents(trx, s.id, evidence, [
            { purpose: null, action: 'rectified', details: { fields, confirmedBy: 'address', change: 'lead', address: s.emailHash } },
          ]);
        }
        return { kind: 'profile_updated', fields };
      }

      const holder = await liveSubjectByHash(trx, p.emailHash!);
      const owner = holder && holder.id !== s.id ? holder : null;
      if (owner || !p.email) {
        // Confirming must not merge two people or take an address from its owner.
        await dropPendingChange(trx, s.id, 'address');
        return { kind: 'taken' };
      }
      const old = await trx.selectFrom('subjects').select(['email', 'email_hash']).where('id', '=', s.id).executeTakeFirstOrThrow();
      await switchAddressIn(trx, s.id, { hash: old.email_hash }, { email: p.email!, hash: p.emailHash! }, at);
      await dropPendingChange(trx, s.id, 'address');
      // A lead's profile waiting for the old address can no longer be confirmed by it.
      await dropPendingChange(trx, s.id, 'lead');
      const events: Parameters<typeof recordEvents>[3] = [
        {
          purpose: null,
          action: 'rectified',
          details: { fields: ['email'], from: old.email_hash, to: p.emailHash, confirmedBy: 'new-address', requestedAt: p.createdAt.toISOString() },
        },
      ];
      if (s.marketing === 'granted') {
        // The subscription moves only because the new address itself has just confirmed.
        events.push({ purpose: 'marketing', action: 'confirmed', details: { by: 'address-change-confirmation', address: p.emailHash } });
      }
      await recordEvents(trx, s.id, evidence, events);
      if (s.marketing === 'pending') {
        // The confirmation mailed to the old address is void now (bound to it): ask the new one.
        await enqueue(trx, {
          kind: 'confirm-subscription',
          subjectId: s.id,
          payload: { subjectId: s.id },
          idempotencyKey: `confirm-subscription:${s.id}:${at.getTime()}`,
          at,
        });
      }
      if (old.email) {
        await enqueue(trx, {
          kind: 'address-changed',
          subjectId: s.id,
          payload: { subjectId: s.id, to: old.email, locale: s.locale, changedAt: at.toISOString() },
          idempotencyKey: `address-changed:${p.id}`,
          at,
        });
      }
      return { kind: 'address_changed' };
    });
  } catch (e) {
    // Another person moved onto the same address in the same instant: the unique index decided.
    if ((e as { code?: string }).code !== '23505') throw e;
    await db.deleteFrom('pending_changes').where('id', '=', claims.pc).execute();
    return { kind: 'taken' };
  }
}
