import { normalizeEmail } from '../consent/email.js';
import { appendLedger } from '../consent/ledger.js';
import type { Db } from '../db/handle.js';
import type { SuppressionReason } from '../db/schema.js';
import { findHashOwners, splitOwners } from '../erasure/owners.js';
import { liftEach, lockSuppressions, replaceReasons, suppressEach } from './queries.js';
import { type SelfReason, STAFF_REASONS, staffLift } from './rule.js';

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

/** What a staff lift did to each entry, in the order given (see {@link staffLift}). */
export type LiftResult =
  | { index: number; outcome: 'not_suppressed' }
  | { index: number; outcome: 'own_act' | 'lifted'; was: SuppressionReason }
  | { index: number; outcome: 'own_act_remains'; was: SuppressionReason; now: SelfReason };

export type LiftOutcome = { kind: 'done'; lifted: number; results: LiftResult[] } | { kind: 'invalid'; entries: number[] };

/**
 * Staff lift suppressions with a stated reason, all or nothing on bad input: only bounces,
 * complaints and manual entries, and never past an act of the person's that still stands
 * ({@link staffLift}). A lifted entry stays as a tombstone with the reason as its note and
 * a new feed record; each person whose entry was lifted gets an `unsuppressed` ledger row.
 * The same address twice in one call is decided once, by its first entry. Set-based.
 *
 * @example
 * await liftSuppressions(db, [{ email: 'a@example.ru', reason: 'ticket 88' }], { keyId, at }, hasher)
 */
export async function liftSuppressions(
  db: Db,
  entries: readonly { email: string; reason: string }[],
  by: { keyId: string; at: Date },
  hasher: { hash: (email: string) => Promise<string> },
): Promise<LiftOutcome> {
  const normalized = entries.map((e, index) => ({ email: normalizeEmail(e.email), note: e.reason, index }));
  const bad = normalized.filter((e) => !e.email).map((e) => e.index);
  if (bad.length) return { kind: 'invalid', entries: bad };
  const hashed = await Promise.all(normalized.map(async (e) => ({ ...e, hash: await hasher.hash(e.email!) })));
  const hashes = hashed.map((e) => e.hash);
  const staff = { actorType: 'staff' as const, actorId: by.keyId, at: by.at };
  return db.transaction().execute(async (trx) => {
    const current = new Map((await lockSuppressions(trx, hashes)).map((r) => [r.hash, r]));
    const { live, erased } = splitOwners(await findHashOwners(trx, hashes));
    const standing = await standingActs(trx, live, erased);
    const seen = new Set<string>();
    const results: LiftResult[] = [];
    const toLift: { hash: string; note: string }[] = [];
    const toReplace: { hash: string; reason: SuppressionReason }[] = [];
    for (const e of hashed) {
      const decided = seen.has(e.hash) ? ({ outcome: 'not_suppressed' } as const) : staffLift(current.get(e.hash), standing.get(e.hash) ?? null);
      seen.add(e.hash);
      results.push({ index: e.index, ...decided });
      if (decided.outcome === 'lifted') toLift.push({ hash: e.hash, note: e.note });
      if (decided.outcome === 'own_act_remains') toReplace.push({ hash: e.hash, reason: decided.now });
    }
    const lifted = await liftEach(trx, toLift, { ...staff, reasons: STAFF_REASONS });
    await replaceReasons(trx, toReplace, { ...staff, from: STAFF_REASONS });
    await appendLedger(
      trx,
      hashed.flatMap((e) => {
        const owner = live.get(e.hash);
        const r = results[e.index]!;
        if (!owner || !lifted.has(e.hash) || r.outcome !== 'lifted') return [];
        return [
          {
            subjectId: owner.id,
            action: 'unsuppressed' as const,
            details: { by: 'staff', was: r.was },
            evidence: { actorType: 'staff' as const, actorId: by.keyId, at: by.at },
          },
        ];
      }),
    );
    return { kind: 'done' as const, lifted: lifted.size, results };
  });
}

/**
 * The person's own act that still stands behind each address: `erased` for an address only an
 * erased person had, `withdrawn` when the live owner withdrew consent to processing, and
 * `unsubscribed` when they withdrew advertising consent.
 */
async function standingActs(db: Db, live: Map<string, { id: string }>, erased: Map<string, string>): Promise<Map<string, SelfReason>> {
  const out = new Map<string, SelfReason>();
  for (const hash of erased.keys()) out.set(hash, 'erased');
  const ids = [...live.values()].map((p) => p.id);
  if (ids.length === 0) return out;
  const withdrawn = await db.selectFrom('consents').select(['subject_id', 'purpose']).where('subject_id', 'in', ids).where('state', '=', 'withdrawn').execute();
  const byPerson = new Map<string, SelfReason>();
  for (const w of withdrawn)
    if (w.purpose === 'processing' || !byPerson.has(w.subject_id)) byPerson.set(w.subject_id, w.purpose === 'processing' ? 'withdrawn' : 'unsubscribed');
  for (const [hash, p] of live) {
    const act = byPerson.get(p.id);
    if (act) out.set(hash, act);
  }
  return out;
}
