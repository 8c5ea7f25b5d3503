/**
 * The pure rules of an import: which column means what, what a row says, what the report
 * writes. No I/O; actions.ts applies them to the database batch by batch.
 */
import { normalizeEmail } from '../consent/email.js';
import type { SuppressionReason } from '../db/schema.js';
import { isStorableText } from '../db/text.js';
import { LEAD_PHONE, MAX_LENGTH, PROFILE_FIELDS, type ProfileField } from '../subjects/profile.js';
import { GENERIC_COLUMNS, type ImportKind, PRESETS, type Preset, type PresetName, TARGETS, type Target } from './presets.js';

/** Why a row is in the report. Rows with `no_consent_evidence` and `bad_value` are still imported. */
export const REPORT_REASONS = [
  'bad_address',
  'duplicate',
  'too_long',
  'bad_value',
  'no_consent_evidence',
  'exists',
  'unsubscribed',
  'withdrawn',
  'erased',
  'bounced',
  'complained',
  'suppressed',
] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** Column indexes per target, in order of preference: a row's first non-empty one counts. */
export type ColumnIndex = Partial<Record<Target, number[]>>;

const squash = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');

/**
 * Parses `--map email=Col,consentAt=Col2`: target names of {@link TARGETS} to header names.
 * Returns the problem in words when it is not one.
 *
 * @example
 * parseMapping('email=E-mail,consentAt=Opt-in date') // { email: 'E-mail', consentAt: 'Opt-in date' }
 */
export function parseMapping(flag: string | undefined | null): Partial<Record<Target, string>> | string {
  const out: Partial<Record<Target, string>> = {};
  if (!flag?.trim()) return out;
  for (const part of flag.split(',')) {
    const eq = part.indexOf('=');
    const target = part.slice(0, eq).trim();
    const column = part.slice(eq + 1).trim();
    if (eq < 1 || !column) return `"${part.trim().slice(0, 60)}" is not target=Column`;
    if (!(TARGETS as readonly string[]).includes(target)) return `unknown target "${target.slice(0, 40)}"; known: ${TARGETS.join(', ')}`;
    out[target as Target] = column;
  }
  return out;
}

/**
 * Which column holds what: the preset's header names (or the generic guesses), then the
 * mapping's. Header names match ignoring case and surrounding spaces (generic guesses also
 * ignoring inner spaces, `_` and `-`). Returns the problem in words when the address column
 * is missing or a mapped column is not in the header.
 */
export function resolveColumns(
  header: readonly string[],
  kind: ImportKind,
  preset: Preset | null,
  mapping: Partial<Record<Target, string>>,
): ColumnIndex | string {
  const exact = new Map<string, number>();
  const loose = new Map<string, number>();
  header.forEach((h, i) => {
    const k = h.trim().toLowerCase();
    if (!exact.has(k)) exact.set(k, i);
    if (!loose.has(squash(h))) loose.set(squash(h), i);
  });
  const index: ColumnIndex = {};
  if (preset) {
    for (const [t, names] of Object.entries(preset.columns) as [Target, readonly string[]][]) {
      const found = names.map((n) => exact.get(n.toLowerCase())).filter((i) => i !== undefined);
      if (found.length) index[t] = found;
    }
  } else {
    for (const [t, names] of Object.entries(GENERIC_COLUMNS) as [Target, readonly string[]][]) {
      if (kind === 'suppressions' && t !== 'email' && t !== 'reason' && t !== 'status') continue;
      const found = names.map((n) => loose.get(n)).filter((i) => i !== undefined);
      if (found.length) index[t] = found;
    }
  }
  for (const [t, column] of Object.entries(mapping) as [Target, string][]) {
    const i = exact.get(column.trim().toLowerCase());
    if (i === undefined) return `the column "${column.slice(0, 60)}" mapped to ${t} is not in the header`;
    index[t] = [i];
  }
  if (index.email === undefined) {
    return preset
      ? `no address column: this preset expects one of ${preset.columns.email?.map((n) => `"${n}"`).join(', ')}`
      : 'no address column: name it email (or map it: --map email=<column>)';
  }
  return index;
}

/** A preset by name, or null for none; undefined when the name is unknown. */
export function presetNamed(name: string | undefined | null): Preset | null | undefined {
  if (!name) return null;
  return (PRESETS as Record<string, Preset>)[name] as Preset | undefined;
}

export const isPresetName = (name: string): name is PresetName => name in PRESETS;

const TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?(?:\s+(?:UTC|GMT|[A-Z]{3,5}))?$/i;
const EPOCH_MIN = Date.UTC(1990, 0, 1);

/**
 * A time as exports write it: ISO 8601, `YYYY-MM-DD HH:MM:SS` (Mailchimp, Unisender, Mautic;
 * UTC unless a zone is given), Go's `2024-01-02 15:04:05.123 +0000 UTC` (listmonk), or Unix
 * seconds. Null when it is not one, before 1990 or more than a day in the future of `now`.
 *
 * @example
 * parseTime('2019-03-01 10:11:12', now) // 2019-03-01T10:11:12Z
 */
export function parseTime(value: string, now: Date): Date | null {
  const v = value.trim();
  if (!v) return null;
  let t: number;
  if (/^\d{9,10}$/.test(v)) t = Number(v) * 1000;
  else {
    const m = TIME.exec(v);
    if (!m) return null;
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
    t = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +s, Math.floor(Number(`0.${frac}`) * 1000));
    const check = new Date(t);
    if (check.getUTCMonth() !== +mo! - 1 || check.getUTCDate() !== +d! || +h > 23 || +mi > 59 || +s > 60) return null;
    if (zone && /^[+-]/.test(zone)) {
      const z = zone.replace(':', '');
      const offset = (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5) || '0')) * (z[0] === '-' ? -1 : 1);
      t -= offset * 60_000;
    }
  }
  if (!Number.isFinite(t) || t < EPOCH_MIN || t > now.getTime() + 86_400_000) return null;
  return new Date(t);
}

/** What a consent column claims: yes, no, or nothing readable. */
export function consentClaim(value: string): 'yes' | 'no' | null {
  const v = value.trim().toLowerCase();
  if (!v) return null;
  if (['yes', 'y', 'true', '1', 'subscribed', 'confirmed', 'opted-in', 'optin', 'да', 'on', 'granted', 'active', 'enabled'].includes(v)) return 'yes';
  if (['no', 'n', 'false', '0', 'unsubscribed', 'нет', 'off', 'none', 'withdrawn', 'disabled'].includes(v)) return 'no';
  return null;
}

/**
 * The suppression a subjects file's status stands for, or null for a status that keeps the
 * address mailable (`enabled`, `subscribed`, `active`...). `blocklisted` (listmonk) and
 * `unsubscribed` mean the person left; `cleaned`, `bounced`, `hard_bounce` a bounce;
 * `complained`, `spam` a complaint; `blocked` (Unisender: blocked by the sender) is `manual`.
 * Pure.
 */
export function statusSuppression(value: string): SuppressionReason | null {
  const v = value
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (['unsubscribed', 'blocklisted', 'blacklisted', 'opted_out', 'optout'].includes(v)) return 'unsubscribed';
  if (['cleaned', 'bounced', 'bounce', 'hard_bounce', 'hardbounce'].includes(v)) return 'bounced';
  if (['complained', 'spam', 'spam_report', 'complaint'].includes(v)) return 'complained';
  if (['blocked', 'banned'].includes(v)) return 'manual';
  return null;
}

/**
 * The reason of a suppressions file's row: the reason column read as bounce → `bounced`, spam
 * report or complaint → `complained`, unsubscribe → `unsubscribed`, anything else (or none) →
 * the preset's reason, else `manual`. Pure.
 *
 * @example
 * suppressionReason('Spam Reports', null) // 'complained'
 */
export function suppressionReason(value: string | undefined, fallback: SuppressionReason | null | undefined): SuppressionReason {
  const v = (value ?? '').trim().toLowerCase();
  if (v) {
    if (/bounce|cleaned/.test(v)) return 'bounced';
    if (/spam|complain|abuse/.test(v)) return 'complained';
    if (/unsub|opt.?out|blocklist/.test(v)) return 'unsubscribed';
  }
  return fallback ?? 'manual';
}

/** A full name as first and last: the first word, and the rest. Pure. */
export function splitName(name: string): { firstName?: string; lastName?: string } {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return {};
  return parts.length === 1 ? { firstName: parts[0] } : { firstName: parts[0], lastName: parts.slice(1).join(' ') };
}

/** A report row: the line, why, and a detail that never holds the address. */
export interface ReportRow {
  line: number;
  reason: ReportReason;
  detail: string;
}

/** What one row of a subjects file asks for, before the database is consulted. */
export type SubjectRow =
  | { kind: 'reject'; reports: ReportRow[] }
  | {
      kind: 'subject';
      email: string;
      profile: Partial<Record<ProfileField, string>>;
      locale: 'ru' | 'en' | null;
      /** The evidence, when the file gives a consent time; null: imports as `none`. */
      evidence: { at: Date; ip: string | null; confirmedAt: Date | null } | null;
      /** Also in the report (still imported): no_consent_evidence, bad_value. */
      reports: ReportRow[];
    }
  | { kind: 'suppress'; email: string; reason: SuppressionReason; reports: ReportRow[] };

/** What one row of a suppressions file asks for. */
export type SuppressionRow = { kind: 'reject'; reports: ReportRow[] } | { kind: 'suppress'; email: string; reason: SuppressionReason; reports: ReportRow[] };

const IP = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]{2,39})$/i;
/** A value of the file quoted in a detail: short, one line. Never the address. */
const quoteValue = (v: string) => JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);

function cell(fields: readonly string[], index: ColumnIndex, t: Target): string {
  for (const i of index[t] ?? []) {
    const v = (fields[i] ?? '').trim();
    if (v) return v;
  }
  return '';
}

function address(fields: readonly string[], index: ColumnIndex, line: number): string | ReportRow {
  const raw = cell(fields, index, 'email');
  if (!raw) return { line, reason: 'bad_address', detail: 'no address' };
  const email = isStorableText(raw) ? normalizeEmail(raw) : null;
  return email ?? { line, reason: 'bad_address', detail: 'not an address we can mail' };
}

/**
 * Reads one row of a subjects file. The consent rule (38-FZ: the sender proves consent): a
 * consent column or a status alone is a claim; advertising consent imports as `granted` only
 * with the time it was given (the consent time, else the confirmation time); without it the row
 * imports as `none` and the report says so. A status or time that says the person left, or the
 * address bounced, makes the row a suppression, never a person to mail. Pure.
 */
export function readSubjectRow(fields: readonly string[], line: number, index: ColumnIndex, now: Date, tooLong: boolean): SubjectRow {
  if (tooLong) return { kind: 'reject', reports: [{ line, reason: 'too_long', detail: 'the row is longer than the limit; nothing of it was read' }] };
  const email = address(fields, index, line);
  if (typeof email !== 'string') return { kind: 'reject', reports: [email] };
  const reports: ReportRow[] = [];

  // The old tool says the person left or the address bounced: a suppression.
  const left =
    (cell(fields, index, 'unsubscribedAt') ? 'unsubscribed' : null) ??
    (cell(fields, index, 'cleanedAt') ? 'bounced' : null) ??
    statusSuppression(cell(fields, index, 'status'));
  if (left) return { kind: 'suppress', email, reason: left, reports };

  const profile: Partial<Record<ProfileField, string>> = {};
  const fullName = cell(fields, index, 'name');
  if (fullName) Object.assign(profile, splitName(fullName));
  for (const f of PROFILE_FIELDS) {
    const v = cell(fields, index, f);
    if (v) profile[f] = v;
  }
  for (const f of PROFILE_FIELDS) {
    const v = profile[f];
    if (v === undefined) continue;
    const bad = !isStorableText(v)
      ? 'holds characters that cannot be stored'
      : v.length > MAX_LENGTH[f]
        ? `is longer than ${MAX_LENGTH[f]} characters`
        : f === 'phone' && !LEAD_PHONE.test(v)
          ? 'is not a phone number'
          : null;
    if (bad) {
      delete profile[f];
      reports.push({ line, reason: 'bad_value', detail: `${f} ${bad}; left empty` });
    }
  }
  const loc = cell(fields, index, 'locale').toLowerCase().slice(0, 2);
  const locale = loc === 'ru' || loc === 'en' ? loc : null;

  const claim = consentClaim(cell(fields, index, 'consent'));
  const consentRaw = cell(fields, index, 'consentAt');
  const confirmRaw = cell(fields, index, 'confirmAt');
  const consentAt = consentRaw ? parseTime(consentRaw, now) : null;
  const confirmedAt = confirmRaw ? parseTime(confirmRaw, now) : null;
  let evidence: { at: Date; ip: string | null; confirmedAt: Date | null } | null = null;
  if (claim !== 'no') {
    const at = consentAt ?? confirmedAt;
    if (at) {
      const ipRaw = cell(fields, index, 'consentIp');
      evidence = { at, ip: IP.test(ipRaw) ? ipRaw : null, confirmedAt };
    } else {
      const why =
        consentRaw && !consentAt
          ? `the consent time ${quoteValue(consentRaw)} is not a time`
          : confirmRaw && !confirmedAt
            ? `the confirmation time ${quoteValue(confirmRaw)} is not a time`
            : claim === 'yes'
              ? 'a consent claim without the time it was given'
              : 'no consent time';
      reports.push({ line, reason: 'no_consent_evidence', detail: `${why}: imported with advertising consent none` });
    }
  }
  return { kind: 'subject', email, profile, locale, evidence, reports };
}

/** Reads one row of a suppressions file. Pure. */
export function readSuppressionRow(
  fields: readonly string[],
  line: number,
  index: ColumnIndex,
  presetReason: SuppressionReason | null | undefined,
  tooLong: boolean,
): SuppressionRow {
  if (tooLong) return { kind: 'reject', reports: [{ line, reason: 'too_long', detail: 'the row is longer than the limit; nothing of it was read' }] };
  const email = address(fields, index, line);
  if (typeof email !== 'string') return { kind: 'reject', reports: [email] };
  const fromTime = cell(fields, index, 'unsubscribedAt') ? 'unsubscribed' : cell(fields, index, 'cleanedAt') ? 'bounced' : null;
  const reason =
    fromTime ??
    (index.reason !== undefined
      ? suppressionReason(cell(fields, index, 'reason'), presetReason)
      : (statusSuppression(cell(fields, index, 'status')) ?? presetReason ?? 'manual'));
  return { kind: 'suppress', email, reason, reports: [] };
}

/** The report reason for an address the service already holds in this state. */
export function reasonForExisting(state: { suppression: SuppressionReason | null; withdrawn: boolean; erased: boolean }): ReportReason {
  if (state.erased) return 'erased';
  if (state.suppression) return state.suppression === 'manual' ? 'suppressed' : state.suppression;
  if (state.withdrawn) return 'withdrawn';
  return 'exists';
}

export const REPORT_DETAIL: Record<'exists' | 'unsubscribed' | 'withdrawn' | 'erased' | 'bounced' | 'complained' | 'suppressed' | 'duplicate', string> = {
  exists: 'the address belongs to a person already here; left as they are (a known person changes only through their own acts)',
  unsubscribed: 'the address is suppressed: the person unsubscribed; left as it is',
  withdrawn: 'the person withdrew consent to advertising mail; left as they are',
  erased: 'the address was erased at the person’s request; left as it is, nothing stored',
  bounced: 'the address is suppressed: it bounced; left as it is',
  complained: 'the address is suppressed: its owner complained; left as it is',
  suppressed: 'the address is suppressed by staff; left as it is',
  duplicate: 'the address appeared on an earlier line of this file; only the first one counts',
};

/** The report's header line. */
export const REPORT_HEADER = 'line,reason,detail';

/**
 * One cell of the report (RFC 4180), safe to open in a spreadsheet: a cell a spreadsheet would
 * read as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading `'` and quotes
 * (OWASP's CSV-injection advice, as the suppression feed's CSV does); a cell holding a quote,
 * delimiter or line break is quoted. Pure.
 */
export function reportCell(v: string): string {
  if (/^[=+\-@\t\r]/.test(v)) return `"'${v.replace(/"/g, '""')}"`;
  if (/[",;\r\n\t]/.test(v)) return `"${v.replace(/"/g, '""')}"`;
  return v;
}

/** One line of the report, with its line end. Pure. */
export function reportLine(r: ReportRow): string {
  return `${r.line},${reportCell(r.reason)},${reportCell(r.detail)}\n`;
}

/**
 * The addresses already seen in this file, in a fixed 8 bytes each (two independent 32-bit
 * hashes of the normalized address in an open-addressing table), never the addresses: a
 * million rows cost 16 MiB, and the chance that two different addresses of a million collide
 * is about 3 in 100 million.
 */
export class SeenAddresses {
  private table = new Uint32Array(1 << 16);
  private count = 0;

  /** Adds the address; false when it was already there. */
  add(email: string): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < email.length; i++) {
      const c = email.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 = h1 >>> 0 || 1; // 0 marks an empty slot
    h2 >>>= 0;
    if ((this.count + 1) * 2 > this.table.length / 2) this.grow();
    return this.insert(h1, h2);
  }

  private insert(h1: number, h2: number): boolean {
    const slots = this.table.length / 2;
    let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) >>> 0;
    for (;;) {
      i %= slots;
      const a = this.table[2 * i]!;
      if (a === 0) {
        this.table[2 * i] = h1;
        this.table[2 * i + 1] = h2;
        this.count++;
        return true;
      }
      if (a === h1 && this.table[2 * i + 1] === h2) return false;
      i++;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.insert(old[i]!, old[i + 1]!);
  }
}
