import { type Db, pingDatabase } from '../db/handle.js';
import { migrationState } from '../db/migration-state.js';
import { redactAddresses } from '../privacy/redact.js';

export type Readiness = { ready: true } | { ready: false; reason: 'database' | 'migrations_pending' | 'migrations_unknown' | 'draining'; detail?: string };

/**
 * Whether the database answers within `boundMs` and holds exactly the migrations this code
 * knows. A probe that hung with the pool would tell the load balancer nothing, so the timer
 * answers `database` when the database does not.
 *
 * @example
 * const r = await readiness(db, 6_000); // { ready: false, reason: 'migrations_pending', detail: '20261202_0018_x' }
 */
export async function readiness(db: Db, boundMs: number): Promise<Readiness> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = async (): Promise<Readiness> => {
    await pingDatabase(db);
    const m = await migrationState(db);
    if (m.pending.length > 0) return { ready: false, reason: 'migrations_pending', detail: m.pending.slice(0, 5).join(',') };
    if (m.unknown.length > 0) return { ready: false, reason: 'migrations_unknown', detail: m.unknown.slice(0, 5).join(',') };
    return { ready: true };
  };
  try {
    return await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${boundMs} ms`)), boundMs);
      }),
    ]);
  } catch (e) {
    const code = (e as { code?: string }).code;
    return {
      ready: false,
      reason: 'database',
      detail: `${code ? `${code}: ` : ''}${redactAddresses(e instanceof Error ? e.message : String(e)).slice(0, 200)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}
