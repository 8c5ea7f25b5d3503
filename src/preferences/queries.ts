import type { Db } from '../db/handle.js';
import type { Frequency } from '../cadence/policy.js';

/** A person's chosen frequency; `standard` for one who never chose. */
export async function frequencyOf(db: Db, subjectId: string): Promise<Frequency> {
  const row = await db.selectFrom('preferences').select('frequency').where('subject_id', '=', subjectId).executeTakeFirst();
  return row?.frequency ?? 'standard';
}
