/**
 * `npm run lint:openapi`: builds the app with a throwaway configuration (no database is opened:
 * generating the document reads none), writes its /openapi.json to a temporary file and lints it
 * with Redocly's recommended rules (redocly.yaml). Exits with Redocly's status: non-zero on any
 * error. Works offline.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { createEmailHasher } from '../src/consent/hash.js';
import { createLinkSigner, generateSigningJwk } from '../src/links/tokens.js';
import { silentLogger } from '../src/log.js';
import { systemClock } from '../src/time/clock.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const hashKey = 'openapi-lint-throwaway-key-0123456789abcdef';
const config = loadConfig({ PUBLIC_BASE_URL: 'https://prefs.example.ru', SUPPRESSION_HASH_KEY: hashKey, LOG_LEVEL: 'silent' });
const app = createApp({
  config,
  db: {} as never,
  clock: systemClock,
  logger: silentLogger,
  signer: await createLinkSigner([await generateSigningJwk('lint')], systemClock),
  hasher: await createEmailHasher(hashKey),
});
const res = await app.request('/openapi.json');
if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`);

const dir = mkdtempSync(join(tmpdir(), 'mailprefs-openapi-'));
const file = join(dir, 'openapi.json');
writeFileSync(file, JSON.stringify(await res.json(), null, 2));
const run = spawnSync('npx', ['--no-install', 'redocly', 'lint', file, '--config', join(root, 'redocly.yaml'), '--format', 'stylish'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
});
rmSync(dir, { recursive: true, force: true });
process.exit(run.status ?? 1);
