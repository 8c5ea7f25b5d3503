import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mjml2html from 'mjml';
import { describe, expect, it } from 'vitest';
import { COMPILED_EMAILS } from '../../src/emails/compiled.js';
import { EMAIL_LOCALES, EMAIL_NAMES, type EmailName, EmailRenderError, type EmailVars, escapeHtml, isEmailName, renderEmail } from '../../src/emails/render.js';

const ROOT = resolve(import.meta.dirname, '../..');
const EMAILS_DIR = join(ROOT, 'emails');

/** What a person might type into the lead form's first-name field. */
const HOSTILE_NAME = `Анна <script>alert("x")</script> & 'Co'`;
const HOSTILE_NAME_HTML = 'Анна &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;';

/** The footer's variables, which every template has. */
const OPERATOR = { orgName: 'ООО «Ромашка» & <Co>', supportEmail: 'people@romashka.example.ru' };
const OPERATOR_HTML = 'ООО «Ромашка» &amp; &lt;Co&gt;';

const SAMPLE: { [N in EmailName]: EmailVars[N] } = {
  'confirm-subscription': {
    ...OPERATOR,
    firstName: HOSTILE_NAME,
    confirmUrl: 'https://mail.example.ru/c/tok.en-1?a=1&b=2',
    policyUrl: 'https://example.ru/privacy',
  },
  unsubscribed: { ...OPERATOR, firstName: HOSTILE_NAME, preferencesUrl: 'https://mail.example.ru/p/tok' },
  'preferences-updated': {
    ...OPERATOR,
    firstName: HOSTILE_NAME,
    changes: 'Частота писем: до трёх писем в месяц & без паузы',
    preferencesUrl: 'https://mail.example.ru/p/tok',
  },
  'fresh-link': { ...OPERATOR, firstName: HOSTILE_NAME, linkUrl: 'https://mail.example.ru/w/tok', validUntil: '2 декабря 2025' },
  'withdrawal-received': {
    ...OPERATOR,
    firstName: HOSTILE_NAME,
    erasureDate: '26 ноября 2025 в 10:00 (GMT+3)',
    exportUrl: 'https://mail.example.ru/p/tok/export',
    supportEmail: 'help@example.ru',
  },
  'erasure-completed': {
    ...OPERATOR,
    completedDate: '27 ноября 2025',
    closedRequests: '№ 0d9e7b1c-4c1f-4a8e-9a57-6f2f3c1e2b11 (жалоба на обработку данных)',
    supportEmail: 'help@example.ru',
  },
  'confirm-address': {
    ...OPERATOR,
    firstName: HOSTILE_NAME,
    confirmUrl: 'https://mail.example.ru/c/tok',
    validUntil: '2 декабря 2025',
    subscription: 'granted',
    supportEmail: 'help@example.ru',
  },
  'confirm-details': {
    ...OPERATOR,
    firstName: HOSTILE_NAME,
    confirmUrl: 'https://mail.example.ru/c/tok',
    validUntil: '2 декабря 2025',
    supportEmail: 'help@example.ru',
  },
  'address-changed': { ...OPERATOR, changedDate: '27 ноября 2025', supportEmail: 'help@example.ru' },
  'request-received': {
    ...OPERATOR,
    firstName: HOSTILE_NAME,
    requestType: 'erasure',
    requestId: '0d9e7b1c-4c1f-4a8e-9a57-6f2f3c1e2b11',
    receivedDate: '25 ноября 2025',
    dueDate: '27 ноября 2025',
    supportEmail: 'help@example.ru',
  },
  'request-extended': {
    ...OPERATOR,
    firstName: HOSTILE_NAME,
    requestType: 'access',
    requestId: '0d9e7b1c-4c1f-4a8e-9a57-6f2f3c1e2b11',
    receivedDate: '25 ноября 2025',
    previousDueDate: '9 декабря 2025',
    dueDate: '16 декабря 2025',
    reason: 'Данные хранятся в архиве',
    supportEmail: 'help@example.ru',
  },
};

const hasFirstName = (name: EmailName) => COMPILED_EMAILS[name].vars.some((v) => v.name === 'firstName');
const urlVars = (name: EmailName) => COMPILED_EMAILS[name].vars.filter((v) => v.kind === 'url').map((v) => v.name);
const PLACEHOLDER = /\{\{|\}\}/;

function render(name: EmailName, locale: 'ru' | 'en', vars: Record<string, unknown>) {
  return renderEmail(name, locale, vars as never);
}

describe('e-mail sources', () => {
  const sources = readdirSync(EMAILS_DIR).filter((f) => f.endsWith('.mjml'));

  it('are exactly the compiled templates', () => {
    expect(sources.map((f) => f.replace(/\.mjml$/, '')).sort()).toEqual([...EMAIL_NAMES].sort());
    expect([...EMAIL_NAMES].sort()).toEqual(
      [
        'address-changed',
        'confirm-address',
        'confirm-details',
        'confirm-subscription',
        'erasure-completed',
        'fresh-link',
        'preferences-updated',
        'request-extended',
        'request-received',
        'unsubscribed',
        'withdrawal-received',
      ].sort(),
    );
  });

  it.each(sources)('%s compiles under strict validation without errors', async (file) => {
    const path = join(EMAILS_DIR, file);
    const result = await mjml2html(readFileSync(path, 'utf8'), { validationLevel: 'strict', filePath: path, ignoreIncludes: false, fonts: {} });
    expect(result.errors).toEqual([]);
    expect(result.html).not.toMatch(/mj-include (denied|fails)/);
  });
});

describe('renderEmail', () => {
  const cases = EMAIL_NAMES.flatMap((name) => EMAIL_LOCALES.map((locale) => [name, locale] as const));

  it.each(cases)('%s (%s): subject, HTML and plain text, nothing left unreplaced', (name, locale) => {
    const mail = render(name, locale, SAMPLE[name]);
    for (const part of [mail.subject, mail.html, mail.text]) {
      expect(part.trim().length).toBeGreaterThan(0);
      expect(part).not.toMatch(PLACEHOLDER);
    }
    expect(mail.subject).not.toMatch(/[\r\n<>&]/);
    expect(mail.html).toContain(`<html lang="${locale}"`);
    expect(mail.html).toContain(`<title>${escapeHtml(mail.subject)}</title>`);

    // What the person typed is escaped in the HTML, and given as is in the plain text.
    if (hasFirstName(name)) {
      expect(mail.html).toContain(HOSTILE_NAME_HTML);
      expect(mail.text).toContain(HOSTILE_NAME);
    }
    expect(mail.html).not.toMatch(/<script/i);
    // No HTML of the template's own in the plain-text part.
    const ownText = mail.text.split(HOSTILE_NAME).join('').split(OPERATOR.orgName).join('');
    expect(ownText).not.toMatch(/<[a-z/!]/i);
    expect(ownText).not.toMatch(/&(?:[a-z]+|#\d+);/i);

    // Every link is in the HTML as an href and as visible text, and in the plain text.
    for (const v of urlVars(name)) {
      const url = new URL((SAMPLE[name] as Record<string, string>)[v]!).href;
      expect(mail.html).toContain(`href="${escapeHtml(url)}"`);
      expect(mail.text).toContain(url);
    }
    // Every mail names the operator and offers a person to write to, in both parts.
    expect(mail.html).toContain(OPERATOR_HTML);
    expect(mail.text).toContain(OPERATOR.orgName);
    const support = (SAMPLE[name] as { supportEmail: string }).supportEmail;
    expect(mail.html).toContain(`<a href="mailto:${support}"`);
    expect(mail.text.split('\n').at(-1)).toContain(support);

    // A button is never the only way: its URL is also a visible link.
    const buttonUrl = /bgcolor="#1d4ed8"[^>]*>\s*<a href="([^"]+)"/.exec(mail.html)?.[1];
    if (buttonUrl) expect(mail.html).toContain(`>${buttonUrl}</a>`);
    expect(Boolean(buttonUrl)).toBe(name !== 'erasure-completed' && name !== 'request-received' && name !== 'address-changed' && name !== 'request-extended');

    // Nothing fetched from the network: no images, fonts, stylesheets or trackers.
    expect(mail.html).not.toMatch(/<img|<link|@import|url\(|\ssrc=|<script/i);
    expect(mail.html).not.toContain('googleapis');
  });

  it('states what the person agrees to in the confirmation mail, in both languages', () => {
    const ru = render('confirm-subscription', 'ru', SAMPLE['confirm-subscription']);
    expect(ru.text).toMatch(/рекламно-информационные письма/);
    expect(ru.text).toMatch(/от одного до трёх писем в месяц/);
    expect(ru.text).toMatch(/отписаться можно в любой момент/);
    expect(ru.html).toContain('href="https://example.ru/privacy"');
    const en = render('confirm-subscription', 'en', SAMPLE['confirm-subscription']);
    expect(en.text).toMatch(/advertising and newsletter e-mails/);
    expect(en.text).toMatch(/one to three a month/);
    expect(en.text).toMatch(/unsubscribe at any time/);
    expect(ru.subject).not.toBe(en.subject);
  });

  it('greets without a name when firstName is empty or absent', () => {
    for (const firstName of ['', '   ', null, undefined]) {
      const mail = render('unsubscribed', 'ru', { ...SAMPLE.unsubscribed, firstName });
      expect(mail.text.startsWith('Здравствуйте!\n')).toBe(true);
      expect(mail.html).toContain('>Здравствуйте!<');
      expect(mail.html).not.toContain('Здравствуйте, ');
    }
    expect(render('fresh-link', 'en', { ...SAMPLE['fresh-link'], firstName: undefined }).text.startsWith('Hello,\n')).toBe(true);
  });

  it('shows the label of an enum value in the mail language', () => {
    const vars = { ...SAMPLE['request-received'], requestType: 'automated_decision_appeal' };
    expect(render('request-received', 'ru', vars).text).toContain('жалоба на решение, принятое автоматически');
    expect(render('request-received', 'en', vars).text).toContain('appeal against an automated decision');
    expect(() => render('request-received', 'ru', { ...vars, requestType: 'toString' })).toThrow(EmailRenderError);
  });

  it('substitutes in one pass: braces a person types stay text and are escaped in the HTML', () => {
    const mail = render('confirm-subscription', 'ru', { ...SAMPLE['confirm-subscription'], firstName: '{{confirmUrl}} {{t.button}}' });
    expect(mail.text).toContain('Здравствуйте, {{confirmUrl}} {{t.button}}!');
    expect(mail.html).toContain('&#123;&#123;confirmUrl&#125;&#125; &#123;&#123;t.button&#125;&#125;');
  });

  it('keeps typed values on one line (no control characters or bidi overrides)', () => {
    const mail = render('unsubscribed', 'ru', { ...SAMPLE.unsubscribed, firstName: 'Анна\r\nBcc: x@example.ru\u202e' });
    expect(mail.text.split('\n')[0]).toBe('Здравствуйте, Анна Bcc: x@example.ru!');
  });

  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(document.cookie)',
    ' javascript:alert(1)',
    'java\nscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'mailto:someone@example.ru',
    '//evil.example/c/x',
    '/c/relative',
    'https://mail.example.ru@evil.example/',
    'https://user:password@mail.example.ru/c/x',
    '',
  ])('refuses the URL %j', (bad) => {
    expect(() => render('confirm-subscription', 'ru', { ...SAMPLE['confirm-subscription'], confirmUrl: bad })).toThrow(EmailRenderError);
  });

  it('keeps a URL inside its attribute', () => {
    const mail = render('confirm-subscription', 'en', {
      ...SAMPLE['confirm-subscription'],
      confirmUrl: `https://mail.example.ru/c/x"onmouseover="alert(1)'<b>?q="1"&r=<2>`,
    });
    const hrefs = [...mail.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs).toContain('https://mail.example.ru/c/x%22onmouseover=%22alert(1)&#39;%3Cb%3E?q=%221%22&amp;r=%3C2%3E');
    expect(mail.html).not.toContain('onmouseover="');
  });

  it('throws on a missing, empty or malformed variable', () => {
    const { confirmUrl: _omit, ...noUrl } = SAMPLE['confirm-subscription'];
    expect(() => render('confirm-subscription', 'ru', noUrl)).toThrow(/confirmUrl.*missing/);
    expect(() => render('fresh-link', 'ru', { ...SAMPLE['fresh-link'], validUntil: '  ' })).toThrow(/validUntil.*empty/);
    expect(() => render('fresh-link', 'ru', { ...SAMPLE['fresh-link'], validUntil: 42 })).toThrow(/must be a string/);
    for (const supportEmail of ['not an address', 'help@example.ru?subject=x', 'a"b@example.ru', 'help@exa\nmple.ru']) {
      expect(() => render('erasure-completed', 'ru', { ...SAMPLE['erasure-completed'], supportEmail })).toThrow(EmailRenderError);
    }
  });

  it('throws on an unknown template or locale', () => {
    expect(() => render('no-such-mail' as EmailName, 'ru', {})).toThrow(/unknown e-mail template/);
    expect(() => render('toString' as EmailName, 'ru', {})).toThrow(/unknown e-mail template/);
    expect(() => render('unsubscribed', 'de' as 'ru', SAMPLE.unsubscribed)).toThrow(/unknown e-mail locale/);
    expect(isEmailName('unsubscribed')).toBe(true);
    expect(isEmailName('constructor')).toBe(false);
  });

  // Its speed is measured by `npx tsx bench/emails/run.ts`; here, that nothing compiles MJML.
  it('renders without MJML at run time: the renderer and its compiled templates import no mjml', () => {
    for (const file of ['src/emails/render.ts', 'src/emails/compiled.ts', 'src/emails/types.ts']) {
      const imports = [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
      expect(
        imports.filter((i) => /mjml/i.test(i!)),
        file,
      ).toEqual([]);
    }
    expect(render('confirm-subscription', 'ru', SAMPLE['confirm-subscription']).html).toContain('<html');
  });
});
