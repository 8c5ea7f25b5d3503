// Node-only: the development mailbox, the .eml files fileMailer writes under DATA_DIR/outbox.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type DevMailbox, isMailFileName } from '../admin/mailbox.js';

/**
 * Reads the file mailer's directory for the dashboard. Only names the mailer writes are listed
 * or opened (admin/mailbox.ts `isMailFileName`), so a crafted name cannot leave the directory.
 */
export function fileMailbox(dir: string): DevMailbox {
  return {
    where: dir,
    async list(limit) {
      let names: string[];
      try {
        names = (await readdir(dir)).filter(isMailFileName);
      } catch {
        return [];
      }
      const files = await Promise.all(
        names.map(async (name) => {
          try {
            const s = await stat(join(dir, name));
            return { name, modifiedAt: s.mtime, size: s.size };
          } catch {
            return null;
          }
        }),
      );
      return files
        .filter((f) => f !== null)
        .sort((a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime() || b.name.localeCompare(a.name))
        .slice(0, limit);
    },
    async read(name) {
      if (!isMailFileName(name)) return null;
      try {
        return await readFile(join(dir, name), 'utf8');
      } catch {
        return null;
      }
    },
  };
}
