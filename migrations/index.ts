import type { Migration } from 'kysely';
import * as m0001 from './20261125_0001_initial.js';
import * as m0002 from './20261125_0002_sends_retention.js';
import * as m0003 from './20261125_0003_sends_lean.js';
import * as m0004 from './20261125_0004_rights.js';
import * as m0005 from './20261125_0005_push_cursors.js';
import * as m0006 from './20261125_0006_soft_bounces.js';
import * as m0007 from './20261125_0007_rate_limits.js';
import * as m0008 from './20261125_0008_sequencer_function.js';
import * as m0009 from './20261125_0009_outbox_by_subject.js';
import * as m0010 from './20261201_0010_subject_addresses.js';
import * as m0011 from './20261201_0011_pending_changes.js';
import * as m0012 from './20261201_0012_erasure_traces.js';
import * as m0013 from './20261201_0013_request_types.js';
import * as m0014 from './20261202_0014_sends_subject_history.js';
import * as m0015 from './20261202_0015_topics.js';
import * as m0016 from './20261202_0016_send_topics.js';
import * as m0017 from './20261202_0017_sends_live_reservations.js';
import * as m0018 from './20261202_0018_imports.js';
import * as m0019 from './20261202_0019_api_key_last_used.js';

/**
 * Every migration, imported explicitly (no directory scan) so a bundler (Workers) carries them.
 * Names sort in the order they run.
 */
export const migrations: Record<string, Migration> = {
  '20261125_0001_initial': m0001,
  '20261125_0002_sends_retention': m0002,
  '20261125_0003_sends_lean': m0003,
  '20261125_0004_rights': m0004,
  '20261125_0005_push_cursors': m0005,
  '20261125_0006_soft_bounces': m0006,
  '20261125_0007_rate_limits': m0007,
  '20261125_0008_sequencer_function': m0008,
  '20261125_0009_outbox_by_subject': m0009,
  '20261201_0010_subject_addresses': m0010,
  '20261201_0011_pending_changes': m0011,
  '20261201_0012_erasure_traces': m0012,
  '20261201_0013_request_types': m0013,
  '20261202_0014_sends_subject_history': m0014,
  '20261202_0015_topics': m0015,
  '20261202_0016_send_topics': m0016,
  '20261202_0017_sends_live_reservations': m0017,
  '20261202_0018_imports': m0018,
  '20261202_0019_api_key_last_used': m0019,
};
