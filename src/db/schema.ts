import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type SubjectStatus = 'active' | 'restricted' | 'erased';
export type Purpose = 'processing' | 'marketing';
export type ConsentState = 'none' | 'pending' | 'granted' | 'withdrawn';
export type ActorType = 'subject' | 'staff' | 'mail_sender' | 'system';
export type SuppressionReason = 'unsubscribed' | 'withdrawn' | 'erased' | 'bounced' | 'complained' | 'manual';
export type RequestType =
  | 'access'
  | 'rectification'
  | 'restriction'
  | 'erasure'
  | 'appeal'
  | 'automated_decision_appeal'
  | 'withdrawal'
  /** A demand to stop processing (152-FZ art. 21 §5.1); see migration 0013. */
  | 'objection';
export type RequestStatus = 'received' | 'in_progress' | 'completed' | 'rejected';
export type ConsentAction =
  | 'granted'
  | 'requested'
  | 'confirmed'
  | 'withdrawn'
  | 'unsubscribed'
  | 'frequency_changed'
  | 'paused'
  | 'restricted'
  | 'unrestricted'
  | 'rectified'
  | 'erasure_requested'
  | 'erased'
  | 'suppressed'
  | 'unsuppressed'
  /** A person's choice per topic (migration 0015); details `{topic}`. */
  | 'topic_unsubscribed'
  | 'topic_subscribed';

export interface SubjectsTable {
  id: string;
  email: string | null;
  email_hash: string;
  last_name: string | null;
  first_name: string | null;
  patronymic: string | null;
  phone: string | null;
  website: string | null;
  organization: string | null;
  industry: string | null;
  city: string | null;
  locale: string;
  status: SubjectStatus;
  created_at: Timestamp;
  updated_at: Timestamp;
  erased_at: Timestamp | null;
}

export interface ConsentsTable {
  subject_id: string;
  purpose: Purpose;
  state: ConsentState;
  policy_version: string | null;
  updated_at: Timestamp;
}

export interface ConsentEventsTable {
  id: Generated<string>;
  subject_id: string;
  purpose: Purpose | null;
  action: ConsentAction;
  actor_type: ActorType;
  actor_id: string | null;
  occurred_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
  policy_version: string | null;
  source: string | null;
  campaign_id: string | null;
  details: unknown | null;
}

export interface PreferencesTable {
  subject_id: string;
  frequency: 'monthly' | 'standard';
  paused_until: ColumnType<string | null, string | null, string | null>;
  updated_at: Timestamp;
}

export interface SendsTable {
  campaign_id: string;
  subject_id: string;
  status: 'reserved' | 'sent' | 'released';
  reserved_at: Timestamp;
  expires_at: Timestamp;
  sent_at: Timestamp | null;
  released_at: Timestamp | null;
  /** The campaign's topic (migration 0016); null: mail of no topic. */
  topic: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SuppressionsTable {
  hash: string;
  email: string | null;
  subject_id: string | null;
  reason: SuppressionReason;
  active: boolean;
  /** bigint comes back from pg as a string. */
  seq: ColumnType<string | null, string | number | null, string | number | null>;
  changed_at: Timestamp;
  created_at: Timestamp;
  actor_type: ActorType;
  actor_id: string | null;
  note: string | null;
}

export interface RequestsTable {
  id: string;
  subject_id: string;
  type: RequestType;
  status: RequestStatus;
  channel: 'link' | 'staff';
  received_at: Timestamp;
  due_at: Timestamp;
  completed_at: Timestamp | null;
  status_reason: string | null;
  body: string | null;
  created_by: string | null;
  extensions: ColumnType<unknown, string | undefined, string>;
}

export interface PushCursorsTable {
  endpoint: string;
  last_seq: ColumnType<string, string | number, string | number>;
  attempts: number;
  next_attempt_at: Timestamp;
  locked_until: Timestamp | null;
  last_error: string | null;
  last_success_at: Timestamp | null;
}

export interface DisclosuresTable {
  id: string;
  subject_id: string;
  recipient: string;
  legal_basis: string;
  data_disclosed: string;
  disclosed_at: Timestamp;
  recorded_at: Timestamp;
  recorded_by: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  scopes: string[];
  created_at: Timestamp;
  revoked_at: Timestamp | null;
  /** Last bearer use or dashboard sign-in, written at most about once a minute (migration 0019). */
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface AuditLogTable {
  id: Generated<string>;
  key_id: string | null;
  subject_id: string | null;
  action: string;
  purpose: string | null;
  request_id: string | null;
  occurred_at: Timestamp;
}

export interface OutboxTable {
  id: Generated<string>;
  kind: string;
  subject_id: string | null;
  payload: unknown;
  idempotency_key: string;
  status: ColumnType<'pending' | 'done' | 'dead', 'pending' | 'done' | 'dead' | undefined>;
  attempts: ColumnType<number, number | undefined>;
  available_at: Timestamp;
  last_error: string | null;
  created_at: Timestamp;
  done_at: Timestamp | null;
  /** Random, set by the database at enqueue: the Message-ID's unique part (migration 0013). */
  message_token: Generated<string>;
}

/** Every address hash a person ever had (the current one included); see migration 0010. */
export interface SubjectAddressesTable {
  subject_id: string;
  email_hash: string;
  added_at: Timestamp;
  /** When the address stopped being theirs (a confirmed change); null for the current one. */
  replaced_at: Timestamp | null;
}

/** A change waiting for the address it concerns to confirm it; see migration 0011. */
export interface PendingChangesTable {
  id: string;
  subject_id: string;
  kind: 'address' | 'lead';
  /** The new address (kind `address`): personal data, deleted with the row; null when it was another person's. */
  email: string | null;
  email_hash: string | null;
  /** The submitted profile (kind `lead`): column name → value, plus `locale`. */
  profile: unknown | null;
  requested_by_type: ActorType;
  requested_by_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** Providers whose reports `POST /v1/events/mail-sender` reads (migration 0006). */
export type MailSenderProvider = 'generic' | 'ses' | 'postmark';
/** What a mail-sender report says happened to an address. */
export type MailSenderEventType = 'hard_bounce' | 'soft_bounce' | 'complaint' | 'unsubscribe';

/** Per keyed address hash, the recent soft bounces inside the counting window (migration 0006). */
export interface MailSenderSoftBouncesTable {
  hash: string;
  bounced_at: ColumnType<Date[], Date[] | string, Date[] | string>;
  updated_at: Timestamp;
}

/** Every provider event already applied, so a replayed webhook changes nothing. Holds no address. */
export interface MailSenderEventsTable {
  provider: MailSenderProvider;
  event_id: string;
  hash: string;
  type: MailSenderEventType;
  received_at: Timestamp;
}

/** Fixed-window counters for public forms; keys are keyed hashes, never the values (migration 0007). */
export interface RateLimitsTable {
  key: string;
  window_start: Timestamp;
  count: number;
}

/** The operator's kinds of advertising mail (migration 0015); never deleted, `removed_at` marks a removal. */
export interface TopicsTable {
  key: string;
  name_ru: string;
  name_en: string;
  description_ru: string;
  description_en: string;
  default_subscribed: boolean;
  counts_toward_cap: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
  removed_at: Timestamp | null;
}

/** A person's current choice per topic (migration 0015); each change is also a ledger row. */
export interface TopicChoicesTable {
  subject_id: string;
  topic: string;
  subscribed: boolean;
  updated_at: Timestamp;
}

/** The feed's topic-scoped records, keyed by (hash, topic), numbered from the same sequence (migration 0015). */
export interface TopicSuppressionsTable {
  hash: string;
  topic: string;
  subject_id: string | null;
  reason: SuppressionReason;
  active: boolean;
  seq: ColumnType<string | null, string | number | null, string | number | null>;
  changed_at: Timestamp;
  created_at: Timestamp;
  actor_type: ActorType;
  actor_id: string | null;
}

/** One import of subjects or suppressions (migration 0018); updated with every batch it commits. */
export interface ImportsTable {
  id: string;
  kind: 'subjects' | 'suppressions';
  status: 'running' | 'done';
  file_name: string | null;
  file_sha256: string | null;
  source: string;
  options: unknown;
  committed_line: ColumnType<number, number | undefined, number>;
  fingerprint: ColumnType<string, string | undefined, string>;
  counts: unknown;
  key_id: string | null;
  started_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

/** A row of an import's report (migration 0018): never the address, nor any other column of the file. */
export interface ImportRejectsTable {
  import_id: string;
  line: number;
  reason: string;
  detail: string;
}

export interface Database {
  subjects: SubjectsTable;
  consents: ConsentsTable;
  consent_events: ConsentEventsTable;
  preferences: PreferencesTable;
  sends: SendsTable;
  suppressions: SuppressionsTable;
  requests: RequestsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  outbox: OutboxTable;
  disclosures: DisclosuresTable;
  push_cursors: PushCursorsTable;
  subject_addresses: SubjectAddressesTable;
  pending_changes: PendingChangesTable;
  mail_sender_soft_bounces: MailSenderSoftBouncesTable;
  mail_sender_events: MailSenderEventsTable;
  rate_limits: RateLimitsTable;
  topics: TopicsTable;
  topic_choices: TopicChoicesTable;
  topic_suppressions: TopicSuppressionsTable;
  imports: ImportsTable;
  import_rejects: ImportRejectsTable;
}

export type Subject = Selectable<SubjectsTable>;
export type NewConsentEvent = Insertable<ConsentEventsTable>;
export type Suppression = Selectable<SuppressionsTable>;
