// Operator CLI: `npm run cli -- <command>`. Wiring and argument parsing only.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiKey, listApiKeys, parseScopes, revokeApiKey, SCOPES } from '../auth/keys.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { migrateToLatest } from '../db/migrate.js';
import type { SuppressionReason } from '../db/schema.js';
import { runImport } from '../imports/actions.js';
import { ImportInputError } from '../imports/csv.js';
import { PRESET_NAMES, type Target } from '../imports/presets.js';
import { findUnfinishedImport, reportPages } from '../imports/queries.js';
import { isPresetName, parseMapping, REPORT_HEADER, reportLine } from '../imports/rules.js';
import { runJobs } from '../jobs/run.js';
import { createLogger } from '../log.js';
import { buildDeps, jobDeps, openDatabase } from '../node/bootstrap.js';
import { fileSha256, fileSize, fileText, nodeEmailHasher, progressReporter, writeChunks } from '../node/import-file.js';
import { DataDirInUseError } from '../node/pglite.js';
import { resolveHashKey } from '../node/secrets.js';
import { putTopic, removeTopic, type TopicInput } from '../topics/actions.js';
import { listTopics } from '../topics/queries.js';
import { TOPIC_KEY } from '../topics/rules.js';

const USAGE = `Usage: npm run cli -- <command>

  migrate                                   apply pending migrations
  keys create --name NAME --scopes a,b      create an API key (printed once, on the last line)
  keys list                                 list keys (never the keys themselves)
  keys revoke --id ID                       revoke a key
  jobs run                                  run every due background job once and exit
  topics list [--all]                       list topics (--all: removed ones too)
  topics put --key KEY --name-ru N --name-en N [--description-ru D] [--description-en D]
             [--default-subscribed yes|no] [--counts-toward-cap yes|no]
                                            define a topic or replace its definition
  topics remove --key KEY                   remove a topic (links already mailed keep working)
  import subjects FILE [--preset P] [--map target=Column,...] [--source LABEL] [--policy-version V] [--dry-run]
  import suppressions FILE [--preset P] [--map ...] [--reason R] [--source LABEL] [--dry-run]
                                            import a CSV file (streamed, in batches; run it again to resume
                                            an interrupted one); rejected rows go to FILE.rejected.csv
                                            presets: ${PRESET_NAMES.join(', ')}

Scopes: ${SCOPES.join(', ')}`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      id: { type: 'string' },
      key: { type: 'string' },
      'name-ru': { type: 'string' },
      'name-en': { type: 'string' },
      'description-ru': { type: 'string' },
      'description-en': { type: 'string' },
      'default-subscribed': { type: 'string' },
      'counts-toward-cap': { type: 'string' },
      all: { type: 'boolean' },
      preset: { type: 'string' },
      map: { type: 'string' },
      reason: { type: 'string' },
      source: { type: 'string' },
      'policy-version': { type: 'string' },
      'dry-run': { type: 'boolean' },
      'batch-size': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, action] = positionals;
  if (values.help || !group) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfig(process.env);
  const known =
    (group === 'migrate' && !action) ||
    (group === 'keys' && ['create', 'list', 'revoke'].includes(action ?? '')) ||
    (group === 'jobs' && action === 'run') ||
    (group === 'topics' && ['list', 'put', 'remove'].includes(action ?? '')) ||
    (group === 'import' && ['subjects', 'suppressions'].includes(action ?? ''));
  if (!known) {
    console.error(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  // Validate arguments before opening the database.
  let scopes: ReturnType<typeof parseScopes> = [];
  if (group === 'keys' && action === 'create') {
    if (!values.name?.trim()) throw new UsageError('keys create needs --name NAME');
    scopes = parseScopes(values.scopes ?? '');
  }
  if (group === 'keys' && action === 'revoke' && !values.id) throw new UsageError('keys revoke needs --id ID');
  let topic: TopicInput | null = null;
  if (group === 'topics' && (action === 'put' || action === 'remove')) {
    if (!values.key || !TOPIC_KEY.test(values.key)) throw new UsageError(`topics ${action} needs --key KEY (a-z, 0-9, "-" and "_", 1 to 63 characters)`);
  }
  if (group === 'topics' && action === 'put') topic = topicInput(values);
  const importArgs = group === 'import' ? importInput(action as 'subjects' | 'suppressions', positionals[2], values) : null;

  let handle: Awaited<ReturnType<typeof openDatabase>>;
  try {
    handle = await openDatabase(config, `cli ${group} ${action ?? ''}`.trim());
  } catch (e) {
    // The server holds the embedded database: its staff API imports without stopping it.
    if (e instanceof DataDirInUseError && group === 'import') {
      throw new UsageError(
        `${e.message}\nTo import while the server runs, send the file to its staff API instead (a key with the imports:write scope):\n` +
          `  curl -X POST -H 'Authorization: Bearer <key>' -H 'Content-Type: text/csv' --data-binary @${positionals[2]} '${config.publicBaseUrl}/v1/imports/${action}'`,
      );
    }
    throw e;
  }
  try {
    // The CLI is often the first thing run against a fresh database.
    await migrateToLatest(handle.db);
    if (group === 'migrate') {
      console.log('Database is at the latest migration.');
      return 0;
    }
    const now = new Date();
    if (group === 'import') return await importFile(config, handle, importArgs!);
    if (group === 'jobs') {
      const built = await buildDeps(config, handle, createLogger(config.logLevel));
      const r = await runJobs(jobDeps(built)).finally(() => built.mailer.close());
      console.log(
        `mail: ${r.mail?.sent ?? 0} sent, ${r.mail?.retried ?? 0} to retry, ${r.mail?.dead ?? 0} parked; ` +
          `pushes: ${r.pushes?.pushed ?? 0} change(s) pushed, ${r.pushes?.failed ?? 0} failed; erasure: ${r.erased} person(s) erased; cadence ledger: ${r.expiredReservations} expired reservation(s) released, ` +
          `${r.prunedSends} send(s) past retention deleted; requests: ${r.overdue} overdue, ${r.atRisk} due within 4 hours`,
      );
      return 0;
    }
    if (group === 'topics') {
      if (action === 'list') {
        const topics = await listTopics(handle.db, { includeRemoved: values.all === true });
        if (topics.length === 0) console.log('No topics.');
        for (const t of topics) {
          const flags = `${t.defaultSubscribed ? 'default-on' : 'default-off'},${t.countsTowardCap ? 'counts-toward-cap' : 'outside-cap'}`;
          console.log(`${t.key}\t${t.removedAt ? 'removed' : 'active'}\t${flags}\t${t.name.ru}\t${t.name.en}`);
        }
        return 0;
      }
      if (action === 'put') {
        const r = await putTopic(handle.db, values.key!, topic!, now);
        console.log(`${r.kind === 'created' ? 'Created' : 'Updated'} topic ${values.key}.`);
        return 0;
      }
      const r = await removeTopic(handle.db, values.key!, now);
      console.log(
        r.kind === 'unknown_topic'
          ? `No topic ${values.key}.`
          : r.kind === 'removed'
            ? `Removed topic ${values.key}.`
            : `Topic ${values.key} was already removed.`,
      );
      return r.kind === 'unknown_topic' ? 1 : 0;
    }
    if (action === 'create') {
      const { id, key } = await createApiKey(handle.db, { name: values.name!.trim(), scopes }, now);
      console.log(`Created key ${id} (${values.name!.trim()}) with scopes ${scopes.join(',')}. Store it now; it is not shown again:`);
      console.log(key);
      return 0;
    }
    if (action === 'list') {
      const keys = await listApiKeys(handle.db);
      if (keys.length === 0) console.log('No keys.');
      for (const k of keys) {
        const used = k.last_used_at ? `last used ${new Date(k.last_used_at).toISOString()}` : 'never used';
        console.log(`${k.id}\t${k.revoked_at ? 'revoked' : 'active'}\t${k.name}\t${k.scopes.join(',')}\t${new Date(k.created_at).toISOString()}\t${used}`);
      }
      return 0;
    }
    if (action === 'revoke') {
      const ok = await revokeApiKey(handle.db, values.id!, now);
      console.log(ok ? `Revoked ${values.id}.` : `No active key with id ${values.id}.`);
      return ok ? 0 : 1;
    }
    return 2;
  } finally {
    await handle.close();
  }
}

class UsageError extends Error {}

interface ImportArgs {
  kind: 'subjects' | 'suppressions';
  file: string;
  preset: string | null;
  mapping: Partial<Record<Target, string>>;
  reason: SuppressionReason | null;
  source: string;
  policyVersion: string | null;
  dryRun: boolean;
  batchSize: number | undefined;
}

/** `import subjects|suppressions FILE` and its flags, checked before the database opens. */
function importInput(kind: 'subjects' | 'suppressions', file: string | undefined, values: Record<string, string | boolean | undefined>): ImportArgs {
  if (!file) throw new UsageError(`import ${kind} needs the FILE to import`);
  try {
    fileSize(file);
  } catch {
    throw new UsageError(`Cannot read ${file}`);
  }
  const preset = typeof values.preset === 'string' ? values.preset : null;
  if (preset && !isPresetName(preset)) throw new UsageError(`Unknown preset ${preset}; known: ${PRESET_NAMES.join(', ')}`);
  const mapping = parseMapping(typeof values.map === 'string' ? values.map : undefined);
  if (typeof mapping === 'string') throw new UsageError(`--map: ${mapping}`);
  const reason = typeof values.reason === 'string' ? values.reason : null;
  if (reason && !['unsubscribed', 'withdrawn', 'bounced', 'complained', 'manual'].includes(reason)) {
    throw new UsageError('--reason takes unsubscribed, withdrawn, bounced, complained or manual');
  }
  const batch = typeof values['batch-size'] === 'string' ? Number(values['batch-size']) : undefined;
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > 50_000)) throw new UsageError('--batch-size takes 1 to 50000');
  const source = typeof values.source === 'string' && values.source.trim() ? values.source.trim().slice(0, 100) : (preset ?? 'cli');
  return {
    kind,
    file,
    preset,
    mapping,
    reason: reason as SuppressionReason | null,
    source,
    policyVersion: typeof values['policy-version'] === 'string' ? values['policy-version'].trim() || null : null,
    dryRun: values['dry-run'] === true,
    batchSize: batch,
  };
}

/**
 * Imports a file: resumes the unfinished import of the same file (by its SHA-256) if there is
 * one, shows progress on stderr, writes the report beside the file, prints the counts.
 */
async function importFile(config: ReturnType<typeof loadConfig>, handle: Awaited<ReturnType<typeof openDatabase>>, a: ImportArgs): Promise<number> {
  const logger = createLogger(config.logLevel);
  const hasher = nodeEmailHasher(resolveHashKey(config, logger));
  const sha = await fileSha256(a.file);
  const unfinished = a.dryRun ? null : await findUnfinishedImport(handle.db, sha, a.kind);
  if (unfinished) console.error(`Resuming import ${unfinished.id} of this file after line ${unfinished.committedLine}.`);
  const reportPath = `${a.file}.rejected.csv`;
  // IMPORT_PROGRESS_INTERVAL_MS: how often a plain progress line is written when stderr is not a terminal (5 s).
  const every = Number(process.env.IMPORT_PROGRESS_INTERVAL_MS);
  const progress = progressReporter(fileSize(a.file), process.stderr, Number.isFinite(every) && every >= 0 ? { everyMs: every } : {});
  // A dry run records nothing, so its report is written as it goes.
  const dryReport = a.dryRun ? createWriteStream(reportPath, { mode: 0o600 }) : null;
  dryReport?.write(`${REPORT_HEADER}\n`);
  const name = basename(a.file);
  let out: Awaited<ReturnType<typeof runImport>>;
  try {
    out = await runImport(
      handle.db,
      { hasher, newId: () => crypto.randomUUID(), now: () => new Date(), defaultLocale: config.defaultLocale },
      {
        kind: a.kind,
        text: fileText(a.file, progress.onBytes),
        preset: a.preset,
        mapping: a.mapping,
        reason: a.reason,
        source: a.source,
        fileName: name,
        fileSha256: sha,
        policyVersion: a.policyVersion,
        dryRun: a.dryRun,
        resume: unfinished?.id ?? null,
        keyId: null,
        batchSize: a.batchSize,
        onProgress: progress.onProgress,
        onReport: dryReport ? (rows) => dryReport.write(rows.map(reportLine).join('')) : undefined,
      },
    );
  } catch (e) {
    progress.done();
    dryReport?.end();
    if (e instanceof ImportInputError) throw new UsageError(`${e.message} What was read before is in; run the command again after fixing the file to go on.`);
    throw e;
  }
  progress.done();
  if (out.kind !== 'done') {
    console.error(out.detail);
    return out.kind === 'bad_header' ? 2 : 1;
  }
  if (dryReport) {
    dryReport.end();
    await once(dryReport, 'close');
  } else await writeChunks(reportPath, reportPages(handle.db, out.id!));
  const c = out.counts;
  console.log(
    `${out.dryRun ? 'Dry run (nothing written): would import' : `Import ${out.id}:`} ${c.rows} row(s): ${c.created} person(s) created ` +
      `(${c.granted} with advertising consent granted, ${c.consentNone} as none: no consent time in the file), ` +
      `${c.suppressed} suppression(s) added, ${c.alreadySuppressed} already suppressed, ${c.leftAsIs} left as they are, ${c.rejected} rejected` +
      `${out.resumedFrom ? `; resumed after ${out.resumedFrom} row(s) already in` : ''}.`,
  );
  const reasons = Object.entries(c.reported)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(`Report: ${reportPath}${reasons ? ` (${reasons})` : ' (empty)'}`);
  return 0;
}

/** `topics put`'s flags as a topic definition, checked as the API checks its body. */
function topicInput(values: Record<string, string | boolean | undefined>): TopicInput {
  const text = (flag: string, max: number, required: boolean): string | undefined => {
    const v = typeof values[flag] === 'string' ? (values[flag] as string).trim() : undefined;
    if (required && !v) throw new UsageError(`topics put needs --${flag}`);
    if (v && v.length > max) throw new UsageError(`--${flag} is longer than ${max} characters`);
    return v;
  };
  const yesNo = (flag: string): boolean | undefined => {
    const v = values[flag];
    if (v === undefined) return undefined;
    if (v === 'yes' || v === 'true') return true;
    if (v === 'no' || v === 'false') return false;
    throw new UsageError(`--${flag} takes yes or no`);
  };
  return {
    name: { ru: text('name-ru', 200, true)!, en: text('name-en', 200, true)! },
    description: { ru: text('description-ru', 2000, false) ?? '', en: text('description-en', 2000, false) ?? '' },
    defaultSubscribed: yesNo('default-subscribed'),
    countsTowardCap: yesNo('counts-toward-cap'),
  };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof ConfigError || e instanceof DataDirInUseError || e instanceof UsageError) console.error(e.message);
    else if (e instanceof Error && /unknown scope|at least one scope|Unknown option|Unexpected argument/.test(e.message)) console.error(e.message);
    else console.error(e);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
