import { mailEvidence } from '../consent/evidence.js';
import type { ResolvedDeps } from '../deps.js';
import type { TokenFailure } from '../links/tokens.js';
import type { Metrics } from '../metrics/metrics.js';
import { type UnsubscribeByTokenOutcome, unsubscribeByToken } from './by-link.js';
import { type AutomatedReason, automatedReason, type InboundMail, isUnsubscribeAddress, tokenCandidates } from './mailto.js';

/** How a message reached us: the built-in listener, or a provider's inbound webhook. */
export type MailWayIn = 'smtp' | 'ses' | 'postmark';

export type MailUnsubscribeOutcome =
  /** A machine's message (bounce, auto-reply): nothing read, nothing written. */
  | { kind: 'ignored'; reason: AutomatedReason }
  /** No unsubscribe address among the recipients (the webhook sees every inbound message). */
  | { kind: 'not_for_us' }
  /** No token in the address or the subject. */
  | { kind: 'no_token' }
  /** Tokens found, none valid (the first refusal's reason). Nothing written. */
  | { kind: 'invalid_token'; reason: TokenFailure }
  | Exclude<UnsubscribeByTokenOutcome, { kind: 'refused' }>;

/**
 * A message sent to the `mailto:` entry of `List-Unsubscribe`: when it is a person's (not a
 * bounce or an auto-reply) and carries a valid unsubscribe link token (in the address or the
 * subject, ./mailto.ts), it unsubscribes exactly as the one-click POST does
 * ({@link unsubscribeByToken}), with the evidence of a mailed act (`mailEvidence`: source
 * `mailto:<way in>`, no relay IP).
 *
 * The token decides, never the From address: From is whatever the sender typed (anyone can
 * write anyone's address there, and nothing here checks SPF or DKIM), while the token is
 * signed by us and was mailed only to the person it names. A message from another mailbox with
 * a valid token is a forwarded link, which unsubscribes just as clicking it would.
 *
 * Without `UNSUBSCRIBE_MAILTO` nothing is ours: every message is `not_for_us`.
 *
 * @example
 * const outcome = await unsubscribeByMail(deps, mail, 'smtp');
 */
export async function unsubscribeByMail(
  deps: Pick<ResolvedDeps, 'db' | 'config' | 'signer' | 'clock'> & { metrics?: Pick<Metrics, 'unsubscribed'> },
  mail: InboundMail,
  way: MailWayIn,
): Promise<MailUnsubscribeOutcome> {
  const address = deps.config.unsubscribeMailto;
  if (!address) return { kind: 'not_for_us' };
  if (!mail.recipients.some((r) => isUnsubscribeAddress(r, address))) return { kind: 'not_for_us' };
  const automated = automatedReason(mail);
  if (automated) return { kind: 'ignored', reason: automated };
  const candidates = tokenCandidates(mail, address);
  if (candidates.length === 0) return { kind: 'no_token' };
  let refusal: TokenFailure | null = null;
  for (const token of candidates) {
    const outcome = await unsubscribeByToken(deps, token, (claims) => mailEvidence(deps, claims, `mailto:${way}`));
    if (outcome.kind !== 'refused') return outcome;
    refusal ??= outcome.reason;
  }
  return { kind: 'invalid_token', reason: refusal ?? 'malformed' };
}

/**
 * The log fields of an outcome: ids and reasons only, never an address or a subject line.
 */
export function mailOutcomeLog(outcome: MailUnsubscribeOutcome): Record<string, string> {
  switch (outcome.kind) {
    case 'ignored':
    case 'invalid_token':
      return { outcome: outcome.kind, reason: outcome.reason };
    case 'unsubscribed':
    case 'already':
    case 'unknown_subject':
      return { outcome: outcome.kind, subject: outcome.subjectId };
    default:
      return { outcome: outcome.kind };
  }
}
