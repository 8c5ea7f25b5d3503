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
  /** The person the message is about (its outbox row's subject), so a store of sent mail can forget them. */
  subjectId?: string | null;
}

/** Where mail goes: SMTP in production, files in development. Implementations are per runtime. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  /** Human-readable destination for the log (no credentials). */
  readonly describe: string;
  /** Ends pooled connections (on shutdown); sends after it fail. */
  close(): Promise<void>;
  /**
   * Deletes whatever this mailer kept of the messages about a person (the file mailer's `.eml`
   * files); erasure calls it. Absent where nothing is kept (SMTP: the mail has left us).
   * Returns how many messages were forgotten.
   */
  forget?(subjectId: string): Promise<number>;
}

/** A delivery failure that retrying cannot fix (the relay refused the recipient for good). */
export class PermanentMailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentMailError';
  }
}
