import { sql } from 'kysely';
import type { Db } from '../db/handle.js';
import type { ConsentState } from '../db/schema.js';
import { enqueue } from '../outbox/queries.js';
import { stagePendingChange } from '../pending/queries.js';
import { liveSubjectByHash } from '../subjects/lookup.js';
import { COLUMN, PROFILE_FIELDS, type ProfileField } from '../subjects/profile.js';
import { selfSuppressed as isSelfSuppressed } from '../suppressions/rule.js';
import type { EmailHasher } from './hash.js';
import { type Evidence, recordEvents } from './ledger.js';
import { marketingOnOptIn } from './rules.js';

/** Two flat objects hold the same keys and values, whatever their order (jsonb reorders keys). */
function sameValues(a: unknown, b: Record<string, string>): boolean {
  if (!a || typeof a !== 'object') return false;
  const x = a as Record<string, unknown>;
  return Object.keys(x).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => x[k] === v);
}

export interface Lead {
  email: string; // normalized
  profile: Partial<Record<ProfileField, string>>;
  locale: 'ru' | 'en' | undefined;
  marketing: boolean;
  policyVersion: string;
  source: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface CaptureResult {
  id: string;
  created: boolean;
  /**
   * Whether the same channel (API key) had already submitted this address for this person:
   * only then may the answer differ from a first submission's (see consent/routes.ts).
   */
  seenByChannel: boolean;
  consents: { processing: ConsentState; marketing: ConsentState };
  /** The submitted profile differed from the stored one and waits for the address to confirm it. */
  profilePending: boolean;
  /**
   * The consents this submission would give a person new at this address (the same as
   * `consents` for a new person): what a key that never submitted the address is told, so the
   * answer does not depend on whether anyone else knew it.
   */
  asFirstSubmission: { processing: ConsentState; marketing: ConsentState };
}

/**
 * Registers a lead: finds the live person by keyed hash or creates them, applies the form's
 * consents, and appends the evidence. A new person gets the form's fields; for a known one
 * the fields go no further than a pending change mailed to that address (whoever typed the
 * address into a form need not own it): they replace the stored ones only when the owner
 * confirms. One transaction; a failure writes nothing.
 */
export async function captureLead(
  db: Db,
  deps: { hasher: EmailHasher; doubleOptIn: boolean; defaultLocale: string; newId: () => string; confirmationTtlDays: number },
  lead: Lead,
  evidence: Omit<Evidence, 'ip' | 'userAgent' | 'policyVersion' | 'source'>,
): Promise<CaptureResult> {
  const hash = await deps.hasher.hash(lead.email);
  const at = evidence.at;
  const ev: Evidence = { ...evidence, ip: lead.ip, userAgent: lead.userAgent, policyVersion: lead.policyVersion, source: lead.source };
  const profile: Record<string, string> = {};
  for (const f of PROFILE_FIELDS) if (lead.profile[f] !== undefined) profile[COLUMN[f]] = lead.profile[f]!;

  return db.transaction().execute(async (trx) => {
    let created = false;
    let subject: { id: string } | null = await liveSubjectByHash(trx, hash, { lock: true });
    if (!subject) {
      // Two concurrent submissions of one new address: the unique index lets one insert win;
      // the other finds the winner's row and proceeds as an update.
      const inserted = await trx
        .insertInto('subjects')
        .values({
          id: deps.newId(),
          email: lead.email,
          email_hash: hash,
          ...profile,
          locale: lead.locale ?? deps.defaultLocale,
          status: 'active',
          created_at: at,
          updated_at: at,
          erased_at: null,
        })
        .onConflict((oc) => oc.column('email_hash').where(sql<boolean>`status <> 'erased'`).doNothing())
        .returning(['id', 'status'])
        .executeTakeFirst();
      if (inserted) {
        subject = inserted;
        created = true;
        await trx.insertInto('subject_addresses').values({ subject_id: inserted.id, email_hash: hash, added_at: at, replaced_at: null }).execute();
      } else {
        subject = await liveSubjectByHash(trx, hash, { lock: true });
        if (!subject) throw new Error('captureLead: the live person whose insert won is gone');
      }
    }
    const subjectId = subject.id;
    // A suppression entered by hand before the person registered is theirs now: erasure finds
    // and blanks it through this link even after the address is rectified.
    await trx.updateTable('suppressions').set({ subject_id: subjectId }).where('hash', '=', hash).where('subject_id', 'is', null).execute();
    const seenByChannel =
      !created && ev.actorId
        ? !!(await trx
            .selectFrom('consent_events')
            .select('id')
            .where('subject_id', '=', subjectId)
            .where('actor_id', '=', ev.actorId)
            .where('purpose', '=', 'processing')
            .where('action', '=', 'granted')
            .where(sql<string>`details->>'address'`, '=', hash)
            .executeTakeFirst())
        : false;
    let profilePending = false;
    const events: Parameters<typeof recordEvents>[3] = [{ purpose: 'processing', action: 'granted', details: { address: hash } }];
    if (!created) {
      const stored = (await trx.selectFrom('subjects').selectAll().where('id', '=', subjectId).executeTakeFirstOrThrow()) as unknown as Record<string, unknown>;
      const staged: Record<string, string> = {};
      for (const [col, v] of Object.entries(profile)) if (stored[col] !== v) staged[col] = v;
      if (lead.locale && lead.locale !== stored.locale) staged.locale = lead.locale;
      const fields = Object.keys(staged);
      // The same values as the ones already waiting: the form posted again; no second mail.
      const waiting =
        fields.length > 0
          ? await trx
              .selectFrom('pending_changes')
              .select('profile')
              .where('subject_id', '=', subjectId)
              .where('kind', '=', 'lead')
              .where('expires_at', '>', at)
              .executeTakeFirst()
          : undefined;
      const waitingProfile = typeof waiting?.profile === 'string' ? JSON.parse(waiting.profile) : waiting?.profile;
      if (fields.length > 0 && !sameValues(waitingProfile, staged)) {
        // The newest submission supersedes an older one still waiting.
        const pendingId = deps.newId();
        await stagePendingChange(trx, {
          id: pendingId,
          subjectId,
          kind: 'lead',
          profile: staged,
          requestedBy: { type: ev.actorType, id: ev.actorId ?? null },
          at,
          expiresAt: new Date(at.getTime() + deps.confirmationTtlDays * 86_400_000),
        });
        await enqueue(trx, { kind: 'confirm-details', subjectId, payload: { subjectId, pendingId }, idempotencyKey: `confirm-details:${pendingId}`, at });
        events.push({ purpose: null, action: 'requested', details: { change: 'profile', fields } });
        profilePending = true;
      }
    }

    const current = await trx.selectFrom('consents').select(['purpose', 'state']).where('subject_id', '=', subjectId).execute();
    const stateOf = (p: 'processing' | 'marketing'): ConsentState => current.find((c) => c.purpose === p)?.state ?? 'none';

    let marketing = stateOf('marketing');
    let needsConfirmation = false;
    let firstSubmission: ConsentState = 'none';
    if (lead.marketing) {
      const suppression = await trx.selectFrom('suppressions').select(['reason', 'active']).where('hash', '=', hash).executeTakeFirst();
      const selfSuppressed = isSelfSuppressed(suppression);
      const decision = marketingOnOptIn(marketing, { doubleOptIn: deps.doubleOptIn, selfSuppressed });
      firstSubmission = marketingOnOptIn('none', { doubleOptIn: deps.doubleOptIn, selfSuppressed }).next;
      marketing = decision.next;
      needsConfirmation = decision.needsConfirmation;
      events.push({ purpose: 'marketing', action: decision.next === 'granted' ? 'granted' : 'requested' });
    }

    const rows = [
      { subject_id: subjectId, purpose: 'processing' as const, state: 'granted' as const, policy_version: lead.policyVersion, updated_at: at },
      { subject_id: subjectId, purpose: 'marketing' as const, state: marketing, policy_version: lead.marketing ? lead.policyVersion : null, updated_at: at },
    ];
    await trx
      .insertInto('consents')
      .values(lead.marketing ? rows : [rows[0]!, ...(current.some((c) => c.purpose === 'marketing') ? [] : [rows[1]!])])
      .onConflict((oc) =>
        oc.columns(['subject_id', 'purpose']).doUpdateSet({
          state: (eb) => eb.ref('excluded.state'),
          policy_version: (eb) => eb.ref('excluded.policy_version'),
          updated_at: (eb) => eb.ref('excluded.updated_at'),
        }),
      )
      .execute();
    if (created) {
      await trx.insertInto('preferences').values({ subject_id: subjectId, frequency: 'standard', paused_until: null, updated_at: at }).execute();
    }
    await recordEvents(trx, subjectId, ev, events);
    if (needsConfirmation) {
      await enqueue(trx, {
        kind: 'confirm-subscription',
        subjectId,
        payload: { subjectId },
        idempotencyKey: `confirm-subscription:${subjectId}:${at.getTime()}`,
        at,
      });
    }
    return {
      id: subjectId,
      created,
      seenByChannel,
      profilePending,
      consents: { processing: 'granted', marketing },
      asFirstSubmission: { processing: 'granted', marketing: firstSubmission },
    };
  });
}
