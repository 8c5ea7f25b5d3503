// Node-only: the CLI's side of an import (the file, its digest, the progress bar, the report
// beside the file). The import itself (src/imports/) reads text chunks and knows no fs.
import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import type { EmailHasher } from '../consent/hash.js';
import type { ImportProgress } from '../imports/actions.js';
import { decodeUtf8 } from '../imports/csv.js';

/**
 * The keyed address hash of consent/hash.ts computed with node:crypto: the same HMAC-SHA256
 * hex, without Web Crypto's per-call round trip (a million addresses in about a second).
 */
export function nodeEmailHasher(key: string): EmailHasher {
  return { hash: async (email) => createHmac('sha256', key).update(email).digest('hex') };
}

/** SHA-256 of a file, hex: an interrupted import of the same file is found by it. */
export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The file's size in bytes. */
export const fileSize = (path: string) => statSync(path).size;

/** The file as UTF-8 text chunks; `onBytes` hears every chunk read. */
export function fileText(path: string, onBytes?: (n: number) => void) {
  return decodeUtf8(createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Uint8Array>, { onBytes });
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
function duration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * Progress on stderr: on a terminal, one line redrawn in place (a bar, rows, rows per second,
 * the ETA from the bytes read of the file's size); elsewhere (a log, a pipe) a plain line at
 * most every `everyMs`. Returns the byte counter for {@link fileText}, the progress callback,
 * and `done()` to end the line.
 */
export function progressReporter(
  totalBytes: number,
  out: NodeJS.WriteStream = process.stderr,
  opts: { everyMs?: number; now?: () => number } = {},
): { onBytes: (n: number) => void; onProgress: (p: ImportProgress) => void; done: () => void } {
  const now = opts.now ?? (() => performance.now());
  const tty = !!out.isTTY;
  const every = opts.everyMs ?? (tty ? 200 : 5000);
  const started = now();
  let bytes = 0;
  let lastDraw = -Infinity;
  let rowsAtStart: number | null = null;
  let last: ImportProgress | null = null;
  const draw = (force: boolean) => {
    if (!last) return;
    const t = now();
    if (!force && t - lastDraw < every) return;
    lastDraw = t;
    rowsAtStart ??= last.counts.rows;
    const rows = last.counts.rows;
    const secs = (t - started) / 1000;
    const rate = secs > 0 ? (rows - rowsAtStart) / secs : 0;
    const frac = totalBytes > 0 ? Math.min(1, bytes / totalBytes) : 0;
    const eta = frac > 0 && frac < 1 ? (secs / frac) * (1 - frac) : 0;
    const text = `${int(rows)} rows, ${int(rate)} rows/s, line ${int(last.line)}, ${Math.floor(frac * 100)}%, ETA ${duration(eta)}`;
    if (tty) {
      const width = 24;
      const filled = Math.round(frac * width);
      out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\u001b[K`);
    } else out.write(`import: ${text}\n`);
  };
  return {
    onBytes: (n) => {
      bytes += n;
    },
    onProgress: (p) => {
      last = p;
      draw(false);
    },
    done: () => {
      draw(true);
      if (tty) out.write('\n');
    },
  };
}

/** Writes text chunks to a file (the report beside the imported one), waiting on back-pressure. */
export async function writeChunks(path: string, chunks: AsyncIterable<string>): Promise<void> {
  const out = createWriteStream(path, { mode: 0o600 });
  try {
    for await (const c of chunks) if (!out.write(c)) await once(out, 'drain');
  } finally {
    out.end();
    await once(out, 'close');
  }
}
