import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../db/handle.js';
import type { ActorType, SuppressionReason } from '../db/schema.js';
import type { FeedFormat } from './feed.js';
import { ON_CONFLICT_SUPPRESS, suppressChanges } from './rule.js';

export interface SuppressInput {
  hash: string;
  email: string | null;
  subjectId: string | null;
  reason: SuppressionReason;
  actorType: ActorType;
  actorId?: string | null;
  note?: string | null;
  at: Date;
}

/**
 * Suppresses an address, in one statement: the one suppression upsert ({@link ON_CONFLICT_SUPPRESS},
 * the rule {@link suppressChanges} in SQL). An address already actively suppressed keeps its
 * entry as it is (a second click adds no feed record), unless the new reason is one only staff
 * may lift and the old one was the person's own; a lifted one becomes active again with a new
 * record. Returns whether the feed changed.
 */
export async function suppress(db: Db, s: SuppressInput): Promise<boolean> {
  const r = await sql<{ hash: string }>`
    insert into suppressions (hash, email, subject_id, reason, active, seq, changed_at, created_at, actor_type, actor_id, note)
    values (${s.hash}, ${s.email}, ${s.subjectId}, ${s.reason}, true, null, ${s.at}, ${s.at}, ${s.actorType}, ${s.actorId ?? null}, ${s.note ?? null})
    ${ON_CONFLICT_SUPPRESS}
    returning hash`.execute(db);
  return r.rows.length > 0;
}

/**
 * Lifts an active suppression if its reason is one of `reasons`. The entry stays, inactive,
 * as a tombstone the feed carries. Returns whether anything was lifted.
 *
 * The address's topic records still active are sent again after the lift (the sequencer numbers
 * them after it, migration 0015): a feed consumer that ignores topics then keeps the address
 * suppressed rather than mail a topic the person left.
 */
export async function lift(
  db: Db,
  l: { hash: string; reasons: readonly SuppressionReason[]; actorType: ActorType; actorId?: string | null; note?: string | null; at: Date },
): Promise<boolean> {
  return (await liftEach(db, [{ hash: l.hash, note: l.note ?? null }], l)).size > 0;
}

/**
 * {@link lift} for many addresses in two statements, each with its own note. Returns the hashes
 * lifted; an address not actively suppressed with one of `reasons` is left as it is.
 */
export async function liftEach(
  db: Db,
  entries: readonly { hash: string; note: string | null }[],
  by: { reasons: readonly SuppressionReason[]; actorType: ActorType; actorId?: string | null; at: Date },
): Promise<Set<string>> {
  if (entries.length === 0) return new Set();
  const r = await sql<{ hash: string }>`
    update suppressions s set active = false, seq = null, changed_at = ${by.at}, actor_type = ${by.actorType}, actor_id = ${by.actorId ?? null}, note = l.note
    from unnest(${entries.map((e) => e.hash)}::text[], ${entries.map((e) => e.note)}::text[]) as l(hash, note)
    where s.hash = l.hash and s.active and s.reason = any(${[...by.reasons]}::text[])
    returning s.hash`.execute(db);
  const lifted = r.rows.map((x) => x.hash);
  if (lifted.length) await db.updateTable('topic_suppressions').set({ seq: null }).where('hash', 'in', lifted).where('active', '=', true).execute();
  return new Set(lifted);
}

/**
 * Gives active entries whose reason is one of `from` a new reason, each its own, as a new feed
 * record: a staff reason lifted from an address whose person's own act still stands goes back to
 * that act. An `erased` entry keeps neither the address nor a note.
 */
export async function replaceReasons(
  db: Db,
  entries: readonly { hash: string; reason: SuppressionReason }[],
  by: { from: readonly SuppressionReason[]; actorType: ActorType; actorId?: string | null; at: Date },
): Promise<void> {
  if (entries.length === 0) return;
  await sql`
    update suppressions s set reason = x.reason, seq = null, changed_at = ${by.at}, actor_type = ${by.actorType}, actor_id = ${by.actorId ?? null}, note = null,
      email = case when x.reason = 'erased' then null else s.email end
    from unnest(${entries.map((e) => e.hash)}::text[], ${entries.map((e) => e.reason)}::text[]) as x(hash, reason)
    where s.hash = x.hash and s.active and s.reason = any(${[...by.from]}::text[])`.execute(db);
}

/** The entries of these hashes, active or not, locked until the transaction ends. */
export async function lockSuppressions(db: Db, hashes: readonly string[]) {
  if (hashes.length === 0) return [];
  return db
    .selectFrom('suppressions')
    .select(['hash', 'reason', 'active'])
    .where('hash', 'in', [...new Set(hashes)])
    .forUpdate()
    .execute();
}

export async function findSuppression(db: Db, hash: string) {
  return db.selectFrom('suppressions').select(['hash', 'reason', 'active', 'seq']).where('hash', '=', hash).executeTakeFirst();
}

/**
 * Gives every changed entry its feed sequence number, in commit order, and returns the
 * high-water mark: one call of the database function `sequence_suppressions()`.
 *
 * Why not a sequence default on write: with concurrent writers, seq 6 can commit before
 * seq 5, and a reader that already moved past 6 would never see 5. Here writers leave seq
 * null; one sequencer at a time (an advisory lock held to commit) numbers the committed
 * entries, so any entry committed later gets a higher number than everything already visible.
 * Hence also: whoever sees seq n sees every seq below it that will ever exist.
 */
export async function sequenceSuppressions(db: Db): Promise<number> {
  const r = await sql<{ hwm: string | number }>`select sequence_suppressions() as hwm`.execute(db);
  return Number(r.rows[0]!.hwm);
}

/**
 * One CSV cell (RFC 4180), safe to open in a spreadsheet, as SQL over a text expression: a cell a
 * spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) is prefixed
 * with a single quote and quoted, as OWASP's CSV-injection guidance says; a cell holding a quote,
 * comma or line break is quoted. A reader that wants the stored value back drops the leading `'`
 * of such a cell; NDJSON and JSON carry the value unchanged.
 */
function csvCell(v: RawBuilder<unknown>): RawBuilder<string> {
  return sql`case when ${v} ~ E'^[=+@\\t\\r-]' then '"''' || replace(${v}, '"', '""') || '"'
    when ${v} ~ E'[",\\r\\n]' then '"' || replace(${v}, '"', '""') || '"' else ${v} end`;
}

/** A JSON string literal of a text expression (PostgreSQL escapes exactly what JSON.stringify does). */
const jsonText = (v: RawBuilder<unknown>) => sql<string>`to_json(${v})::text`;

/** `changed_at` as `Date.toISOString()` writes it: UTC, milliseconds, `Z`. */
const isoTime = sql<string>`to_char(changed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One feed record in its format, written by PostgreSQL: `{"seq","hash","email"?,"reason",
 * "active","createdAt","topic"}` as JSON (the address only for a key that may read addresses,
 * and only while kept; `topic` null for all advertising mail), or the CSV line
 * `seq,hash,email,reason,active,createdAt,topic` (topic last and empty for all advertising mail,
 * so a reader of the first six columns reads what it read before).
 */
function feedRecordText(format: FeedFormat, withEmail: boolean): RawBuilder<string> {
  const [hash, email, reason, topic] = [sql.ref('hash'), sql.ref('email'), sql.ref('reason'), sql.ref('topic')];
  if (format === 'csv') {
    const emailCell = withEmail ? sql`coalesce(${csvCell(email)}, '')` : sql`''`;
    return sql`seq::text || ',' || ${csvCell(hash)} || ',' || ${emailCell} || ',' || ${csvCell(reason)} || ',' || active::text || ',' || ${isoTime}
      || ',' || coalesce(${csvCell(topic)}, '')`;
  }
  const emailPart = withEmail ? sql`coalesce(',"email":' || ${jsonText(email)}, '')` : sql`''`;
  return sql`'{"seq":' || seq::text || ',"hash":' || ${jsonText(hash)} || ${emailPart} || ',"reason":' || ${jsonText(reason)}
    || ',"active":' || active::text || ',"createdAt":"' || ${isoTime} || '","topic":' || coalesce(${jsonText(topic)}, 'null') || '}'`;
}

/**
 * The feed's records with `since < seq <= upTo` (at most `limit`): the global list and the
 * topic-scoped records (migration 0015), one sequence; a topic record carries the address of
 * the live person it belongs to, if any (after erasure there is none). As the text of `format`,
 * one page of `pageSize` records at a time: NDJSON and CSV pages are lines joined by `\n`, JSON
 * pages records joined by `,` (no trailing separator; feed.ts `feedChunks` frames them). Keyset
 * pages, so memory stays the same however long the feed is. PostgreSQL writes the records, so
 * the process only passes text on: reading them as rows and serializing each in JavaScript cost
 * three times as much.
 */
export async function* readFeedPages(
  db: Db,
  opts: { since: number; upTo: number; limit: number; format: FeedFormat; withEmail: boolean; pageSize?: number },
): AsyncGenerator<string> {
  const pageSize = opts.pageSize ?? 5_000;
  const text = feedRecordText(opts.format, opts.withEmail);
  const separator = opts.format === 'json' ? ',' : '\n';
  let cursor = opts.since;
  let remaining = opts.limit;
  const upTo = String(opts.upTo);
  while (remaining > 0 && cursor < opts.upTo) {
    const [cursorText, n] = [String(cursor), Math.min(pageSize, remaining)];
    const r = await sql<{ last: string | null; n: number; body: string | null }>`
      select max(seq)::text as last, count(*)::int as n, string_agg(${text}, ${separator}::text order by seq) as body
      from ((select seq, hash, null::text as topic, email, reason, active, changed_at from suppressions
              where seq > ${cursorText}::bigint and seq <= ${upTo}::bigint order by seq limit ${n}::bigint)
            union all
            (select t.seq, t.hash, t.topic, s.email, t.reason, t.active, t.changed_at from topic_suppressions t
              left join subjects s on s.email_hash = t.hash and s.status <> 'erased'
              where t.seq > ${cursorText}::bigint and t.seq <= ${upTo}::bigint order by t.seq limit ${n}::bigint)
            order by seq limit ${n}::bigint) page`.execute(db);
    const page = r.rows[0];
    if (!page || page.n === 0 || page.last === null || page.body === null) return;
    yield page.body;
    cursor = Number(page.last);
    remaining -= page.n;
  }
}

/**
 * `suppress()` for many inputs in a constant number of statements, whatever their number
 * (deciding each entry in memory by the same rule, {@link suppressChanges}):
 * returns, per input, whether it changed the feed, and leaves every entry as calling
 * `suppress()` once per input, in the given order, would have. Several inputs may name one
 * hash; its entry is written once, with the values of its last change (the feed carries one
 * record per entry and change of seq either way).
 *
 * Where no entry exists, what each input does follows from the inputs alone, so those are
 * inserted first (waiting, like `suppress()`, for an entry another transaction is inserting);
 * the entries that turn out to exist are then locked in hash order, decided in memory and
 * updated. Every batch takes its locks in that same order, so two batches naming the same
 * addresses cannot deadlock on each other.
 *
 * @example
 * const changed = await suppressEach(trx, events.map((e) => ({ hash: e.hash, email: e.email, subjectId: null, reason: 'bounced', actorType: 'mail_sender', at })));
 */
export async function suppressEach(db: Db, inputs: readonly SuppressInput[]): Promise<boolean[]> {
  const changed = inputs.map(() => false);
  const byHash = new Map<string, number[]>();
  inputs.forEach((s, i) => {
    const list = byHash.get(s.hash);
    if (list) list.push(i);
    else byHash.set(s.hash, [i]);
  });
  if (byHash.size === 0) return changed;

  /** Applies one entry's inputs, in order, to its state; the row to write, or null when none changed it. */
  const decide = (hash: string, current: { active: boolean; reason: SuppressionReason } | null) => {
    let state = current;
    let last: SuppressInput | null = null;
    let first: SuppressInput | null = null;
    // suppress() keeps the old address and subject when the new ones are null (coalesce).
    let email: string | null = null;
    let subjectId: string | null = null;
    for (const i of byHash.get(hash)!) {
      const s = inputs[i]!;
      changed[i] = suppressChanges(state, s.reason);
      if (!changed[i]) continue;
      state = { active: true, reason: s.reason };
      first ??= s;
      last = s;
      email = s.email ?? email;
      subjectId = s.subjectId ?? subjectId;
    }
    if (!first || !last) return null;
    return {
      hash,
      email,
      subject_id: subjectId,
      reason: last.reason,
      changed_at: last.at.toISOString(),
      created_at: first.at.toISOString(),
      actor_type: last.actorType,
      actor_id: last.actorId ?? null,
      note: last.note ?? null,
    };
  };

  const hashes = [...byHash.keys()];
  const fresh = hashes.map((h) => decide(h, null)!);
  const inserted = await sql<{ hash: string }>`
    insert into suppressions (hash, email, subject_id, reason, active, seq, changed_at, created_at, actor_type, actor_id, note)
    select v.hash, v.email, v.subject_id, v.reason, true, null, v.changed_at, v.created_at, v.actor_type, v.actor_id, v.note
    from jsonb_to_recordset(${JSON.stringify(fresh)}::jsonb) as v(
      hash text, email text, subject_id uuid, reason text, changed_at timestamptz, created_at timestamptz, actor_type text, actor_id text, note text)
    order by v.hash
    on conflict (hash) do nothing
    returning hash`.execute(db);
  const isNew = new Set(inserted.rows.map((r) => r.hash));
  const existing = hashes.filter((h) => !isNew.has(h));
  if (existing.length === 0) return changed;

  const current = await sql<{ hash: string; reason: SuppressionReason; active: boolean }>`
    select hash, reason, active from suppressions where hash = any(${existing}::text[]) order by hash for update`.execute(db);
  if (current.rows.length !== existing.length) throw new Error('suppressEach: an entry that blocked an insert is gone');
  const updates = current.rows.map((r) => decide(r.hash, r)).filter((w) => w !== null);
  if (updates.length > 0) {
    await sql`
      update suppressions s set
        reason = v.reason, active = true, seq = null, changed_at = v.changed_at,
        email = coalesce(v.email, s.email), subject_id = coalesce(v.subject_id, s.subject_id),
        actor_type = v.actor_type, actor_id = v.actor_id, note = v.note
      from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as v(
        hash text, email text, subject_id uuid, reason text, changed_at timestamptz, actor_type text, actor_id text, note text)
      where s.hash = v.hash`.execute(db);
  }
  return changed;
}
