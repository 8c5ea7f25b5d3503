// Mail through an HTTP mail API: the way out on Cloudflare Workers, where SMTP is not available
// everywhere. Runtime-neutral (fetch only), so the Workers entry and Node can both use it.
import { type Mailer, type OutgoingMail, PermanentMailError } from './mailer.js';

/** `json`: our own documented body (README "The mail API"); `postmark`: Postmark's `/email` API. */
export type MailApiFormat = 'json' | 'postmark';

export interface HttpMailerOptions {
  /** The endpoint each message is POSTed to (Postmark: `https://api.postmarkapp.com/email`). */
  url: string;
  /** The API key: `Authorization: Bearer <key>` (json) or `X-Postmark-Server-Token` (postmark). */
  key: string;
  format: MailApiFormat;
  /** The runtime's fetch by default; tests may pass their own. */
  fetch?: typeof fetch;
  /** A hung API fails the try (retried later) instead of stalling the job (default 15 s). */
  timeoutMs?: number;
}

/**
 * The body of one message in the `json` format: the same fields as {@link OutgoingMail}, the
 * precompiled templates' HTML and text as rendered.
 *
 * @example
 * { "from": "News <news@example.ru>", "to": "anna@example.ru", "subject": "…", "html": "<!doctype html>…",
 *   "text": "…", "messageId": "<outbox-42.k3…@prefs.example.ru>",
 *   "headers": { "List-Unsubscribe": "<https://…>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" } }
 */
export interface MailApiMessage {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
}

function jsonRequest(mail: OutgoingMail, key: string): RequestInit {
  const body: MailApiMessage = {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    messageId: mail.messageId,
    headers: mail.headers ?? {},
  };
  return {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      accept: 'application/json',
      // The same on every retry of one outbox row: a receiver that keeps it drops a duplicate.
      'idempotency-key': mail.messageId,
    },
    body: JSON.stringify(body),
  };
}

function postmarkRequest(mail: OutgoingMail, key: string): RequestInit {
  const headers = Object.entries({ ...(mail.headers ?? {}), 'Message-ID': mail.messageId }).map(([Name, Value]) => ({ Name, Value }));
  return {
    method: 'POST',
    headers: { 'x-postmark-server-token': key, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ From: mail.from, To: mail.to, Subject: mail.subject, HtmlBody: mail.html, TextBody: mail.text, Headers: headers }),
  };
}

/**
 * Whether an answer refuses this message for good: the API understood us and said no to the
 * message (400, 404, 410, 413, 422; Postmark's 422 carries an inactive recipient or a bad
 * address). A bad key (401, 403), a limit (408, 429) or the API's own trouble (5xx) is the
 * operator's or the moment's, not the message's: retried.
 */
export function refusesForGood(status: number): boolean {
  return [400, 404, 410, 413, 422].includes(status);
}

/**
 * A {@link Mailer} that POSTs each message to an HTTP mail API. 2xx is sent; a refusal for good
 * (see {@link refusesForGood}) is a {@link PermanentMailError}; anything else throws a plain
 * error and the outbox retries with backoff. The API's answer is kept short in the error (the
 * outbox redacts addresses before it stores it).
 *
 * @example
 * const mailer = httpMailer({ url: 'https://api.postmarkapp.com/email', key: env.MAIL_API_KEY, format: 'postmark' });
 * await mailer.send({ to, from, subject, html, text, messageId });
 */
export function httpMailer(opts: HttpMailerOptions): Mailer {
  const doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const u = new URL(opts.url);
  return {
    describe: `${opts.format} mail API at ${u.protocol}//${u.host}${u.pathname}`,
    async send(mail) {
      const init = opts.format === 'postmark' ? postmarkRequest(mail, opts.key) : jsonRequest(mail, opts.key);
      const res = await doFetch(opts.url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      const answer = (await res.text().catch(() => '')).slice(0, 300);
      if (res.ok) return;
      const message = `mail API ${res.status}: ${answer}`;
      if (refusesForGood(res.status)) throw new PermanentMailError(message);
      throw new Error(message);
    },
    async close() {},
  };
}
