import { type Kysely, type MigrationResultSet, Migrator, sql } from 'kysely';
import { migrations } from '../../migrations/index.js';
import { withoutStatementTimeout } from './handle.js';

/**
 * Brings the schema to the latest migration. Safe to call from several processes at once:
 * Kysely's migrator takes an advisory lock.
 *
 * @example
 * await migrateToLatest(db);
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before and beyond any one schema type (Kysely's own advice).
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  // A migration on a big table may rightly run longer than any request's statement bound.
  return withoutStatementTimeout(db, (conn) => migrateOn(conn));
}

// biome-ignore lint/suspicious/noExplicitAny: as above.
async function migrateOn(db: Kysely<any>): Promise<MigrationResultSet> {
  // Name the schema: otherwise Kysely takes its bookkeeping tables in any schema for ours, and
  // two schemas in one database (tests, or another app) trip over each other.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, migrationTableSchema: rows[0]!.schema });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
  return result;
}
