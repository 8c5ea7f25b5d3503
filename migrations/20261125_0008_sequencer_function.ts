import { type Kysely, sql } from 'kysely';

/**
 * The suppression feed's sequencer as one function, so numbering what changed costs a single
 * round trip (it runs before every push and every feed read). Same rules as before: writers
 * leave seq null; one sequencer at a time (an advisory lock held to commit) numbers what has
 * committed, so anything committed later gets a higher number than everything already visible.
 * Each statement in the function takes a fresh snapshot, so after waiting for the lock it sees
 * the numbers the previous holder committed. Returns the high-water mark.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function sequence_suppressions() returns bigint language plpgsql as $$
    begin
      if exists (select 1 from suppressions where seq is null) then
        perform pg_advisory_xact_lock(727001);
        update suppressions s set seq = nextval('suppression_seq')
        from (select hash from suppressions where seq is null order by changed_at, hash for update skip locked) p
        where s.hash = p.hash;
      end if;
      return coalesce((select max(seq) from suppressions), 0);
    end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists sequence_suppressions()`.execute(db);
}
