import type { Context, MiddlewareHandler } from 'hono';
import type { Config } from '../config/index.js';
import { type Locale, messages } from './i18n.js';
import { maskEmail } from './mask.js';

/** Whose mail this is and how to reach a person: shown on every public page. */
export interface Operator {
  name: string;
  url: string;
  supportEmail: string;
  policyUrl: string;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set for every request by {@link operatorIdentity}. */
    operator: Operator;
    /** The masked address a page acts on, set by {@link showActingOn}. */
    actingOn: string;
  }
}

export function operatorOf(config: Config): Operator {
  return { name: config.orgName, url: config.orgUrl, supportEmail: config.supportEmail, policyUrl: config.policyUrl };
}

/**
 * Puts the operator on the context, so every page (results, refusals, errors) names them and
 * offers the contact without each route passing it on.
 *
 * @example
 * app.use('*', operatorIdentity(config));
 */
export function operatorIdentity(config: Config): MiddlewareHandler {
  const operator = operatorOf(config);
  return async (c, next) => {
    c.set('operator', operator);
    await next();
  };
}

/**
 * A route that knows whose link it serves calls this once; the page then shows that person's
 * address, masked (`i***@example.ru`), so they can tell which of their addresses is meant.
 */
export function showActingOn(c: Context, email: string | null | undefined): void {
  if (email) c.set('actingOn', maskEmail(email));
}

/** What the frame of a page shows around its content; empty outside the app (a bare sub-app in a test). */
export function pageIdentity(c: Context): { operator?: Operator; actingOn?: string } {
  return { operator: c.get('operator') as Operator | undefined, actingOn: c.get('actingOn') as string | undefined };
}

/** Above the content: the operator's name (linked to their site) and the masked address. */
export function IdentityHeader(props: { locale: Locale; operator?: Operator | undefined; actingOn?: string | undefined }) {
  const t = messages[props.locale];
  if (!props.operator && !props.actingOn) return null;
  return (
    <header class="identity">
      {props.operator ? (
        <p class="org">
          {t.idOperatorLabel} <a href={props.operator.url}>{props.operator.name}</a>
        </p>
      ) : null}
      {props.actingOn ? (
        <p class="acting">
          {t.idActingOn} <strong>{props.actingOn}</strong>
        </p>
      ) : null}
    </header>
  );
}

/** Below the content: the operator again, a person to write to, and the policy. */
export function IdentityFooter(props: { locale: Locale; operator?: Operator | undefined }) {
  const op = props.operator;
  if (!op) return null;
  const t = messages[props.locale];
  return (
    <footer class="identity muted">
      <p>
        {op.name}
        {' · '}
        {t.idContact} <a href={`mailto:${op.supportEmail}`}>{op.supportEmail}</a>
        {' · '}
        <a href={op.policyUrl}>{t.policy}</a>
      </p>
    </footer>
  );
}

/** The styles of the two blocks above, shared by the page and the preference-center layouts. */
export const IDENTITY_CSS = `
.identity p{margin:0 0 .25rem}
header.identity{margin:0 0 .75rem;padding:0 .25rem;overflow-wrap:anywhere}
header.identity .org a{font-weight:600}
footer.identity{margin:1rem 0 0;padding:0 .25rem;text-align:center;overflow-wrap:anywhere}
footer.identity a{display:inline-block;padding:.25rem 0}
`;
