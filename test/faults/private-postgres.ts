// A private PostgreSQL 15 cluster for fault tests that restart or kill things: the machine's
// shared cluster serves other test files in parallel and must never be restarted.

import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const RUNUSER = '/usr/sbin/runuser';

export interface PrivatePostgres {
  url: string;
  /** `pg_ctl restart -m fast`: open connections are cut, new ones refused until it is up. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Why a private cluster cannot be had here, or undefined: the binaries, and as root (initdb
 * refuses root) `runuser` and a `postgres` user.
 */
export function privatePostgresMissing(): string | undefined {
  if (!existsSync(join(BIN, 'initdb')) || !existsSync(join(BIN, 'pg_ctl'))) return `no PostgreSQL 15 binaries in ${BIN}`;
  if (process.getuid?.() === 0 && !existsSync(RUNUSER)) return `running as root without ${RUNUSER} (initdb refuses root)`;
  return undefined;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts a throwaway cluster in a temp dir on a free loopback port (no fsync: it is thrown away). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const asRoot = process.getuid?.() === 0;
  const as = async (bin: string, args: string[]) => {
    const [cmd, argv] = asRoot ? [RUNUSER, ['-u', 'postgres', '--', join(BIN, bin), ...args]] : [join(BIN, bin), args];
    return run(cmd, argv, { timeout: 30_000 });
  };
  const dir = mkdtempSync(join(tmpdir(), 'mailprefs-pg-'));
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const ctl = (...args: string[]) => as('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', ...args]);
  await ctl('-o', opts, 'start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: async () => {
      await ctl('-m', 'fast', '-o', opts, 'restart');
    },
    stop: async () => {
      try {
        await ctl('-m', 'immediate', 'stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
