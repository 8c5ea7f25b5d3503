// GENERATED FILE: do not edit by hand.
// Built by scripts/build-emails.ts (mjml 5.4.1, strict validation) from emails/<name>.mjml and
// emails/<name>.{ru,en}.json. After changing a template or its texts run `npm run build:emails`;
// CI runs `npm run build:emails -- --check`, which fails while this file is stale.
// Render with renderEmail() from ./render.ts: substitution and escaping only, no mjml at run time.
import type { CompiledEmail } from './types.js';

export const EMAIL_NAMES = ["address-changed", "confirm-address", "confirm-details", "confirm-subscription", "erasure-completed", "fresh-link", "preferences-updated", "request-extended", "request-received", "unsubscribed", "withdrawal-received"] as const;
export type EmailName = (typeof EMAIL_NAMES)[number];

/** The variables each template needs (see `EmailVarKind` in ./types.ts for how each kind is checked). */
export interface EmailVars {
  "address-changed": {
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    changedDate: string;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    orgName: string;
    /** E-mail address (shown, and linked with mailto:). */
    supportEmail: string;
  };
  "confirm-address": {
    /** Absolute http(s) URL. */
    confirmUrl: string;
    /** Shown in the greeting; empty or absent gives the greeting without a name. */
    firstName?: string | null;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    orgName: string;
    /** One of the keys of its label table; the mail shows the label in its language. */
    subscription: "granted" | "other";
    /** E-mail address (shown, and linked with mailto:). */
    supportEmail: string;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    validUntil: string;
  };
  "confirm-details": {
    /** Absolute http(s) URL. */
    confirmUrl: string;
    /** Shown in the greeting; empty or absent gives the greeting without a name. */
    firstName?: string | null;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    orgName: string;
    /** E-mail address (shown, and linked with mailto:). */
    supportEmail: string;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    validUntil: string;
  };
  "confirm-subscription": {
    /** Absolute http(s) URL. */
    confirmUrl: string;
    /** Shown in the greeting; empty or absent gives the greeting without a name. */
    firstName?: string | null;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    orgName: string;
    /** Absolute http(s) URL. */
    policyUrl: string;
    /** E-mail address (shown, and linked with mailto:). */
    supportEmail: string;
  };
  "erasure-completed": {
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    closedRequests: string;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    completedDate: string;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    orgName: string;
    /** E-mail address (shown, and linked with mailto:). */
    supportEmail: string;
  };
  "fresh-link": {
    /** Shown in the greeting; empty or absent gives the greeting without a name. */
    firstName?: string | null;
    /** Absolute http(s) URL. */
    linkUrl: string;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    orgName: string;
    /** E-mail address (shown, and linked with mailto:). */
    supportEmail: string;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    validUntil: string;
  };
  "preferences-updated": {
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    changes: string;
    /** Shown in the greeting; empty or absent gives the greeting without a name. */
    firstName?: string | null;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    orgName: string;
    /** Absolute http(s) URL. */
    preferencesUrl: string;
    /** E-mail address (shown, and linked with mailto:). */
    supportEmail: string;
  };
  "request-extended": {
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    dueDate: string;
    /** Shown in the greeting; empty or absent gives the greeting without a name. */
    firstName?: string | null;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    orgName: string;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    previousDueDate: string;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    reason: string;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    receivedDate: string;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    requestId: string;
    /** One of the keys of its label table; the mail shows the label in its language. */
    requestType: "access" | "rectification" | "restriction" | "erasure" | "appeal" | "automated_decision_appeal" | "withdrawal" | "objection";
    /** E-mail address (shown, and linked with mailto:). */
    supportEmail: string;
  };
  "request-received": {
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    dueDate: string;
    /** Shown in the greeting; empty or absent gives the greeting without a name. */
    firstName?: string | null;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    orgName: string;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    receivedDate: string;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    requestId: string;
    /** One of the keys of its label table; the mail shows the label in its language. */
    requestType: "access" | "rectification" | "restriction" | "erasure" | "appeal" | "automated_decision_appeal" | "withdrawal" | "objection";
    /** E-mail address (shown, and linked with mailto:). */
    supportEmail: string;
  };
  "unsubscribed": {
    /** Shown in the greeting; empty or absent gives the greeting without a name. */
    firstName?: string | null;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    orgName: string;
    /** Absolute http(s) URL. */
    preferencesUrl: string;
    /** E-mail address (shown, and linked with mailto:). */
    supportEmail: string;
  };
  "withdrawal-received": {
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    erasureDate: string;
    /** Absolute http(s) URL. */
    exportUrl: string;
    /** Shown in the greeting; empty or absent gives the greeting without a name. */
    firstName?: string | null;
    /** One line of plain text, already in the mail's language (dates formatted for the locale). */
    orgName: string;
    /** E-mail address (shown, and linked with mailto:). */
    supportEmail: string;
  };
}

/** The start every template's HTML shares (mjml's head and styles). */
const HTML_HEAD = "<!doctype html>\n<html lang=\"{{lang}}\" dir=\"auto\" xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\">\n<head>\n<title>{{t.subject}}</title>\n<!--[if !mso]><!-->\n<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n<!--<![endif]-->\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style type=\"text/css\">\n#outlook a { padding:0; }\nbody { margin:0;padding:0;-webkit-text-size-adjust:100%;-ms-text-size-adjust:100%; }\ntable, td { border-collapse:collapse;mso-table-lspace:0pt;mso-table-rspace:0pt; }\nimg { border:0;height:auto;line-height:100%; outline:none;text-decoration:none;-ms-interpolation-mode:bicubic; }\np { display:block;margin:13px 0; }\n</style>\n<!--[if mso]>\n<noscript>\n<xml>\n<o:OfficeDocumentSettings>\n<o:AllowPNG/>\n<o:PixelsPerInch>96</o:PixelsPerInch>\n</o:OfficeDocumentSettings>\n</xml>\n</noscript>\n<![endif]-->\n<!--[if lte mso 11]>\n<style type=\"text/css\">\n.mj-outlook-group-fix { width:100% !important; }\n</style>\n<![endif]-->\n<style type=\"text/css\">\n@media only screen and (min-width:480px) {\n.mj-column-per-100 { width:100% !important; max-width: 100%; }\n}\n</style>\n<style media=\"screen and (min-width:480px)\">\n.moz-text-html .mj-column-per-100 { width:100% !important; max-width: 100%; }\n</style>\n<style type=\"text/css\">\n@media only screen and (max-width: 480px) {\nh1 { font-size: 22px !important; line-height: 28px !important; }\n}\n</style>\n</head>\n<body style=\"word-spacing:normal;background-color:#f3f4f6;\">\n<div style=\"display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0px;max-width:0px;opacity:0;overflow:hidden;\">{{t.preheader}}</div>\n<div aria-label=\"{{t.subject}}\" aria-roledescription=\"email\" role=\"article\" lang=\"{{lang}}\" dir=\"auto\" style=\"word-spacing:normal;background-color:#f3f4f6;\">\n<!--[if mso | IE]><table align=\"center\" border=\"0\" cellpadding=\"0\" cellspacing=\"0\" class=\"\" role=\"presentation\" style=\"width:600px;\" width=\"600\" ><tr><td style=\"line-height:0px;font-size:0px;mso-line-height-rule:exactly;\"><![endif]-->\n<div style=\"margin:0px auto;max-width:600px;\">\n<table align=\"center\" border=\"0\" cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\" style=\"width:100%;\">\n<tbody>\n<tr>\n<td style=\"direction:ltr;font-size:0px;padding:24px 12px 0 12px;text-align:center;\">\n<!--[if mso | IE]><table role=\"presentation\" border=\"0\" cellpadding=\"0\" cellspacing=\"0\"><tr><td class=\"\" style=\"vertical-align:top;width:576px;\" ><![endif]-->\n<div class=\"mj-column-per-100 mj-outlook-group-fix\" style=\"font-size:0px;text-align:left;direction:ltr;display:inline-block;vertical-align:top;width:100%;\">\n<table border=\"0\" cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\" width=\"100%\" style=\"border-collapse:separate;\">\n<tbody>\n<tr>\n<td style=\"background-color:#ffffff;border-radius:8px;vertical-align:top;border-collapse:separate;padding:28px 24px;\">\n<table border=\"0\" cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\" style width=\"100%\">\n<tbody>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:16px;line-height:24px;text-align:left;color:#1f2937;\"><h1 style=\"margin: 0 0 20px 0; font-size: 24px; line-height: 32px; font-weight: 700; color: #111827;\">{{t.heading}}</h1>\n<p style=\"margin: 0 0 16px 0;\">{{t.greeting}}</p>\n";
/** The end every template's HTML shares. */
const HTML_FOOT = "</td>\n</tr>\n</tbody>\n</table>\n</td>\n</tr>\n</tbody>\n</table>\n</div>\n<!--[if mso | IE]></td></tr></table><![endif]-->\n</td>\n</tr>\n</tbody>\n</table>\n</div>\n<!--[if mso | IE]></td></tr></table><table align=\"center\" border=\"0\" cellpadding=\"0\" cellspacing=\"0\" class=\"\" role=\"presentation\" style=\"width:600px;\" width=\"600\" ><tr><td style=\"line-height:0px;font-size:0px;mso-line-height-rule:exactly;\"><![endif]-->\n<div style=\"margin:0px auto;max-width:600px;\">\n<table align=\"center\" border=\"0\" cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\" style=\"width:100%;\">\n<tbody>\n<tr>\n<td style=\"direction:ltr;font-size:0px;padding:16px 12px 32px 12px;text-align:center;\">\n<!--[if mso | IE]><table role=\"presentation\" border=\"0\" cellpadding=\"0\" cellspacing=\"0\"><tr><td class=\"\" style=\"vertical-align:top;width:576px;\" ><![endif]-->\n<div class=\"mj-column-per-100 mj-outlook-group-fix\" style=\"font-size:0px;text-align:left;direction:ltr;display:inline-block;vertical-align:top;width:100%;\">\n<table border=\"0\" cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\" width=\"100%\">\n<tbody>\n<tr>\n<td style=\"vertical-align:top;padding:0;\">\n<table border=\"0\" cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\" style width=\"100%\">\n<tbody>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0 24px;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:14px;line-height:20px;text-align:left;color:#4b5563;\"><p style=\"margin: 0 0 8px 0;\">{{t.footer}}</p>\n<p style=\"margin: 0;\">{{t.footerOperator}} <a href=\"mailto:{{supportEmail}}\" style=\"color: #1d4ed8; text-decoration: underline;\">{{supportEmail}}</a></p></div>\n</td>\n</tr>\n</tbody>\n</table>\n</td>\n</tr>\n</tbody>\n</table>\n</div>\n<!--[if mso | IE]></td></tr></table><![endif]-->\n</td>\n</tr>\n</tbody>\n</table>\n</div>\n<!--[if mso | IE]></td></tr></table><![endif]-->\n</div>\n</body>\n</html>";

/** Texts several templates share word for word, per locale. */
const SHARED_TEXTS = {
  ru: {
    button: "Открыть настройки",
    footer: "Письмо отправлено автоматически — отвечать на него не нужно.",
    footerOperator: "Рассылка компании {{orgName}}. Вопросы — напишите нам, ответит человек:",
    greeting: "Здравствуйте, {{firstName}}!",
    greetingAnonymous: "Здравствуйте!",
    idLabel: "Номер обращения:",
    linkHint: "Если кнопка не работает, скопируйте ссылку в адресную строку браузера:",
    questions: "Вопросы можно задать службе поддержки:",
    receivedLabel: "Получено:",
    typeLabel: "Тема:",
    validity: "Ссылка действует до {{validUntil}}. Она личная — не пересылайте её другим людям.",
  },
  en: {
    button: "Open preferences",
    footer: "This e-mail was sent automatically; there is no need to reply.",
    footerOperator: "Mailings from {{orgName}}. Questions? Write to us, a person answers:",
    greeting: "Hello {{firstName}},",
    greetingAnonymous: "Hello,",
    idLabel: "Reference number:",
    linkHint: "If the button does not work, copy this link into your browser's address bar:",
    questions: "Questions? Write to our support:",
    receivedLabel: "Received:",
    typeLabel: "Request:",
    validity: "The link is valid until {{validUntil}}. It is personal: please do not forward it.",
  },
} as const;

export const COMPILED_EMAILS: { readonly [N in EmailName]: CompiledEmail } = {
  "address-changed": {
    vars: [{"name":"changedDate","kind":"text"},{"name":"orgName","kind":"text"},{"name":"supportEmail","kind":"email"}],
    texts: {
      ru: {
        strings: {
          subject: "Адрес электронной почты изменён",
          preheader: "Теперь мы пишем на другой адрес.",
          heading: "Адрес изменён",
          greeting: "Здравствуйте!",
          intro: "Адрес электронной почты в ваших данных изменён: новый адрес подтвердили по ссылке, которую мы на него отправили.",
          changed: "Дата изменения: {{changedDate}}.",
          lastMail: "На этот адрес мы больше писать не будем.",
          notYou: "Если адрес меняли не вы, сразу напишите нам — мы разберёмся:",
          footer: SHARED_TEXTS.ru.footer,
          footerOperator: SHARED_TEXTS.ru.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.changed}}\n\n{{t.lastMail}}\n\n{{t.notYou}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
      en: {
        strings: {
          subject: "Your e-mail address was changed",
          preheader: "We now write to a different address.",
          heading: "Address changed",
          greeting: "Hello,",
          intro: "The e-mail address in your data has been changed: the new address was confirmed with the link we sent to it.",
          changed: "Changed on: {{changedDate}}.",
          lastMail: "We will not write to this address any more.",
          notYou: "If it was not you who changed it, write to us at once and we will sort it out:",
          footer: SHARED_TEXTS.en.footer,
          footerOperator: SHARED_TEXTS.en.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.changed}}\n\n{{t.lastMail}}\n\n{{t.notYou}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
    },
    html: HTML_HEAD + "<p style=\"margin: 0 0 16px 0;\">{{t.intro}}</p>\n<p class=\"facts\" style=\"margin: 0 0 16px 0; padding: 12px 16px; background-color: #f3f4f6; border-left: 4px solid #1d4ed8;\">{{t.changed}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.lastMail}}</p>\n<p style=\"margin: 0;\">{{t.notYou}} <a href=\"mailto:{{supportEmail}}\" style=\"color: #1d4ed8; text-decoration: underline;\">{{supportEmail}}</a></p></div>\n" + HTML_FOOT,
  },
  "confirm-address": {
    vars: [{"name":"confirmUrl","kind":"url"},{"name":"firstName","kind":"name"},{"name":"orgName","kind":"text"},{"name":"subscription","kind":"enum"},{"name":"supportEmail","kind":"email"},{"name":"validUntil","kind":"text"}],
    texts: {
      ru: {
        strings: {
          subject: "Подтвердите новый адрес электронной почты",
          preheader: "Адрес изменится только после вашего подтверждения.",
          heading: "Подтвердите новый адрес",
          greeting: SHARED_TEXTS.ru.greeting,
          greetingAnonymous: SHARED_TEXTS.ru.greetingAnonymous,
          intro: "Нас попросили писать на этот адрес вместо прежнего. Подтвердите, пожалуйста, что адрес ваш и изменение просили вы. Пока вы не подтвердите, письма приходят на прежний адрес.",
          button: "Подтвердить адрес",
          linkHint: SHARED_TEXTS.ru.linkHint,
          validity: SHARED_TEXTS.ru.validity,
          ignore: "Если вы ничего не меняли, просто не обращайте внимания на это письмо: без подтверждения ничего не изменится и писем на этот адрес не будет.",
          questions: SHARED_TEXTS.ru.questions,
          footer: SHARED_TEXTS.ru.footer,
          footerOperator: SHARED_TEXTS.ru.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{subscription}}\n\n{{t.button}}:\n{{confirmUrl}}\n\n{{t.validity}}\n\n{{t.ignore}}\n\n{{t.questions}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {"subscription":{"granted":"Вы подписаны на нашу рекламно-информационную рассылку. Подтверждая адрес, вы соглашаетесь получать её на этот адрес — не чаще, чем выбрано в настройках; отписаться можно в любой момент по ссылке в каждом письме.","other":"Подтверждение адреса не подписывает вас на рассылку: рекламные письма на этот адрес придут, только если вы отдельно на них согласитесь."}},
      },
      en: {
        strings: {
          subject: "Please confirm your new e-mail address",
          preheader: "The address changes only once you confirm it.",
          heading: "Confirm your new address",
          greeting: SHARED_TEXTS.en.greeting,
          greetingAnonymous: SHARED_TEXTS.en.greetingAnonymous,
          intro: "We were asked to write to this address instead of the previous one. Please confirm that this address is yours and that it was you who asked. Until you confirm, our e-mails go to the previous address.",
          button: "Confirm address",
          linkHint: SHARED_TEXTS.en.linkHint,
          validity: SHARED_TEXTS.en.validity,
          ignore: "If you did not change anything, just ignore this e-mail: without your confirmation nothing changes and nothing is sent to this address.",
          questions: SHARED_TEXTS.en.questions,
          footer: SHARED_TEXTS.en.footer,
          footerOperator: SHARED_TEXTS.en.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{subscription}}\n\n{{t.button}}:\n{{confirmUrl}}\n\n{{t.validity}}\n\n{{t.ignore}}\n\n{{t.questions}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {"subscription":{"granted":"You are subscribed to our advertising and newsletter e-mails. By confirming this address you agree to receive them here, never more often than your preferences allow; you can unsubscribe at any time with the link in every e-mail.","other":"Confirming the address does not subscribe you: advertising e-mails come to this address only if you agree to them separately."}},
      },
    },
    html: HTML_HEAD + "<p style=\"margin: 0 0 16px 0;\">{{t.intro}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{subscription}}</p></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:8px 0 20px 0;word-break:break-word;\">\n<table border=\"0\" cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\" style=\"border-collapse:separate;line-height:100%;\">\n<tbody>\n<tr>\n<td align=\"center\" bgcolor=\"#1d4ed8\" role=\"presentation\" style=\"border:none;border-radius:6px;cursor:auto;mso-padding-alt:14px 28px;background:#1d4ed8;\" valign=\"middle\">\n<a href=\"{{confirmUrl}}\" style=\"display: inline-block; background: #1d4ed8; color: #ffffff; font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; font-size: 16px; font-weight: 600; line-height: 20px; margin: 0; text-decoration: none; text-transform: none; padding: 14px 28px; mso-padding-alt: 0px; border-radius: 6px;\" target=\"_blank\">\n{{t.button}}\n</a>\n</td>\n</tr>\n</tbody>\n</table>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:14px;line-height:20px;text-align:left;color:#4b5563;\"><p style=\"margin: 0 0 16px 0;\">{{t.linkHint}}<br><a class=\"fallback-link\" href=\"{{confirmUrl}}\" style=\"color: #1d4ed8; text-decoration: underline; word-break: break-all;\">{{confirmUrl}}</a></p></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:16px;line-height:24px;text-align:left;color:#1f2937;\"><p style=\"margin: 0 0 16px 0;\">{{t.validity}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.ignore}}</p>\n<p style=\"margin: 0;\">{{t.questions}} <a href=\"mailto:{{supportEmail}}\" style=\"color: #1d4ed8; text-decoration: underline;\">{{supportEmail}}</a></p></div>\n" + HTML_FOOT,
  },
  "confirm-details": {
    vars: [{"name":"confirmUrl","kind":"url"},{"name":"firstName","kind":"name"},{"name":"orgName","kind":"text"},{"name":"supportEmail","kind":"email"},{"name":"validUntil","kind":"text"}],
    texts: {
      ru: {
        strings: {
          subject: "Подтвердите изменение ваших данных",
          preheader: "Новые данные сохранятся только после вашего подтверждения.",
          heading: "Подтвердите новые данные",
          greeting: SHARED_TEXTS.ru.greeting,
          greetingAnonymous: SHARED_TEXTS.ru.greetingAnonymous,
          intro: "На нашем сайте с вашим адресом оставили заявку с данными, которые отличаются от сохранённых у нас (имя, телефон, организация или другие). Мы заменим прежние данные новыми, только если вы подтвердите.",
          button: "Посмотреть и подтвердить",
          linkHint: SHARED_TEXTS.ru.linkHint,
          validity: SHARED_TEXTS.ru.validity,
          ignore: "Если заявку оставляли не вы, просто не обращайте внимания на это письмо: без подтверждения ваши данные не изменятся.",
          questions: SHARED_TEXTS.ru.questions,
          footer: SHARED_TEXTS.ru.footer,
          footerOperator: SHARED_TEXTS.ru.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.button}}:\n{{confirmUrl}}\n\n{{t.validity}}\n\n{{t.ignore}}\n\n{{t.questions}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
      en: {
        strings: {
          subject: "Please confirm the change to your details",
          preheader: "The new details are saved only once you confirm.",
          heading: "Confirm your new details",
          greeting: SHARED_TEXTS.en.greeting,
          greetingAnonymous: SHARED_TEXTS.en.greetingAnonymous,
          intro: "Someone filled in the form on our site with your address and details that differ from the ones we hold (name, phone, organization or others). We replace the old details with the new ones only if you confirm.",
          button: "Review and confirm",
          linkHint: SHARED_TEXTS.en.linkHint,
          validity: SHARED_TEXTS.en.validity,
          ignore: "If it was not you, just ignore this e-mail: without your confirmation your details stay as they are.",
          questions: SHARED_TEXTS.en.questions,
          footer: SHARED_TEXTS.en.footer,
          footerOperator: SHARED_TEXTS.en.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.button}}:\n{{confirmUrl}}\n\n{{t.validity}}\n\n{{t.ignore}}\n\n{{t.questions}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
    },
    html: HTML_HEAD + "<p style=\"margin: 0 0 16px 0;\">{{t.intro}}</p></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:8px 0 20px 0;word-break:break-word;\">\n<table border=\"0\" cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\" style=\"border-collapse:separate;line-height:100%;\">\n<tbody>\n<tr>\n<td align=\"center\" bgcolor=\"#1d4ed8\" role=\"presentation\" style=\"border:none;border-radius:6px;cursor:auto;mso-padding-alt:14px 28px;background:#1d4ed8;\" valign=\"middle\">\n<a href=\"{{confirmUrl}}\" style=\"display: inline-block; background: #1d4ed8; color: #ffffff; font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; font-size: 16px; font-weight: 600; line-height: 20px; margin: 0; text-decoration: none; text-transform: none; padding: 14px 28px; mso-padding-alt: 0px; border-radius: 6px;\" target=\"_blank\">\n{{t.button}}\n</a>\n</td>\n</tr>\n</tbody>\n</table>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:14px;line-height:20px;text-align:left;color:#4b5563;\"><p style=\"margin: 0 0 16px 0;\">{{t.linkHint}}<br><a class=\"fallback-link\" href=\"{{confirmUrl}}\" style=\"color: #1d4ed8; text-decoration: underline; word-break: break-all;\">{{confirmUrl}}</a></p></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:16px;line-height:24px;text-align:left;color:#1f2937;\"><p style=\"margin: 0 0 16px 0;\">{{t.validity}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.ignore}}</p>\n<p style=\"margin: 0;\">{{t.questions}} <a href=\"mailto:{{supportEmail}}\" style=\"color: #1d4ed8; text-decoration: underline;\">{{supportEmail}}</a></p></div>\n" + HTML_FOOT,
  },
  "confirm-subscription": {
    vars: [{"name":"confirmUrl","kind":"url"},{"name":"firstName","kind":"name"},{"name":"orgName","kind":"text"},{"name":"policyUrl","kind":"url"},{"name":"supportEmail","kind":"email"}],
    texts: {
      ru: {
        strings: {
          subject: "Подтвердите подписку на рассылку",
          preheader: "Осталось одно нажатие: подтвердите, что хотите получать наши письма.",
          heading: "Подтвердите подписку",
          greeting: SHARED_TEXTS.ru.greeting,
          greetingAnonymous: SHARED_TEXTS.ru.greetingAnonymous,
          intro: "Вы оставили заявку на нашем сайте и отметили, что хотите получать нашу рассылку. Подтвердите, пожалуйста, что адрес ваш и подписку оформили именно вы.",
          agreementTitle: "Подтверждая подписку, вы соглашаетесь получать от нас рекламно-информационные письма:",
          agreeFrequency: "от одного до трёх писем в месяц, не чаще; в настройках можно выбрать не больше одного письма в месяц;",
          agreeUnsubscribe: "отписаться можно в любой момент — по ссылке в каждом письме, одним нажатием.",
          button: "Подтвердить подписку",
          linkHint: SHARED_TEXTS.ru.linkHint,
          policy: "Как мы обрабатываем и защищаем ваши данные:",
          policyLink: "Политика конфиденциальности",
          ignore: "Если вы не оставляли заявку, просто не обращайте внимания на это письмо: без подтверждения рассылка приходить не будет.",
          footer: SHARED_TEXTS.ru.footer,
          footerOperator: SHARED_TEXTS.ru.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.agreementTitle}}\n• {{t.agreeFrequency}}\n• {{t.agreeUnsubscribe}}\n\n{{t.button}}:\n{{confirmUrl}}\n\n{{t.policy}}\n{{policyUrl}}\n\n{{t.ignore}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
      en: {
        strings: {
          subject: "Please confirm your subscription",
          preheader: "One click left: confirm that you want to receive our e-mails.",
          heading: "Confirm your subscription",
          greeting: SHARED_TEXTS.en.greeting,
          greetingAnonymous: SHARED_TEXTS.en.greetingAnonymous,
          intro: "You filled in the form on our site and ticked the box to receive our mailings. Please confirm that this address is yours and that it was you who signed up.",
          agreementTitle: "By confirming, you agree to receive advertising and newsletter e-mails from us:",
          agreeFrequency: "one to three a month, never more; in your preferences you can choose at most one a month;",
          agreeUnsubscribe: "you can unsubscribe at any time, in one click, with the link in every e-mail.",
          button: "Confirm subscription",
          linkHint: SHARED_TEXTS.en.linkHint,
          policy: "How we process and protect your data:",
          policyLink: "Privacy policy",
          ignore: "If you did not fill in the form, just ignore this e-mail: without your confirmation you will receive no mailings.",
          footer: SHARED_TEXTS.en.footer,
          footerOperator: SHARED_TEXTS.en.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.agreementTitle}}\n- {{t.agreeFrequency}}\n- {{t.agreeUnsubscribe}}\n\n{{t.button}}:\n{{confirmUrl}}\n\n{{t.policy}}\n{{policyUrl}}\n\n{{t.ignore}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
    },
    html: HTML_HEAD + "<p style=\"margin: 0 0 16px 0;\">{{t.intro}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.agreementTitle}}</p>\n<ul style=\"margin: 0 0 16px 0; padding: 0 0 0 22px;\">\n<li style=\"margin: 0 0 6px 0;\">{{t.agreeFrequency}}</li>\n<li style=\"margin: 0 0 6px 0;\">{{t.agreeUnsubscribe}}</li>\n</ul></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:8px 0 20px 0;word-break:break-word;\">\n<table border=\"0\" cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\" style=\"border-collapse:separate;line-height:100%;\">\n<tbody>\n<tr>\n<td align=\"center\" bgcolor=\"#1d4ed8\" role=\"presentation\" style=\"border:none;border-radius:6px;cursor:auto;mso-padding-alt:14px 28px;background:#1d4ed8;\" valign=\"middle\">\n<a href=\"{{confirmUrl}}\" style=\"display: inline-block; background: #1d4ed8; color: #ffffff; font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; font-size: 16px; font-weight: 600; line-height: 20px; margin: 0; text-decoration: none; text-transform: none; padding: 14px 28px; mso-padding-alt: 0px; border-radius: 6px;\" target=\"_blank\">\n{{t.button}}\n</a>\n</td>\n</tr>\n</tbody>\n</table>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:14px;line-height:20px;text-align:left;color:#4b5563;\"><p style=\"margin: 0 0 16px 0;\">{{t.linkHint}}<br><a class=\"fallback-link\" href=\"{{confirmUrl}}\" style=\"color: #1d4ed8; text-decoration: underline; word-break: break-all;\">{{confirmUrl}}</a></p></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:16px;line-height:24px;text-align:left;color:#1f2937;\"><p style=\"margin: 0 0 16px 0;\">{{t.policy}} <a href=\"{{policyUrl}}\" style=\"color: #1d4ed8; text-decoration: underline;\">{{t.policyLink}}</a></p>\n<p style=\"margin: 0;\">{{t.ignore}}</p></div>\n" + HTML_FOOT,
  },
  "erasure-completed": {
    vars: [{"name":"closedRequests","kind":"text"},{"name":"completedDate","kind":"text"},{"name":"orgName","kind":"text"},{"name":"supportEmail","kind":"email"}],
    texts: {
      ru: {
        strings: {
          subject: "Ваши данные удалены",
          preheader: "Мы удалили все ваши персональные данные, как вы и просили.",
          heading: "Ваши данные удалены",
          greeting: "Здравствуйте!",
          intro: "Как вы и просили, мы удалили все ваши персональные данные.",
          completed: "Дата удаления: {{completedDate}}.",
          closed: "Обращения, на которые мы не успели ответить до удаления и закрыли без ответа: {{closedRequests}}.",
          kept: "Мы сохранили только запись о том, что удалили данные по вашей просьбе, и необратимый отпечаток адреса электронной почты — чтобы больше никогда не писать на него.",
          lastMail: "Это последнее письмо от нас.",
          again: "Если когда-нибудь захотите снова получать нашу рассылку, оставьте заявку на сайте.",
          questions: "Если у вас остались вопросы, напишите нам:",
          footer: SHARED_TEXTS.ru.footer,
          footerOperator: SHARED_TEXTS.ru.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.completed}}\n\n{{t.closed}}\n\n{{t.kept}}\n\n{{t.lastMail}}\n\n{{t.again}}\n\n{{t.questions}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
      en: {
        strings: {
          subject: "Your data has been deleted",
          preheader: "We have deleted all your personal data, as you asked.",
          heading: "Your data has been deleted",
          greeting: "Hello,",
          intro: "As you asked, we have deleted all your personal data.",
          completed: "Date of deletion: {{completedDate}}.",
          closed: "Requests we could not answer before the deletion and closed unanswered: {{closedRequests}}.",
          kept: "We have kept only a record that we deleted your data at your request, and an irreversible fingerprint of your e-mail address so that we never write to it again.",
          lastMail: "This is our last e-mail to you.",
          again: "If you ever want our mailings again, fill in the form on our site.",
          questions: "If you have any questions, write to us:",
          footer: SHARED_TEXTS.en.footer,
          footerOperator: SHARED_TEXTS.en.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.completed}}\n\n{{t.closed}}\n\n{{t.kept}}\n\n{{t.lastMail}}\n\n{{t.again}}\n\n{{t.questions}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
    },
    html: HTML_HEAD + "<p style=\"margin: 0 0 16px 0;\">{{t.intro}}</p>\n<p class=\"facts\" style=\"margin: 0 0 16px 0; padding: 12px 16px; background-color: #f3f4f6; border-left: 4px solid #1d4ed8;\">{{t.completed}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.closed}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.kept}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.lastMail}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.again}}</p>\n<p style=\"margin: 0;\">{{t.questions}} <a href=\"mailto:{{supportEmail}}\" style=\"color: #1d4ed8; text-decoration: underline;\">{{supportEmail}}</a></p></div>\n" + HTML_FOOT,
  },
  "fresh-link": {
    vars: [{"name":"firstName","kind":"name"},{"name":"linkUrl","kind":"url"},{"name":"orgName","kind":"text"},{"name":"supportEmail","kind":"email"},{"name":"validUntil","kind":"text"}],
    texts: {
      ru: {
        strings: {
          subject: "Новая ссылка взамен устаревшей",
          preheader: "Вы просили прислать новую ссылку — вот она.",
          heading: "Ваша новая ссылка",
          greeting: SHARED_TEXTS.ru.greeting,
          greetingAnonymous: SHARED_TEXTS.ru.greetingAnonymous,
          intro: "Вы попросили прислать новую ссылку, потому что прежняя устарела или не открылась. Откройте её, чтобы продолжить с того места, где остановились.",
          button: "Открыть страницу",
          linkHint: SHARED_TEXTS.ru.linkHint,
          validity: SHARED_TEXTS.ru.validity,
          ignore: "Если вы не просили новую ссылку, просто не обращайте внимания на это письмо: пока вы не откроете ссылку и не подтвердите действие на странице, ничего не изменится.",
          footer: SHARED_TEXTS.ru.footer,
          footerOperator: SHARED_TEXTS.ru.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n{{linkUrl}}\n\n{{t.validity}}\n\n{{t.ignore}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
      en: {
        strings: {
          subject: "Your new link",
          preheader: "You asked for a new link; here it is.",
          heading: "Your new link",
          greeting: SHARED_TEXTS.en.greeting,
          greetingAnonymous: SHARED_TEXTS.en.greetingAnonymous,
          intro: "You asked for a new link because the old one had expired or would not open. Open it to carry on where you left off.",
          button: "Open the page",
          linkHint: SHARED_TEXTS.en.linkHint,
          validity: "The link is valid until {{validUntil}}. It is personal, so please do not forward it to anyone.",
          ignore: "If you did not ask for a new link, just ignore this e-mail: nothing changes until you open the link and confirm on the page.",
          footer: SHARED_TEXTS.en.footer,
          footerOperator: SHARED_TEXTS.en.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n{{linkUrl}}\n\n{{t.validity}}\n\n{{t.ignore}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
    },
    html: HTML_HEAD + "<p style=\"margin: 0 0 16px 0;\">{{t.intro}}</p></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:8px 0 20px 0;word-break:break-word;\">\n<table border=\"0\" cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\" style=\"border-collapse:separate;line-height:100%;\">\n<tbody>\n<tr>\n<td align=\"center\" bgcolor=\"#1d4ed8\" role=\"presentation\" style=\"border:none;border-radius:6px;cursor:auto;mso-padding-alt:14px 28px;background:#1d4ed8;\" valign=\"middle\">\n<a href=\"{{linkUrl}}\" style=\"display: inline-block; background: #1d4ed8; color: #ffffff; font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; font-size: 16px; font-weight: 600; line-height: 20px; margin: 0; text-decoration: none; text-transform: none; padding: 14px 28px; mso-padding-alt: 0px; border-radius: 6px;\" target=\"_blank\">\n{{t.button}}\n</a>\n</td>\n</tr>\n</tbody>\n</table>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:14px;line-height:20px;text-align:left;color:#4b5563;\"><p style=\"margin: 0 0 16px 0;\">{{t.linkHint}}<br><a class=\"fallback-link\" href=\"{{linkUrl}}\" style=\"color: #1d4ed8; text-decoration: underline; word-break: break-all;\">{{linkUrl}}</a></p></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:16px;line-height:24px;text-align:left;color:#1f2937;\"><p style=\"margin: 0 0 16px 0;\">{{t.validity}}</p>\n<p style=\"margin: 0;\">{{t.ignore}}</p></div>\n" + HTML_FOOT,
  },
  "preferences-updated": {
    vars: [{"name":"changes","kind":"text"},{"name":"firstName","kind":"name"},{"name":"orgName","kind":"text"},{"name":"preferencesUrl","kind":"url"},{"name":"supportEmail","kind":"email"}],
    texts: {
      ru: {
        strings: {
          subject: "Настройки рассылки изменены",
          preheader: "Мы сохранили ваши новые настройки.",
          heading: "Настройки рассылки изменены",
          greeting: SHARED_TEXTS.ru.greeting,
          greetingAnonymous: SHARED_TEXTS.ru.greetingAnonymous,
          intro: "Мы сохранили ваши новые настройки:",
          notYou: "Если вы ничего не меняли, откройте настройки и верните прежние значения.",
          button: SHARED_TEXTS.ru.button,
          linkHint: SHARED_TEXTS.ru.linkHint,
          personalLinks: "Ссылки в наших письмах личные: по ним можно менять ваши настройки без пароля, поэтому не пересылайте их другим людям.",
          footer: SHARED_TEXTS.ru.footer,
          footerOperator: SHARED_TEXTS.ru.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n{{changes}}\n\n{{t.notYou}}\n{{preferencesUrl}}\n\n{{t.personalLinks}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
      en: {
        strings: {
          subject: "Your mailing preferences have changed",
          preheader: "We have saved your new preferences.",
          heading: "Your mailing preferences have changed",
          greeting: SHARED_TEXTS.en.greeting,
          greetingAnonymous: SHARED_TEXTS.en.greetingAnonymous,
          intro: "We have saved your new preferences:",
          notYou: "If you did not change anything, open your preferences and set them back.",
          button: SHARED_TEXTS.en.button,
          linkHint: SHARED_TEXTS.en.linkHint,
          personalLinks: "The links in our e-mails are personal: they change your preferences without a password, so please do not forward them to anyone.",
          footer: SHARED_TEXTS.en.footer,
          footerOperator: SHARED_TEXTS.en.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n{{changes}}\n\n{{t.notYou}}\n{{preferencesUrl}}\n\n{{t.personalLinks}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
    },
    html: HTML_HEAD + "<p style=\"margin: 0 0 16px 0;\">{{t.intro}}</p>\n<p class=\"facts\" style=\"margin: 0 0 16px 0; padding: 12px 16px; background-color: #f3f4f6; border-left: 4px solid #1d4ed8;\">{{changes}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.notYou}}</p></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:8px 0 20px 0;word-break:break-word;\">\n<table border=\"0\" cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\" style=\"border-collapse:separate;line-height:100%;\">\n<tbody>\n<tr>\n<td align=\"center\" bgcolor=\"#1d4ed8\" role=\"presentation\" style=\"border:none;border-radius:6px;cursor:auto;mso-padding-alt:14px 28px;background:#1d4ed8;\" valign=\"middle\">\n<a href=\"{{preferencesUrl}}\" style=\"display: inline-block; background: #1d4ed8; color: #ffffff; font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; font-size: 16px; font-weight: 600; line-height: 20px; margin: 0; text-decoration: none; text-transform: none; padding: 14px 28px; mso-padding-alt: 0px; border-radius: 6px;\" target=\"_blank\">\n{{t.button}}\n</a>\n</td>\n</tr>\n</tbody>\n</table>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:14px;line-height:20px;text-align:left;color:#4b5563;\"><p style=\"margin: 0 0 16px 0;\">{{t.linkHint}}<br><a class=\"fallback-link\" href=\"{{preferencesUrl}}\" style=\"color: #1d4ed8; text-decoration: underline; word-break: break-all;\">{{preferencesUrl}}</a></p></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:16px;line-height:24px;text-align:left;color:#1f2937;\"><p style=\"margin: 0;\">{{t.personalLinks}}</p></div>\n" + HTML_FOOT,
  },
  "request-extended": {
    vars: [{"name":"dueDate","kind":"text"},{"name":"firstName","kind":"name"},{"name":"orgName","kind":"text"},{"name":"previousDueDate","kind":"text"},{"name":"reason","kind":"text"},{"name":"receivedDate","kind":"text"},{"name":"requestId","kind":"text"},{"name":"requestType","kind":"enum"},{"name":"supportEmail","kind":"email"}],
    texts: {
      ru: {
        strings: {
          subject: "Срок ответа на ваше обращение продлён",
          preheader: "Новый срок ответа: {{dueDate}}",
          heading: "Срок ответа продлён",
          greeting: SHARED_TEXTS.ru.greeting,
          greetingAnonymous: SHARED_TEXTS.ru.greetingAnonymous,
          intro: "Нам нужно больше времени, чтобы ответить на ваше обращение. Сообщаем новый срок и причину продления.",
          typeLabel: SHARED_TEXTS.ru.typeLabel,
          idLabel: SHARED_TEXTS.ru.idLabel,
          receivedLabel: SHARED_TEXTS.ru.receivedLabel,
          previousDueLabel: "Прежний срок ответа:",
          dueLabel: "Новый срок ответа:",
          reasonLabel: "Причина продления:",
          due: "Мы ответим на этот адрес не позднее нового срока.",
          questions: "Если у вас есть вопросы или вы не согласны с продлением, напишите нам:",
          footer: SHARED_TEXTS.ru.footer,
          footerOperator: SHARED_TEXTS.ru.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.typeLabel}} {{requestType}}\n{{t.idLabel}} {{requestId}}\n{{t.receivedLabel}} {{receivedDate}}\n{{t.previousDueLabel}} {{previousDueDate}}\n{{t.dueLabel}} {{dueDate}}\n\n{{t.reasonLabel}} {{reason}}\n\n{{t.due}}\n\n{{t.questions}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {"requestType":{"access":"доступ к данным","rectification":"уточнение данных","restriction":"блокирование (ограничение обработки) данных","erasure":"удаление данных","appeal":"жалоба на обработку данных","automated_decision_appeal":"жалоба на решение, принятое автоматически","withdrawal":"отзыв согласия на обработку данных","objection":"требование прекратить обработку данных"}},
      },
      en: {
        strings: {
          subject: "We need more time to answer your request",
          preheader: "New date for our answer: {{dueDate}}",
          heading: "Answer date extended",
          greeting: SHARED_TEXTS.en.greeting,
          greetingAnonymous: SHARED_TEXTS.en.greetingAnonymous,
          intro: "We need more time to answer your request. Here is the new date and the reason for the extension.",
          typeLabel: SHARED_TEXTS.en.typeLabel,
          idLabel: SHARED_TEXTS.en.idLabel,
          receivedLabel: SHARED_TEXTS.en.receivedLabel,
          previousDueLabel: "Previous answer date:",
          dueLabel: "New answer date:",
          reasonLabel: "Reason for the extension:",
          due: "We will answer to this address by the new date at the latest.",
          questions: "If you have any questions, or disagree with the extension, write to us:",
          footer: SHARED_TEXTS.en.footer,
          footerOperator: SHARED_TEXTS.en.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.typeLabel}} {{requestType}}\n{{t.idLabel}} {{requestId}}\n{{t.receivedLabel}} {{receivedDate}}\n{{t.previousDueLabel}} {{previousDueDate}}\n{{t.dueLabel}} {{dueDate}}\n\n{{t.reasonLabel}} {{reason}}\n\n{{t.due}}\n\n{{t.questions}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {"requestType":{"access":"access to your data","rectification":"correction of your data","restriction":"restriction of processing","erasure":"deletion of your data","appeal":"appeal about the processing of your data","automated_decision_appeal":"appeal against an automated decision","withdrawal":"withdrawal of consent to processing","objection":"demand to stop processing your data"}},
      },
    },
    html: HTML_HEAD + "<p style=\"margin: 0 0 16px 0;\">{{t.intro}}</p>\n<p class=\"facts\" style=\"margin: 0 0 16px 0; padding: 12px 16px; background-color: #f3f4f6; border-left: 4px solid #1d4ed8;\">\n{{t.typeLabel}} <strong>{{requestType}}</strong><br>\n{{t.idLabel}} <strong>{{requestId}}</strong><br>\n{{t.receivedLabel}} <strong>{{receivedDate}}</strong><br>\n{{t.previousDueLabel}} <strong>{{previousDueDate}}</strong><br>\n{{t.dueLabel}} <strong>{{dueDate}}</strong>\n</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.reasonLabel}} {{reason}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.due}}</p>\n<p style=\"margin: 0;\">{{t.questions}} <a href=\"mailto:{{supportEmail}}\" style=\"color: #1d4ed8; text-decoration: underline;\">{{supportEmail}}</a></p></div>\n" + HTML_FOOT,
  },
  "request-received": {
    vars: [{"name":"dueDate","kind":"text"},{"name":"firstName","kind":"name"},{"name":"orgName","kind":"text"},{"name":"receivedDate","kind":"text"},{"name":"requestId","kind":"text"},{"name":"requestType","kind":"enum"},{"name":"supportEmail","kind":"email"}],
    texts: {
      ru: {
        strings: {
          subject: "Мы получили ваше обращение",
          preheader: "Ответим не позднее {{dueDate}}.",
          heading: "Обращение получено",
          greeting: SHARED_TEXTS.ru.greeting,
          greetingAnonymous: SHARED_TEXTS.ru.greetingAnonymous,
          intro: "Спасибо, мы получили ваше обращение по поводу персональных данных.",
          typeLabel: SHARED_TEXTS.ru.typeLabel,
          idLabel: SHARED_TEXTS.ru.idLabel,
          receivedLabel: SHARED_TEXTS.ru.receivedLabel,
          dueLabel: "Ответим не позднее:",
          due: "Мы рассмотрим обращение и ответим на этот адрес не позднее указанной даты.",
          reference: "Если будете писать нам об этом обращении, пожалуйста, укажите его номер.",
          notYou: "Если вы к нам не обращались или хотите что-то уточнить, напишите нам:",
          footer: SHARED_TEXTS.ru.footer,
          footerOperator: SHARED_TEXTS.ru.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.typeLabel}} {{requestType}}\n{{t.idLabel}} {{requestId}}\n{{t.receivedLabel}} {{receivedDate}}\n{{t.dueLabel}} {{dueDate}}\n\n{{t.due}}\n\n{{t.reference}}\n\n{{t.notYou}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {"requestType":{"access":"доступ к данным","rectification":"уточнение данных","restriction":"блокирование (ограничение обработки) данных","erasure":"удаление данных","appeal":"жалоба на обработку данных","automated_decision_appeal":"жалоба на решение, принятое автоматически","withdrawal":"отзыв согласия на обработку данных","objection":"требование прекратить обработку данных"}},
      },
      en: {
        strings: {
          subject: "We have received your request",
          preheader: "We will answer by {{dueDate}} at the latest.",
          heading: "Request received",
          greeting: SHARED_TEXTS.en.greeting,
          greetingAnonymous: SHARED_TEXTS.en.greetingAnonymous,
          intro: "Thank you, we have received your request about your personal data.",
          typeLabel: SHARED_TEXTS.en.typeLabel,
          idLabel: SHARED_TEXTS.en.idLabel,
          receivedLabel: SHARED_TEXTS.en.receivedLabel,
          dueLabel: "We will answer by:",
          due: "We will look into it and answer to this address by that date at the latest.",
          reference: "If you write to us about this request, please quote its reference number.",
          notYou: "If you did not contact us, or want to add something, write to us:",
          footer: SHARED_TEXTS.en.footer,
          footerOperator: SHARED_TEXTS.en.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.typeLabel}} {{requestType}}\n{{t.idLabel}} {{requestId}}\n{{t.receivedLabel}} {{receivedDate}}\n{{t.dueLabel}} {{dueDate}}\n\n{{t.due}}\n\n{{t.reference}}\n\n{{t.notYou}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {"requestType":{"access":"access to your data","rectification":"correction of your data","restriction":"restriction of processing","erasure":"deletion of your data","appeal":"appeal about the processing of your data","automated_decision_appeal":"appeal against an automated decision","withdrawal":"withdrawal of consent to processing","objection":"demand to stop processing your data"}},
      },
    },
    html: HTML_HEAD + "<p style=\"margin: 0 0 16px 0;\">{{t.intro}}</p>\n<p class=\"facts\" style=\"margin: 0 0 16px 0; padding: 12px 16px; background-color: #f3f4f6; border-left: 4px solid #1d4ed8;\">\n{{t.typeLabel}} <strong>{{requestType}}</strong><br>\n{{t.idLabel}} <strong>{{requestId}}</strong><br>\n{{t.receivedLabel}} <strong>{{receivedDate}}</strong><br>\n{{t.dueLabel}} <strong>{{dueDate}}</strong>\n</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.due}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.reference}}</p>\n<p style=\"margin: 0;\">{{t.notYou}} <a href=\"mailto:{{supportEmail}}\" style=\"color: #1d4ed8; text-decoration: underline;\">{{supportEmail}}</a></p></div>\n" + HTML_FOOT,
  },
  "unsubscribed": {
    vars: [{"name":"firstName","kind":"name"},{"name":"orgName","kind":"text"},{"name":"preferencesUrl","kind":"url"},{"name":"supportEmail","kind":"email"}],
    texts: {
      ru: {
        strings: {
          subject: "Вы отписались от рассылки",
          preheader: "Рекламно-информационные письма больше не придут.",
          heading: "Вы отписались от рассылки",
          greeting: SHARED_TEXTS.ru.greeting,
          greetingAnonymous: SHARED_TEXTS.ru.greetingAnonymous,
          intro: "Мы больше не будем присылать вам рекламно-информационные письма. Если какое-то письмо уже было в пути, оно может прийти в ближайшие часы.",
          serviceMail: "Письма, необходимые для оказания услуг, — например, ответы на ваши обращения — будут приходить по-прежнему.",
          manage: "В настройках можно посмотреть и исправить свои данные, скачать их копию или отозвать согласие на их обработку.",
          button: SHARED_TEXTS.ru.button,
          linkHint: SHARED_TEXTS.ru.linkHint,
          resubscribe: "Передумали? Чтобы снова получать рассылку, оставьте заявку на сайте и подтвердите подписку.",
          footer: SHARED_TEXTS.ru.footer,
          footerOperator: SHARED_TEXTS.ru.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.serviceMail}}\n\n{{t.manage}}\n{{preferencesUrl}}\n\n{{t.resubscribe}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
      en: {
        strings: {
          subject: "You have unsubscribed",
          preheader: "You will receive no more advertising e-mails from us.",
          heading: "You have unsubscribed",
          greeting: SHARED_TEXTS.en.greeting,
          greetingAnonymous: SHARED_TEXTS.en.greetingAnonymous,
          intro: "We will not send you advertising and newsletter e-mails any more. A message already on its way may still arrive within a few hours.",
          serviceMail: "E-mails needed to provide our services, such as answers to your requests, will still arrive.",
          manage: "In your preferences you can view and correct your data, download a copy of it or withdraw your consent to its processing.",
          button: SHARED_TEXTS.en.button,
          linkHint: SHARED_TEXTS.en.linkHint,
          resubscribe: "Changed your mind? To receive our mailings again, fill in the form on our site and confirm your subscription.",
          footer: SHARED_TEXTS.en.footer,
          footerOperator: SHARED_TEXTS.en.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.serviceMail}}\n\n{{t.manage}}\n{{preferencesUrl}}\n\n{{t.resubscribe}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
    },
    html: HTML_HEAD + "<p style=\"margin: 0 0 16px 0;\">{{t.intro}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.serviceMail}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.manage}}</p></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:8px 0 20px 0;word-break:break-word;\">\n<table border=\"0\" cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\" style=\"border-collapse:separate;line-height:100%;\">\n<tbody>\n<tr>\n<td align=\"center\" bgcolor=\"#1d4ed8\" role=\"presentation\" style=\"border:none;border-radius:6px;cursor:auto;mso-padding-alt:14px 28px;background:#1d4ed8;\" valign=\"middle\">\n<a href=\"{{preferencesUrl}}\" style=\"display: inline-block; background: #1d4ed8; color: #ffffff; font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; font-size: 16px; font-weight: 600; line-height: 20px; margin: 0; text-decoration: none; text-transform: none; padding: 14px 28px; mso-padding-alt: 0px; border-radius: 6px;\" target=\"_blank\">\n{{t.button}}\n</a>\n</td>\n</tr>\n</tbody>\n</table>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:14px;line-height:20px;text-align:left;color:#4b5563;\"><p style=\"margin: 0 0 16px 0;\">{{t.linkHint}}<br><a class=\"fallback-link\" href=\"{{preferencesUrl}}\" style=\"color: #1d4ed8; text-decoration: underline; word-break: break-all;\">{{preferencesUrl}}</a></p></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:16px;line-height:24px;text-align:left;color:#1f2937;\"><p style=\"margin: 0;\">{{t.resubscribe}}</p></div>\n" + HTML_FOOT,
  },
  "withdrawal-received": {
    vars: [{"name":"erasureDate","kind":"text"},{"name":"exportUrl","kind":"url"},{"name":"firstName","kind":"name"},{"name":"orgName","kind":"text"},{"name":"supportEmail","kind":"email"}],
    texts: {
      ru: {
        strings: {
          subject: "Вы отозвали согласие на обработку данных",
          preheader: "Мы удалим ваши данные {{erasureDate}}. До этого можно скачать их копию.",
          heading: "Согласие отозвано",
          greeting: SHARED_TEXTS.ru.greeting,
          greetingAnonymous: SHARED_TEXTS.ru.greetingAnonymous,
          intro: "Вы отозвали согласие на обработку персональных данных. Мы прекратили их обработку и больше не будем присылать вам рассылку.",
          due: "Мы удалим все ваши данные {{erasureDate}}.",
          copy: "До этого момента вы можете скачать копию своих данных по ссылке ниже. После удаления ссылка перестанет работать.",
          button: "Скачать копию данных",
          linkHint: SHARED_TEXTS.ru.linkHint,
          requests: "Если у вас есть открытые обращения, мы постараемся ответить на них до удаления. Те, на которые не успеем, закроем и перечислим в последнем письме.",
          lastMail: "Когда удалим, пришлём короткое подтверждение — это будет последнее письмо от нас.",
          notYou: "Если согласие отозвали не вы, сразу напишите нам:",
          footer: SHARED_TEXTS.ru.footer,
          footerOperator: SHARED_TEXTS.ru.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.due}}\n\n{{t.copy}}\n{{exportUrl}}\n\n{{t.requests}}\n\n{{t.lastMail}}\n\n{{t.notYou}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
      en: {
        strings: {
          subject: "You have withdrawn your consent to data processing",
          preheader: "We will delete your data on {{erasureDate}}. Until then you can download a copy.",
          heading: "Consent withdrawn",
          greeting: SHARED_TEXTS.en.greeting,
          greetingAnonymous: SHARED_TEXTS.en.greetingAnonymous,
          intro: "You have withdrawn your consent to the processing of your personal data. We have stopped processing it and will send you no more mailings.",
          due: "We will delete all your data on {{erasureDate}}.",
          copy: "Until then you can download a copy of your data with the link below. Once the data is deleted, the link stops working.",
          button: "Download a copy of my data",
          linkHint: SHARED_TEXTS.en.linkHint,
          requests: "If you have open requests with us, we will try to answer them before the deletion. Any we cannot answer by then we will close and list in our last e-mail.",
          lastMail: "Once the data is deleted we will send you a short confirmation; it will be our last e-mail to you.",
          notYou: "If it was not you who withdrew consent, write to us at once:",
          footer: SHARED_TEXTS.en.footer,
          footerOperator: SHARED_TEXTS.en.footerOperator,
        },
        text: "{{t.greeting}}\n\n{{t.intro}}\n\n{{t.due}}\n\n{{t.copy}}\n{{exportUrl}}\n\n{{t.requests}}\n\n{{t.lastMail}}\n\n{{t.notYou}} {{supportEmail}}\n\n-- \n{{t.footer}}\n{{t.footerOperator}} {{supportEmail}}",
        enums: {},
      },
    },
    html: HTML_HEAD + "<p style=\"margin: 0 0 16px 0;\">{{t.intro}}</p>\n<p class=\"facts\" style=\"margin: 0 0 16px 0; padding: 12px 16px; background-color: #f3f4f6; border-left: 4px solid #1d4ed8;\">{{t.due}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.copy}}</p></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:8px 0 20px 0;word-break:break-word;\">\n<table border=\"0\" cellpadding=\"0\" cellspacing=\"0\" role=\"presentation\" style=\"border-collapse:separate;line-height:100%;\">\n<tbody>\n<tr>\n<td align=\"center\" bgcolor=\"#1d4ed8\" role=\"presentation\" style=\"border:none;border-radius:6px;cursor:auto;mso-padding-alt:14px 28px;background:#1d4ed8;\" valign=\"middle\">\n<a href=\"{{exportUrl}}\" style=\"display: inline-block; background: #1d4ed8; color: #ffffff; font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; font-size: 16px; font-weight: 600; line-height: 20px; margin: 0; text-decoration: none; text-transform: none; padding: 14px 28px; mso-padding-alt: 0px; border-radius: 6px;\" target=\"_blank\">\n{{t.button}}\n</a>\n</td>\n</tr>\n</tbody>\n</table>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:14px;line-height:20px;text-align:left;color:#4b5563;\"><p style=\"margin: 0 0 16px 0;\">{{t.linkHint}}<br><a class=\"fallback-link\" href=\"{{exportUrl}}\" style=\"color: #1d4ed8; text-decoration: underline; word-break: break-all;\">{{exportUrl}}</a></p></div>\n</td>\n</tr>\n<tr>\n<td align=\"left\" style=\"font-size:0px;padding:0;word-break:break-word;\">\n<div style=\"font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;font-size:16px;line-height:24px;text-align:left;color:#1f2937;\"><p style=\"margin: 0 0 16px 0;\">{{t.requests}}</p>\n<p style=\"margin: 0 0 16px 0;\">{{t.lastMail}}</p>\n<p style=\"margin: 0;\">{{t.notYou}} <a href=\"mailto:{{supportEmail}}\" style=\"color: #1d4ed8; text-decoration: underline;\">{{supportEmail}}</a></p></div>\n" + HTML_FOOT,
  },
};
