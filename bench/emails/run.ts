/**
 * Mail rendering speed: the compiled templates filled in (no MJML at run time), in-process.
 * The test suite only checks that nothing compiles MJML; this measures.
 *
 *   npx tsx bench/emails/run.ts               # 2,000 renders of each template in each language
 *   BENCH_RENDERS=20000 npx tsx bench/emails/run.ts
 */

import { COMPILED_EMAILS } from '../../src/emails/compiled.js';
import { EMAIL_LOCALES, EMAIL_NAMES, renderEmail } from '../../src/emails/render.js';
import { machine } from '../lib/db.js';

const renders = Number(process.env.BENCH_RENDERS ?? 2000);

/** Every variable a template declares, filled with a plausible value. */
function sample(name: (typeof EMAIL_NAMES)[number]): Record<string, string> {
  const tpl = COMPILED_EMAILS[name];
  const vars: Record<string, string> = {};
  for (const v of tpl.vars) {
    vars[v.name] =
      v.kind === 'url'
        ? 'https://prefs.example.ru/p/x'
        : v.kind === 'email'
          ? 'support@example.ru'
          : v.kind === 'enum'
            ? Object.keys(tpl.texts.ru.enums[v.name] ?? {})[0]!
            : `Значение ${v.name}`;
  }
  return vars;
}

console.log(machine());
for (const name of EMAIL_NAMES) {
  for (const locale of EMAIL_LOCALES) {
    const vars = sample(name) as never;
    const t0 = performance.now();
    for (let i = 0; i < renders; i++) renderEmail(name, locale, vars);
    const ms = (performance.now() - t0) / renders;
    console.log(`${name} ${locale}: ${(ms * 1000).toFixed(1)} µs per render`);
  }
}
