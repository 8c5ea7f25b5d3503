import { Hono } from 'hono';
import type { ResolvedDeps } from '../deps.js';
import { messages } from './i18n.js';
import { pageLocale } from './layout.js';
import { messagePage } from './message.js';

/** `GET /`: what this service is and whose, with the way to its API description and its policy. */
export function homeRoutes(deps: ResolvedDeps) {
  const app = new Hono();
  app.get('/', (c) => {
    const locale = pageLocale(c, deps);
    const t = messages[locale];
    const { config } = deps;
    return messagePage(
      c,
      200,
      locale,
      t.homeTitle(config.orgName),
      t.homeLead,
      <ul>
        <li>
          <a href={config.policyUrl}>{t.policy}</a>
        </li>
        <li>
          <a href="/docs">{t.homeDocs}</a>
        </li>
      </ul>,
    );
  });
  return app;
}
