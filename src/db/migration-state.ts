import { type Kysely, sql } from 'kysely';
import { MIGRATION_NAMES } from '../../migrations/names.js';

// Only the names: /readyz runs on Workers too, whose bundle must not carry every migration's code.
/**
 * The migrations this code knows against those the database has applied (Kysely's
 * `kysely_migration` table in the current schema): `pending` are known and not applied,
 * `unknown` applied and not known (a newer release migrated the database).
 *
 * @example
 * const { pending, unknown } = await migrationState(db);
 */
// biome-ignore lint/suspicious/noExplicitAny: as above.
export async function migrationState(db: Kysely<any>): Promise<{ pending: string[]; unknown: string[] }> {
  const known = MIGRATION_NAMES;
  const table = await sql<{ present: boolean }>`select to_regclass('kysely_migration') is not null as present`.execute(db);
  const applied = table.rows[0]?.present ? (await sql<{ name: string }>`select name from kysely_migration`.execute(db)).rows.map((r) => r.name) : [];
  const appliedSet = new Set(applied);
  const knownSet = new Set(known);
  return { pending: known.filter((n) => !appliedSet.has(n)), unknown: applied.filter((n) => !knownSet.has(n)) };
}
