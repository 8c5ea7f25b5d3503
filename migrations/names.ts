/**
 * The name of every migration, in order: what `/readyz` compares with the database's
 * `kysely_migration` (src/db/migration-state.ts) without importing the migrations' code, which the
 * Workers bundle need not carry. `test/db/migrations.test.ts` checks it against `./index.ts`:
 * add a migration to both.
 */
export const MIGRATION_NAMES: readonly string[] = [
  '20261125_0001_initial',
  '20261125_0002_sends_retention',
  '20261125_0003_sends_lean',
  '20261125_0004_rights',
  '20261125_0005_push_cursors',
  '20261125_0006_soft_bounces',
  '20261125_0007_rate_limits',
  '20261125_0008_sequencer_function',
  '20261125_0009_outbox_by_subject',
  '20261201_0010_subject_addresses',
  '20261201_0011_pending_changes',
  '20261201_0012_erasure_traces',
  '20261201_0013_request_types',
  '20261202_0014_sends_subject_history',
  '20261202_0015_topics',
  '20261202_0016_send_topics',
  '20261202_0017_sends_live_reservations',
  '20261202_0018_imports',
  '20261202_0019_api_key_last_used',
];
