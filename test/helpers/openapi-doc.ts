/**
 * The OpenAPI document of an app built without a database (generating the document reads none),
 * and an ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1) that resolves its `$ref`s.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createEmailHasher } from '../../src/consent/hash.js';
import type { AppDeps } from '../../src/deps.js';
import { createLinkSigner, generateSigningJwk } from '../../src/links/tokens.js';
import { silentLogger } from '../../src/log.js';
import { fixedClock } from '../../src/time/clock.js';
import { TEST_HASH_KEY } from './harness.js';

export interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Record<string, unknown> }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { description?: string; headers?: Record<string, unknown>; content?: Record<string, { schema: unknown }> }>;
}

export interface OpenApiDoc {
  openapi: string;
  info: { license?: { name: string } };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

/** The app without a database: enough for /openapi.json and /docs, which read none. */
export async function appWithoutDb(extra: Partial<AppDeps> = {}) {
  const config = loadConfig({ PUBLIC_BASE_URL: 'https://prefs.example.ru', SUPPRESSION_HASH_KEY: TEST_HASH_KEY, LOG_LEVEL: 'silent' });
  const clock = fixedClock('2026-03-02T09:00:00Z');
  return createApp({
    config,
    db: {} as never,
    clock,
    logger: silentLogger,
    signer: await createLinkSigner([await generateSigningJwk('k')], clock),
    hasher: await createEmailHasher(TEST_HASH_KEY),
    ...extra,
  });
}

/** The app's /openapi.json. */
export async function openApiDoc(): Promise<OpenApiDoc> {
  const app = await appWithoutDb();
  return (await (await app.request('/openapi.json')).json()) as OpenApiDoc;
}

/** Every operation: method (upper case), path and the operation object. */
export const operationsOf = (doc: OpenApiDoc) =>
  Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));

const pointerPart = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** Validates values against schemas of the document, by JSON pointer (`#/components/schemas/X`) or inline schema. */
export function docValidator(doc: OpenApiDoc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  ajv.addSchema({ ...doc, $id: 'https://mailprefs.invalid/openapi.json' } as object);
  const cache = new Map<string, ValidateFunction>();
  const at = (pointer: string): ValidateFunction => {
    let v = cache.get(pointer);
    if (!v) {
      v = ajv.compile({ $ref: `https://mailprefs.invalid/openapi.json${pointer}` });
      cache.set(pointer, v);
    }
    return v;
  };
  return {
    /** The validator of the schema at a pointer into the document. */
    at,
    /** The pointer of an operation's JSON request body schema. */
    requestBody: (method: string, path: string, mediaType = 'application/json') =>
      `#/paths/${pointerPart(path)}/${method.toLowerCase()}/requestBody/content/${pointerPart(mediaType)}/schema`,
    /** The pointer of an operation's response schema. */
    response: (method: string, path: string, status: number, mediaType = 'application/json') =>
      `#/paths/${pointerPart(path)}/${method.toLowerCase()}/responses/${status}/content/${pointerPart(mediaType)}/schema`,
  };
}
