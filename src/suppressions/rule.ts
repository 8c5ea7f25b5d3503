import { sql } from 'kysely';
import type { SuppressionReason } from '../db/schema.js';

/**
 * The reasons that are the person's own acts, and so theirs to lift: `unsubscribed`,
 * `withdrawn`, and `erased` (the person's last act; only someone new at the address, a
 * confirmation issued after the erasure, lifts it). Only the person's own confirmed opt-in lifts
 * these ({@link confirmationLifts}); a new opt-in while one is active waits for confirmation.
 * Every other reason (`bounced`, `complained`, `manual`) only staff lift, with a reason, and it
 * outranks the person's own: suppressing with it replaces theirs ({@link suppressChanges}).
 */
export const SELF_REASONS: readonly SuppressionReason[] = ['unsubscribed', 'withdrawn', 'erased'];

/** One of {@link SELF_REASONS}. */
export type SelfReason = 'unsubscribed' | 'withdrawn' | 'erased';

/** Whether a reason is the person's own act ({@link SELF_REASONS}). Pure. */
export function isSelfReason(reason: SuppressionReason): boolean {
  return SELF_REASONS.includes(reason);
}

/** The reasons only staff lift: every reason that is not the person's own act. */
export const STAFF_REASONS: readonly SuppressionReason[] = ['bounced', 'complained', 'manual'];

/**
 * What a staff lift with a stated reason does to an address's entry. Pure.
 *
 * - no active entry: nothing (`not_suppressed`);
 * - the person's own act (`unsubscribed`, `withdrawn`, `erased`): refused (`own_act`); only their
 *   own confirmed opt-in lifts it;
 * - a staff reason over an act of the person's that still stands (a bounce after they
 *   unsubscribed, for an address of someone erased): the entry goes back to that act
 *   (`own_act_remains`), never to a tombstone the mail sender would read as "mail again";
 * - else `lifted`.
 *
 * `standing`: the person's own act that still holds, from their state (their erasure, their
 * withdrawn consent), or null.
 *
 * @example
 * staffLift({ active: true, reason: 'bounced' }, null)           // { outcome: 'lifted', was: 'bounced' }
 * staffLift({ active: true, reason: 'bounced' }, 'unsubscribed') // { outcome: 'own_act_remains', was: 'bounced', now: 'unsubscribed' }
 */
export function staffLift(
  current: { active: boolean; reason: SuppressionReason } | null | undefined,
  standing: SelfReason | null,
):
  | { outcome: 'not_suppressed' }
  | { outcome: 'own_act' | 'lifted'; was: SuppressionReason }
  | { outcome: 'own_act_remains'; was: SuppressionReason; now: SelfReason } {
  if (!current?.active) return { outcome: 'not_suppressed' };
  if (isSelfReason(current.reason)) return { outcome: 'own_act', was: current.reason };
  if (standing) return { outcome: 'own_act_remains', was: current.reason, now: standing };
  return { outcome: 'lifted', was: current.reason };
}

/**
 * Whether the address is suppressed by the person's own act: an opt-in then needs their
 * confirmation, whose confirmed link lifts it. Pure.
 */
export function selfSuppressed(s: { active: boolean; reason: SuppressionReason } | null | undefined): boolean {
  return !!s?.active && isSelfReason(s.reason);
}

/**
 * Whether a person's confirmed opt-in lifts an active suppression of their address. Pure.
 *
 * - `unsubscribed`, `withdrawn`: the person's own acts; their own new confirmation lifts them;
 * - `erased`: only a confirmation issued after the erasure (so by a new person, from a new
 *   lead: the erased one cannot confirm anything); a link from before the erasure never does;
 * - `bounced`, `complained`, `manual`: never; only staff lift those, with a reason.
 */
export function confirmationLifts(s: { reason: SuppressionReason; changedAt: Date }, linkIssuedAt: number): boolean {
  if (s.reason === 'unsubscribed' || s.reason === 'withdrawn') return true;
  if (s.reason === 'erased') return linkIssuedAt * 1000 >= s.changedAt.getTime();
  return false;
}

/**
 * Whether suppressing an address in this state (`null`: no entry yet) with `reason` changes its
 * entry: a new entry where none is active; or an upgrade from the person's own reason to one
 * only staff may lift (a bounce while unsubscribed must survive their next opt-in). An address
 * already actively suppressed otherwise keeps its entry as it is (a second click adds no feed
 * record). Pure; {@link ON_CONFLICT_SUPPRESS} is the same rule in SQL.
 *
 * @example
 * suppressChanges({ active: true, reason: 'unsubscribed' }, 'bounced') // true: an upgrade to a staff-only reason
 * suppressChanges({ active: true, reason: 'bounced' }, 'complained')   // false: already suppressed by staff-only reason
 */
export function suppressChanges(current: { active: boolean; reason: SuppressionReason } | null, reason: SuppressionReason): boolean {
  if (!current?.active) return true;
  return isSelfReason(current.reason) && !isSelfReason(reason);
}

/**
 * The one suppression upsert's conflict clause, for `insert into suppressions (hash, email,
 * subject_id, reason, active, seq, changed_at, created_at, actor_type, actor_id, note) ...`:
 * {@link suppressChanges} in SQL. A changed entry takes the new reason, actor and note, keeps
 * its address and person when the new ones are null, and waits (seq null) for the sequencer.
 * Used by `suppress()` (suppressions/queries.ts) and the one-click unsubscribe's statement.
 */
export const ON_CONFLICT_SUPPRESS = sql`on conflict (hash) do update set
  reason = excluded.reason, active = true, seq = null, changed_at = excluded.changed_at,
  email = coalesce(excluded.email, suppressions.email), subject_id = coalesce(excluded.subject_id, suppressions.subject_id),
  actor_type = excluded.actor_type, actor_id = excluded.actor_id, note = excluded.note
  where suppressions.active = false
     or (suppressions.reason = any(${[...SELF_REASONS]}::text[]) and not (excluded.reason = any(${[...SELF_REASONS]}::text[])))`;

/**
 * The reason an erasure leaves on the erased address's entry: a staff-only reason still active
 * (bounce, complaint, manual) is kept, since it says more; anything else becomes `erased`.
 * Pure; erasure/erase.ts writes the same in SQL.
 */
export function reasonAfterErasure(current: { active: boolean; reason: SuppressionReason } | null): SuppressionReason {
  return current?.active && !isSelfReason(current.reason) ? current.reason : 'erased';
}
