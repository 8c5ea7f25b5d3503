// Node-only: DATA_DIR holds the embedded database, generated keys and (without SMTP) every mail
// sent: personal data and secrets, for the service's own user only.
import { chmodSync, existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Makes an existing `dir` owner-only (a missing one is left to whoever needs it, which creates
 * it 0700: a production start on PostgreSQL with SMTP and keys may never need it): every directory under it 0700 and every file
 * 0600, tightening what an earlier version (or a loose umask) left readable to others. Symbolic
 * links are left alone (their target is not ours to change). Returns how many entries were
 * tightened.
 */
export function secureDataDir(dir: string): number {
  if (!existsSync(dir)) return 0;
  let tightened = 0;
  const walk = (path: string) => {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return;
    const want = st.isDirectory() ? 0o700 : 0o600;
    if ((st.mode & 0o777) !== want) {
      chmodSync(path, want);
      tightened++;
    }
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return tightened;
}

/**
 * Files this process creates from now on are owner-only, whoever creates them (PGlite writes
 * its database files through its own file layer, where we cannot pass a mode). Not possible in
 * a worker thread: there the explicit modes and {@link secureDataDir} at start still apply.
 */
export function ownerOnlyFiles(): void {
  try {
    process.umask(0o077);
  } catch {
    // Worker threads cannot change the umask.
  }
}
