import type { Context } from 'hono';
import { sql } from 'kysely';
import { normalizeEmail } from '../consent/email.js';
import type { Db } from '../db/handle.js';
import type { ResolvedDeps } from '../deps.js';
import { enqueue } from '../outbox/queries.js';
import { withinLimit } from '../pages/rate-limit.js';
import { liveSubjectByHash } from '../subjects/lookup.js';
import { loadSubjectState } from '../subjects/queries.js';
import type { LinkPurpose } from './tokens.js';

/** At most one link mail per person and purpose, and one request per typed address, in this time. */
export const FRESH_LINK_WINDOW_MS = 10 * 60 * 1000;
/** "Mail me a link" requests one client address may make in an hour, whatever they name. */
export const FRESH_LINK_PER_IP_HOUR = 10;

/**
 * Counts one "mail me something" request (a fresh link, a confirmation to subscribe again)
 * against the client's hourly budget; false once it is spent. The client address is kept only
 * as a keyed hash.
 */
export async function clientWithinMailLimit(deps: ResolvedDeps, c: Context): Promise<boolean> {
  const ip = deps.clientIp(c) ?? 'unknown';
  return withinLimit(deps.db, `fresh-link:ip:${await deps.hasher.hash(`ip:${ip}`)}`, {
    max: FRESH_LINK_PER_IP_HOUR,
    windowMs: 3_600_000,
    now: deps.clock.now(),
  });
}

export type FreshLinkOutcome = 'accepted' | 'too_many';

/**
 * A request, from a public page, to mail a link of `purpose`: to the person a signed link
 * named (`subjectId`), or, when an address was typed, to whoever owns that address (their own
 * mailbox, so typing someone else's address only sends them their own link). Limited per client
 * address (a keyed hash, never the IP itself) and per typed address, and a person gets at most
 * one such mail per purpose in {@link FRESH_LINK_WINDOW_MS} (checked under their row lock).
 * Unknown, erased and over-limit addresses are `accepted` like any other, so the answer reveals
 * nothing; only the per-client limit answers `too_many`, and it does not depend on the address.
 *
 * The expired-link pages and the damaged-link page (`POST /u/by-address`) both ask through here.
 */
export async function requestFreshLink(
  deps: ResolvedDeps,
  c: Context,
  req: { purpose: Exclude<LinkPurpose, 'u'>; subjectId: string | null; typedEmail: string | null },
): Promise<FreshLinkOutcome> {
  const now = deps.clock.now();
  if (!(await clientWithinMailLimit(deps, c))) return 'too_many';
  let subjectId = req.subjectId;
  if (req.typedEmail) {
    const email = normalizeEmail(req.typedEmail);
    const hash = email ? await deps.hasher.hash(email) : null;
    subjectId = null;
    if (hash && (await withinLimit(deps.db, `fresh-link:addr:${hash}`, { max: 1, windowMs: FRESH_LINK_WINDOW_MS, now }))) {
      subjectId = (await liveSubjectByHash(deps.db, hash))?.id ?? null;
    }
  }
  if (!subjectId) return 'accepted';
  await queueFreshLink(deps.db, subjectId, req.purpose, now);
  return 'accepted';
}

export type QueueFreshLinkOutcome = 'queued' | 'recent' | 'unknown_subject';

/**
 * Queues a `fresh-link` mail of `purpose` to a person, unless they are gone or one went in the
 * last {@link FRESH_LINK_WINDOW_MS}: checked under their row lock, so two requests at once
 * queue one mail.
 */
export async function queueFreshLink(db: Db, subjectId: string, purpose: Exclude<LinkPurpose, 'u'>, now: Date): Promise<QueueFreshLinkOutcome> {
  return db.transaction().execute(async (trx) => {
    const s = await loadSubjectState(trx, subjectId, { lock: true });
    if (!s || s.status === 'erased') return 'unknown_subject';
    const recent = await trx
      .selectFrom('outbox')
      .select('id')
      .where('subject_id', '=', s.id)
      .where('kind', '=', 'fresh-link')
      .where('created_at', '>', new Date(now.getTime() - FRESH_LINK_WINDOW_MS))
      .where(sql<boolean>`payload->>'purpose' = ${purpose}`)
      .executeTakeFirst();
    if (recent) return 'recent';
    await enqueue(trx, {
      kind: 'fresh-link',
      subjectId: s.id,
      payload: { subjectId: s.id, purpose },
      idempotencyKey: `fresh-link:${s.id}:${purpose}:${now.getTime()}`,
      at: now,
    });
    return 'queued';
  });
}
