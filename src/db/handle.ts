import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

/** An open database and how to close it. `kind` lets callers skip what PGlite cannot do. */
export interface DbHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/** Whether the database answers a trivial query now (the health check); throws when it does not. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
