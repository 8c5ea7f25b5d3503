// Workers only, in place of the `zod` package (wrangler.toml [alias]): zod's own classic API,
// the same modules, minus what nothing here uses: `z.locales` (error messages in 63 languages),
// `z.core`, `z.compile` (the JIT fast path) and `z.fromJSONSchema`. @hono/zod-openapi hands `z`
// to a function, so a bundler must keep every member of it: with them the Worker is about
// 310 KiB larger, past 1 MiB. English messages stay (zod registers them itself,
// classic/schemas.js). Mirrors zod/v4/classic/external.js of the pinned zod;
// test/worker/bundle.test.ts checks that it still does.
import * as z from './zod.mjs';

export * from '../../node_modules/zod/v4/classic/checks.js';
export * as coerce from '../../node_modules/zod/v4/classic/coerce.js';
export * from '../../node_modules/zod/v4/classic/compat.js';
export { deepPartial } from '../../node_modules/zod/v4/classic/deep-partial.js';
export * from '../../node_modules/zod/v4/classic/errors.js';
export { input, output } from '../../node_modules/zod/v4/classic/in-out.js';
export * as iso from '../../node_modules/zod/v4/classic/iso.js';
export { ZodISODate, ZodISODateTime, ZodISODuration, ZodISOTime } from '../../node_modules/zod/v4/classic/iso.js';
export * from '../../node_modules/zod/v4/classic/parse.js';
export * from '../../node_modules/zod/v4/classic/schemas.js';
export {
  $brand,
  $input,
  $output,
  clone,
  config,
  flattenError,
  formatError,
  getDiscriminatedOption,
  globalRegistry,
  memoizer,
  NEVER,
  prettifyError,
  regexes,
  registry,
  TimePrecision,
  toZod,
  treeifyError,
  util,
} from '../../node_modules/zod/v4/core/index.js';
export { toJSONSchema } from '../../node_modules/zod/v4/core/json-schema-processors.js';
export { z, z as default };
