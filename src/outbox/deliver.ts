/**
 * Delivery of the outbox: claims due rows, composes each mail (./compose.ts), sends it and
 * records the outcome (./claim.ts).
 */

import { forEachLimit } from '../concurrency.js';
import type { Config } from '../config/index.js';
import type { Db } from '../db/handle.js';
import { type Mailer, PermanentMailError } from '../emails/mailer.js';
import { type EmailName, isEmailName } from '../emails/render.js';
import type { LinkSigner } from '../links/tokens.js';
import type { Logger } from '../log.js';
import { redactAddresses } from '../privacy/redact.js';
import type { Clock } from '../time/clock.js';
import { claimDue, markDone, markFailed, type OutboxRow, RETRY_BACKOFF } from './claim.js';
import { compose, recipients } from './compose.js';
import { CANCELLED_UNSUBSCRIBED, CANCELLED_WITHDRAWN, mailAfterWithdrawal } from './queries.js';

export interface DeliveryDeps {
  db: Db;
  mailer: Mailer;
  signer: LinkSigner;
  config: Config;
  clock: Clock;
  logger: Logger;
  random?: () => number;
}

/**
 * Delivers due e-mail from the outbox: claims a batch under a lease, renders each message from
 * the person's current data, sends it with a Message-ID from the row's random token (the same on
 * every retry, so duplicates can be dropped; never one another database or a restore used), and records the outcome with backoff or dead-parking.
 */
export async function deliverEmails(
  deps: DeliveryDeps,
  opts: { limit?: number; leaseMs?: number; maxAttempts?: number; concurrency?: number; kinds?: EmailName[] } = {},
) {
  const now = deps.clock.now();
  const rows = await claimDue(deps.db, {
    now,
    leaseMs: opts.leaseMs ?? 5 * 60_000,
    limit: opts.limit ?? 100,
    kinds: opts.kinds,
  });
  const host = new URL(deps.config.publicBaseUrl).hostname;
  const stats = { sent: 0, retried: 0, dead: 0 };
  const people = await recipients(deps.db, rows);
  // Several messages in flight: the SMTP pool has a few connections, and each message also
  // waits on the database; the work per message stays one row's, so a failure is that row's.
  await forEachLimit(rows, opts.concurrency ?? 8, async (row) => {
    const failure = {
      now: deps.clock.now(),
      maxAttempts: opts.maxAttempts ?? deps.config.outboxMaxAttempts,
      ...RETRY_BACKOFF,
      random: deps.random ?? Math.random,
    };
    try {
      if (!isEmailName(row.kind)) throw new PermanentMailError(`unknown kind ${row.kind}`);
      const person = row.subject_id ? people.get(row.subject_id) : undefined;
      // Queued before the withdrawal committed (enqueue refuses it after): still not sent.
      if (person?.withdrawn && !mailAfterWithdrawal(row.kind)) {
        await markFailed(deps.db, row, CANCELLED_WITHDRAWN, { ...failure, permanent: true });
        stats.dead++;
        return;
      }
      // Asked to confirm, then unsubscribed before the confirmation went out: stop means stop.
      // Asking again (a new form, the way back) makes the consent pending and queues a new one.
      if (person?.marketingWithdrawn && row.kind === 'confirm-subscription') {
        await markFailed(deps.db, row, CANCELLED_UNSUBSCRIBED, { ...failure, permanent: true });
        stats.dead++;
        return;
      }
      const composed = await compose(deps, row as OutboxRow & { kind: EmailName }, person);
      if (!composed) {
        await markFailed(deps.db, row, 'nobody to write to: the person is erased or has no address', { ...failure, permanent: true });
        stats.dead++;
        return;
      }
      await deps.mailer.send({
        to: composed.to,
        from: deps.config.mailFrom,
        subject: composed.mail.subject,
        html: composed.mail.html,
        text: composed.mail.text,
        // The stored random token, not the row id alone: ids repeat in another database or after
        // a restore, and a mailbox drops a message whose Message-ID it has already seen.
        messageId: `<outbox-${row.id}.${row.message_token}@${host}>`,
        headers: { 'X-Idempotency-Key': row.idempotency_key, 'Auto-Submitted': 'auto-generated' },
        subjectId: row.subject_id,
      });
      await markDone(deps.db, row.id, deps.clock.now());
      // The last message to an erased person: once it is out, a store of sent mail keeps
      // nothing of them (the file mailer's copy of this one included).
      if (row.kind === 'erasure-completed' && row.subject_id) await deps.mailer.forget?.(row.subject_id);
      stats.sent++;
      deps.logger.info('mail sent', { outbox: row.id, kind: row.kind, subject: row.subject_id, attempt: row.attempts });
    } catch (e) {
      // Relays often quote the recipient ("550 <a@b>: no such user"): neither the row nor the log keeps it.
      const message = redactAddresses(e instanceof Error ? e.message : String(e));
      const outcome = await markFailed(deps.db, row, message, { ...failure, permanent: e instanceof PermanentMailError });
      stats[outcome === 'dead' ? 'dead' : 'retried']++;
      deps.logger.warn(outcome === 'dead' ? 'mail parked as dead' : 'mail failed, will retry', {
        outbox: row.id,
        kind: row.kind,
        attempt: row.attempts,
        error: message.slice(0, 300),
      });
    }
  });
  return stats;
}
