/**
 * Renders a compiled e-mail template: substitution and escaping only. The MJML was compiled at
 * build time (`npm run build:emails` → ./compiled.ts); nothing here imports mjml or anything
 * Node-only, so this runs on Workers too.
 */
import { COMPILED_EMAILS, EMAIL_NAMES, type EmailName, type EmailVars } from './compiled.js';
import { type CompiledEmail, EMAIL_LOCALES, type EmailLocale, type EmailLocaleTexts, type EmailVarSpec } from './types.js';

export { EMAIL_LOCALES, EMAIL_NAMES, type EmailLocale, type EmailName, type EmailVars };

export interface RenderedEmail {
  /** One line, plain text (the mailer encodes it for the header). */
  subject: string;
  html: string;
  /** The plain-text part: no HTML, no entities; values as given. */
  text: string;
}

/** A template, locale or variable the caller got wrong: a bug in the caller, not bad user input. */
export class EmailRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmailRenderError';
  }
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
/** Control characters, line and paragraph separators, bidi overrides: never wanted in one line. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this strips from texts headed for mail.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** Letters, digits and `._+-` before the @, a host name after it (`localhost` too: the embedded default's sender). */
const EMAIL_RE = /^[\p{L}\p{N}._+-]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*$/u;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  // Braces too, so nothing typed by a person can look like a placeholder to a later templating pass.
  '{': '&#123;',
  '}': '&#125;',
};

/** Escapes text for HTML content and for double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'{}]/g, (c) => HTML_ESCAPES[c]!);
}

function oneLine(s: string): string {
  return s.replace(UNSAFE_CHARS, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * An absolute http(s) URL, normalized (so quotes, spaces and angle brackets are percent-encoded),
 * or an error: `javascript:`, `data:`, relative URLs and URLs with credentials are refused.
 */
export function safeHttpUrl(value: string, what = 'URL'): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a URL with a control character is refused, so they must be named.
  if (/[\s\u0000-\u001f\u007f]/.test(value)) throw new EmailRenderError(`${what}: whitespace or control characters in a URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EmailRenderError(`${what}: not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EmailRenderError(`${what}: only http and https URLs are allowed, not ${url.protocol}`);
  if (url.username || url.password) throw new EmailRenderError(`${what}: URLs with credentials are refused`);
  return url.href;
}

/** Checks every variable the template declares; returns their plain (unescaped) values. */
function resolveVars(name: string, tpl: CompiledEmail, texts: EmailLocaleTexts, vars: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const spec of tpl.vars) out.set(spec.name, resolveVar(name, spec, texts, vars[spec.name]));
  return out;
}

function resolveVar(template: string, spec: EmailVarSpec, texts: EmailLocaleTexts, raw: unknown): string {
  const what = `${template}: {{${spec.name}}}`;
  if (spec.kind === 'name' && (raw === undefined || raw === null)) return '';
  if (raw === undefined || raw === null) throw new EmailRenderError(`${what} is missing`);
  if (typeof raw !== 'string') throw new EmailRenderError(`${what} must be a string, got ${typeof raw}`);
  switch (spec.kind) {
    case 'name':
      return oneLine(raw);
    case 'url':
      return safeHttpUrl(raw.trim(), what);
    case 'email': {
      const v = raw.trim();
      if (!EMAIL_RE.test(v)) throw new EmailRenderError(`${what} is not an e-mail address`);
      return v;
    }
    case 'enum': {
      const labels = texts.enums[spec.name] ?? {};
      if (!Object.hasOwn(labels, raw)) throw new EmailRenderError(`${what} must be one of ${Object.keys(labels).join(', ')}; got "${raw}"`);
      return labels[raw]!;
    }
    case 'text': {
      const v = oneLine(raw);
      if (!v) throw new EmailRenderError(`${what} is empty`);
      return v;
    }
  }
}

/** One pass over `{{token}}` placeholders: what a value contains is never substituted again. */
function fill(template: string, value: (token: string) => string): string {
  return template.replace(PLACEHOLDER, (_, token: string) => value(token));
}

/**
 * Renders one e-mail: the subject, the HTML part and the plain-text part.
 *
 * Variables are checked and escaped by kind (see `EmailVarKind`): text is HTML-escaped, URLs must
 * be absolute http(s) (anything else, `javascript:` included, throws) and are normalized and
 * attribute-escaped, e-mail addresses are checked, enum values are replaced by their label in the
 * mail's language. `firstName` may be empty or absent: the greeting then goes without a name.
 * Text values are reduced to one line (control characters and bidi overrides removed). The
 * plain-text part carries the values as given, unescaped, and no HTML. Variables the template
 * does not use are ignored.
 *
 * Throws {@link EmailRenderError} for an unknown template or locale and for a missing, empty or
 * invalid variable.
 *
 * @example
 * const mail = renderEmail('confirm-subscription', 'ru', {
 *   firstName: 'Анна',
 *   confirmUrl: `${config.publicBaseUrl}/c/${token}`,
 *   policyUrl: 'https://example.ru/privacy',
 * });
 * // mail.subject === 'Подтвердите подписку на рассылку'
 * await mailer.send({ to, from: config.mailFrom, messageId, ...mail });
 *
 * @example
 * renderEmail('request-received', subject.locale === 'en' ? 'en' : 'ru', {
 *   firstName: null,
 *   requestType: 'erasure',
 *   requestId: request.id,
 *   receivedDate: formatDateInText(request.receivedAt, 'ru', config.timeZone),
 *   dueDate: formatDateInText(request.dueAt, 'ru', config.timeZone),
 *   supportEmail: 'help@example.ru',
 * });
 */
export function renderEmail<N extends EmailName>(name: N, locale: EmailLocale, vars: EmailVars[N]): RenderedEmail {
  const tpl: CompiledEmail | undefined = Object.hasOwn(COMPILED_EMAILS, name) ? COMPILED_EMAILS[name] : undefined;
  if (!tpl) throw new EmailRenderError(`unknown e-mail template "${String(name)}"; known: ${EMAIL_NAMES.join(', ')}`);
  const texts: EmailLocaleTexts | undefined = Object.hasOwn(tpl.texts, locale) ? tpl.texts[locale] : undefined;
  if (!texts) throw new EmailRenderError(`unknown e-mail locale "${String(locale)}"; known: ${EMAIL_LOCALES.join(', ')}`);
  if (typeof vars !== 'object' || vars === null) throw new EmailRenderError(`${name}: variables must be an object`);

  const values = resolveVars(name, tpl, texts, vars as Record<string, unknown>);
  const variable = (token: string): string => {
    const v = values.get(token);
    if (v === undefined) throw new EmailRenderError(`${name}: unknown placeholder {{${token}}}`);
    return v;
  };
  /** A text slot with its variables filled in, plain (escaped by the caller where needed). */
  const slot = (key: string): string => {
    const useAnonymous = key === 'greeting' && values.get('firstName') === '' && texts.strings.greetingAnonymous !== undefined;
    const s = texts.strings[useAnonymous ? 'greetingAnonymous' : key];
    if (s === undefined) throw new EmailRenderError(`${name}: no ${locale} text for {{t.${key}}}`);
    return fill(s, variable);
  };
  const plain = (token: string): string => (token.startsWith('t.') ? slot(token.slice(2)) : variable(token));

  return {
    subject: oneLine(slot('subject')),
    html: fill(tpl.html, (token) => (token === 'lang' ? locale : escapeHtml(plain(token)))),
    text: fill(texts.text, plain),
  };
}

/** Narrows a string (an outbox row's kind, say) to a template name. */
export function isEmailName(name: string): name is EmailName {
  return (EMAIL_NAMES as readonly string[]).includes(name);
}
