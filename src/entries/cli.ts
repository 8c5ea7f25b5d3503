// Operator CLI: `npm run cli -- <command>`. Wiring and argument parsing only.
import { parseArgs } from 'node:util';
import { createApiKey, listApiKeys, parseScopes, revokeApiKey, SCOPES } from '../auth/keys.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { runJobs } from '../jobs/run.js';
import { createLogger } from '../log.js';
import { buildDeps, jobDeps, openDatabase } from '../node/bootstrap.js';
import { DataDirInUseError } from '../node/pglite.js';
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
    (group === 'topics' && ['list', 'put', 'remove'].includes(action ?? ''));
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

  const handle = await openDatabase(config, `cli ${group} ${action ?? ''}`.trim());
  try {
    // The CLI is often the first thing run against a fresh database.
    await migrateToLatest(handle.db);
    if (group === 'migrate') {
      console.log('Database is at the latest migration.');
      return 0;
    }
    const now = new Date();
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
