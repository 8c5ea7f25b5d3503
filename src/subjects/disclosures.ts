import type { Db } from '../db/handle.js';

export type DisclosureOutcome = { kind: 'recorded'; id: string } | { kind: 'unknown_subject' };

/**
 * Records a disclosure of a person's data to a third party (a court order, a subpoena): to
 * whom, on what legal basis, what (categories, not the data itself), when, and which key
 * recorded it. It is part of what the person's export shows them.
 */
export async function recordDisclosure(
  db: Db,
  subjectId: string,
  d: { recipient: string; legalBasis: string; data: string; disclosedAt?: Date },
  by: { keyId: string; now: Date; newId: () => string },
): Promise<DisclosureOutcome> {
  const subject = await db.selectFrom('subjects').select('id').where('id', '=', subjectId).executeTakeFirst();
  if (!subject) return { kind: 'unknown_subject' };
  const id = by.newId();
  await db
    .insertInto('disclosures')
    .values({
      id,
      subject_id: subjectId,
      recipient: d.recipient,
      legal_basis: d.legalBasis,
      data_disclosed: d.data,
      disclosed_at: d.disclosedAt ?? by.now,
      recorded_at: by.now,
      recorded_by: by.keyId,
    })
    .execute();
  return { kind: 'recorded', id };
}
