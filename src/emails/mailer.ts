/** A message ready to go: addresses come from the database at delivery time, never from the outbox. */
export interface OutgoingMail {
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  /** Stable per outbox row, so a receiver (or our relay) can drop a duplicate delivery. */
  messageId: string;
  headers?: Record<string, string>;
}

/** Where mail goes: SMTP in production, files in development. Implementations are per runtime. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  /** Human-readable destination for the log (no credentials). */
  readonly describe: string;
  /** Ends pooled connections (on shutdown); sends after it fail. */
  close(): Promise<void>;
}

/** A delivery failure that retrying cannot fix (the relay refused the recipient for good). */
export class PermanentMailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentMailError';
  }
}
