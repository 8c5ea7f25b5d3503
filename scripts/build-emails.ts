/**
 * Compiles the e-mail templates (the compiler: src/emails/build/):
 *
 *   npm run build:emails              writes src/emails/compiled.ts (only when it changed)
 *   npm run build:emails -- --check   exits 1 if src/emails/compiled.ts is stale (CI)
 *
 * Options for tests and experiments: `--emails-dir DIR` (default `emails/`), `--out FILE`
 * (default `src/emails/compiled.ts`). Exits 1 naming every problem when a template is invalid.
 */
import { relative, resolve } from 'node:path';
import { type BuildOutcome, buildEmails, DEFAULT_EMAILS_DIR, DEFAULT_OUT_FILE } from '../src/emails/build/module.js';

async function main(argv: string[]): Promise<number> {
  const opts = { check: false, emailsDir: DEFAULT_EMAILS_DIR, outFile: DEFAULT_OUT_FILE };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--check') opts.check = true;
    else if (a === '--emails-dir' && argv[i + 1]) opts.emailsDir = resolve(argv[++i]!);
    else if (a === '--out' && argv[i + 1]) opts.outFile = resolve(argv[++i]!);
    else {
      console.error(`usage: tsx scripts/build-emails.ts [--check] [--emails-dir DIR] [--out FILE]\nunknown argument: ${a}`);
      return 2;
    }
  }
  const relOut = relative(process.cwd(), opts.outFile) || opts.outFile;
  let outcome: BuildOutcome;
  try {
    outcome = await buildEmails(opts);
  } catch (e) {
    // EmailBuildError names every problem in its message.
    console.error(e instanceof Error ? e.message : String(e));
    return 1;
  }
  if (outcome === 'stale') console.error(`${relOut} is stale: run \`npm run build:emails\` and commit the result`);
  else console.log(outcome === 'written' ? `wrote ${relOut}` : `${relOut} is up to date`);
  return outcome === 'stale' ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
