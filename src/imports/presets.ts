import type { SuppressionReason } from '../db/schema.js';

/**
 * What a column of an import file may mean. Subjects files: the address, the profile fields of
 * subjects/profile.ts (plus `name`, a full name split into first and last), the locale, the
 * consent claim and its evidence, and a status that may say the person left. Suppressions
 * files: the address and the reason.
 */
export const TARGETS = [
  'email',
  'firstName',
  'lastName',
  'patronymic',
  'name',
  'phone',
  'website',
  'organization',
  'industry',
  'city',
  'locale',
  /** A claim of consent to advertising mail (`yes`, `true`, `1`, `subscribed`, `confirmed`...). Never evidence alone. */
  'consent',
  /** When consent to advertising mail was given: the evidence that makes an import `granted`. */
  'consentAt',
  /** The IP it was given from. */
  'consentIp',
  /** When a double opt-in was confirmed. */
  'confirmAt',
  /** The old tool's status of the address (`unsubscribed`, `blocklisted`, `cleaned`, `bounced`...). */
  'status',
  /** When the old tool unsubscribed the address (its presence means unsubscribed). */
  'unsubscribedAt',
  /** When the old tool cleaned the address (hard bounces; its presence means bounced). */
  'cleanedAt',
  /** Suppressions files: the reason or type of the entry (bounce, spam report, unsubscribe...). */
  'reason',
] as const;
export type Target = (typeof TARGETS)[number];

export type ImportKind = 'subjects' | 'suppressions';

/**
 * A preset: the export of a real tool, its columns by header name (matched ignoring case and
 * surrounding spaces; the first header found of a list wins), and for suppression exports the
 * reason every row stands for. Each is tested on a sample in its real format
 * (test/imports/fixtures/).
 */
export interface Preset {
  kind: ImportKind;
  description: string;
  columns: Partial<Record<Target, readonly string[]>>;
  /** Suppression exports of one kind (a SendGrid bounces file): the reason of every row. */
  reason?: SuppressionReason;
}

export const PRESETS = {
  /**
   * listmonk's subscribers export (Subscribers → Export; `uuid,email,name,attributes,status,
   * created_at,updated_at`, per listmonk's own source). It carries no opt-in time: `created_at`
   * is when the record was made, not consent, so everything imports as `none` unless the
   * operator says otherwise with `--map consentAt=created_at`. `status` `blocklisted` means
   * unsubscribed from everything.
   */
  listmonk: {
    kind: 'subjects',
    description: 'listmonk subscribers CSV: uuid,email,name,attributes,status,created_at,updated_at',
    columns: { email: ['email'], name: ['name'], status: ['status'] },
  },
  /**
   * Mautic's contacts export (Contacts → Export to CSV): the contact fields by alias. No opt-in
   * time in it (`date_added` is when the contact was made), so consent imports as `none`.
   */
  mautic: {
    kind: 'subjects',
    description: 'Mautic contacts CSV: id,firstname,lastname,email,company,phone,mobile,city,website,preferred_locale,...',
    columns: {
      email: ['email'],
      firstName: ['firstname'],
      lastName: ['lastname'],
      organization: ['company'],
      phone: ['phone', 'mobile'],
      city: ['city'],
      website: ['website'],
      locale: ['preferred_locale'],
    },
  },
  /**
   * Mailchimp's audience export (a ZIP of subscribed, unsubscribed and cleaned members CSVs).
   * `OPTIN_TIME` (with `OPTIN_IP`) is the evidence; `CONFIRM_TIME` the double opt-in's
   * confirmation (evidence too when `OPTIN_TIME` is empty). The unsubscribed file's
   * `UNSUB_TIME` and the cleaned file's `CLEAN_TIME` make their rows suppressions
   * (`unsubscribed`, `bounced`), never people to mail.
   */
  mailchimp: {
    kind: 'subjects',
    description:
      'Mailchimp audience export (subscribed/unsubscribed/cleaned members CSV): "Email Address","First Name","Last Name","Phone Number",...,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,...,UNSUB_TIME / CLEAN_TIME',
    columns: {
      email: ['Email Address'],
      firstName: ['First Name'],
      lastName: ['Last Name'],
      phone: ['Phone Number', 'Phone'],
      organization: ['Company'],
      consentAt: ['OPTIN_TIME'],
      consentIp: ['OPTIN_IP', 'CONFIRM_IP'],
      confirmAt: ['CONFIRM_TIME'],
      unsubscribedAt: ['UNSUB_TIME'],
      cleanedAt: ['CLEAN_TIME'],
    },
  },
  /**
   * Unisender's contact export (exportContacts field names): `email`, `email_status`
   * (`active`, `unsubscribed`, `blocked`, `invited`, `new`...), `email_confirm_time` (the
   * double opt-in's confirmation: the evidence), `email_confirm_ip`... plus the list's own
   * fields (`Name`, `phone`).
   */
  unisender: {
    kind: 'subjects',
    description: 'Unisender contacts export: email,email_status,email_availability,email_add_time,email_confirm_time,email_confirm_ip,Name,phone,...',
    columns: {
      email: ['email'],
      name: ['Name', 'name'],
      phone: ['phone'],
      status: ['email_status'],
      consentAt: ['email_confirm_time'],
      confirmAt: ['email_confirm_time'],
      consentIp: ['email_confirm_ip', 'email_add_ip'],
    },
  },
  /** SendGrid Suppressions → Bounces, exported as CSV: `email,created,reason,status`. */
  'sendgrid-bounces': {
    kind: 'suppressions',
    description: 'SendGrid bounces CSV: email,created,reason,status',
    columns: { email: ['email'] },
    reason: 'bounced',
  },
  /** SendGrid Suppressions → Blocks: `email,created,reason,status`. A block is the receiver's refusal: kept as `manual` for staff to judge. */
  'sendgrid-blocks': {
    kind: 'suppressions',
    description: 'SendGrid blocks CSV: email,created,reason,status',
    columns: { email: ['email'] },
    reason: 'manual',
  },
  /** SendGrid Suppressions → Spam Reports: `email,created,ip`. */
  'sendgrid-spam-reports': {
    kind: 'suppressions',
    description: 'SendGrid spam reports CSV: email,created,ip',
    columns: { email: ['email'] },
    reason: 'complained',
  },
  /** SendGrid Suppressions → Global Unsubscribes: `email,created`. */
  'sendgrid-global-unsubscribes': {
    kind: 'suppressions',
    description: 'SendGrid global unsubscribes CSV: email,created',
    columns: { email: ['email'] },
    reason: 'unsubscribed',
  },
  /** SendGrid Suppressions → Unsubscribe Groups, a group's unsubscribes: `email,created`. */
  'sendgrid-unsubscribes': {
    kind: 'suppressions',
    description: 'SendGrid group unsubscribes CSV: email,created',
    columns: { email: ['email'] },
    reason: 'unsubscribed',
  },
  /** Mailchimp's unsubscribed or cleaned members CSV as a suppression list. */
  'mailchimp-suppressions': {
    kind: 'suppressions',
    description: 'Mailchimp unsubscribed/cleaned members CSV: "Email Address",...,UNSUB_TIME or CLEAN_TIME',
    columns: { email: ['Email Address'], unsubscribedAt: ['UNSUB_TIME'], cleanedAt: ['CLEAN_TIME'] },
  },
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/**
 * The columns a file has no preset for are guessed by these header names (ignoring case,
 * spaces, `_` and `-`), then `--map` overrides any of them.
 */
export const GENERIC_COLUMNS: Partial<Record<Target, readonly string[]>> = {
  email: ['email', 'e-mail', 'emailaddress', 'mail', 'почта', 'электроннаяпочта'],
  firstName: ['firstname', 'имя'],
  lastName: ['lastname', 'фамилия'],
  patronymic: ['patronymic', 'отчество'],
  name: ['name', 'fullname'],
  phone: ['phone', 'телефон'],
  website: ['website', 'сайт'],
  organization: ['organization', 'company', 'организация'],
  industry: ['industry'],
  city: ['city', 'город'],
  locale: ['locale', 'language'],
  consent: ['consent', 'subscribed', 'marketing'],
  consentAt: ['consentat', 'optintime', 'consenttime'],
  consentIp: ['consentip', 'optinip'],
  confirmAt: ['confirmat', 'confirmtime'],
  status: ['status'],
  reason: ['reason', 'type'],
};
