/**
 * One-click unsubscribe of a topic link against the all-mail one-click (issue 13: "no slower than
 * the all-mail one-click by more than 10%"), both through the real server process on PostgreSQL,
 * at 32 connections, every request a first click of a person of their own, interleaved round by
 * round in the same run. The limit is the all-mail one-click; the ratio is topic / all-mail.
 */

import { sql } from 'kysely';
import { generateSigningJwk } from '../../src/links/tokens.js';
import { type LoadFigures, load, openSchema } from '../lib/env.js';
import { fmtInt, ratio, type ScenarioResult } from '../lib/harness.js';
import { BODY, CONNECTIONS, checkAllOk, fig, med, ONE_CLICK, POOL, signPaths, WARM } from '../lib/one-click.js';
import { seedSubjects } from '../lib/seed.js';
import { startService, tempDir } from '../lib/service.js';

const TOPIC = 'webinars';

export async function unsubscribeTopicPg(opts: { quick: boolean }): Promise<ScenarioResult> {
  const rounds = opts.quick ? 2 : 3;
  const perRound = opts.quick ? 1_000 : 8_000;
  const now = new Date();
  const s = await openSchema('unsubscribe_topic_pg');
  const tmp = tempDir();
  const jwk = await generateSigningJwk('bench');
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    const all = await seedSubjects(s.handle.db, rounds * perRound * 2 + 2 * WARM, now);
    await sql`insert into topics (key, name_ru, name_en, created_at, updated_at) values (${TOPIC}, 'Вебинары', 'Webinars', ${now}, ${now})`.execute(
      s.handle.db,
    );
    await sql`analyze`.execute(s.handle.db);
    const allMail: string[][] = [];
    const topic: string[][] = [];
    for (let r = 0; r < rounds; r++) {
      allMail.push(await signPaths(all.slice(2 * r * perRound, (2 * r + 1) * perRound), now, jwk));
      topic.push(await signPaths(all.slice((2 * r + 1) * perRound, (2 * r + 2) * perRound), now, jwk, TOPIC));
    }
    const warm = all.slice(rounds * perRound * 2);
    service = await startService({ url: s.url, dataDir: tmp.dir }, jwk, { DB_POOL_MAX: POOL });
    const warmAll = await signPaths(warm.slice(0, WARM), now, jwk);
    const warmTopic = await signPaths(warm.slice(WARM), now, jwk, TOPIC);
    for (const [what, p] of [
      ['all-mail warm-up', warmAll],
      ['topic warm-up', warmTopic],
    ] as const) {
      checkAllOk(
        what,
        await load(service.base, { connections: CONNECTIONS, amount: p.length, method: 'POST', path: (i) => p[i]!, body: BODY, headers: ONE_CLICK }),
      );
    }

    const figures = { allMail: [] as LoadFigures[], topic: [] as LoadFigures[] };
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so neither always meets the warmer (or the more bloated) table.
      const order = r % 2 === 0 ? (['allMail', 'topic'] as const) : (['topic', 'allMail'] as const);
      for (const which of order) {
        const p = which === 'allMail' ? allMail[r]! : topic[r]!;
        const f = await load(service.base, { connections: CONNECTIONS, amount: p.length, method: 'POST', path: (i) => p[i]!, body: BODY, headers: ONE_CLICK });
        checkAllOk(which, f);
        figures[which].push(f);
      }
    }
    const counts = await sql<{ g: string; t: string }>`
      select (select count(*) from suppressions)::text as g, (select count(*) from topic_suppressions)::text as t`.execute(s.handle.db);
    const expected = rounds * perRound + WARM;
    if (Number(counts.rows[0]!.g) !== expected || Number(counts.rows[0]!.t) !== expected) {
      throw new Error(`expected ${expected} global and ${expected} topic suppressions, found ${counts.rows[0]!.g} and ${counts.rows[0]!.t}`);
    }
    const tp = med(figures.topic);
    const am = med(figures.allMail);
    const r = ratio(tp.perSecond, am.perSecond);
    return {
      rows: [
        {
          scenario: 'unsubscribe-topic-pg vs all-mail',
          service: fig(tp),
          limit: fig(am),
          ratio: r,
          goal: '≥ 0.9',
          met: r !== null && r >= 0.9,
          notes: `${rounds} × ${fmtInt(perRound)} first clicks each, ${CONNECTIONS} connections, medians; limit: the all-mail one-click on the same server, interleaved`,
        },
      ],
      figures: { rounds, perRound, connections: CONNECTIONS, topic: figures.topic, allMail: figures.allMail },
    };
  } finally {
    await service?.stop();
    await s.drop();
    tmp.remove();
  }
}
