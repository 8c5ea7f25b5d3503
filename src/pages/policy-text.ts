import { PREFERENCE_CAP, PREFERENCE_WINDOW_DAYS } from '../cadence/policy.js';
import type { Config } from '../config/index.js';
import { businessDaysFor } from '../requests/deadlines.js';
import { type Locale, messages } from './i18n.js';

/** One part of the policy: a heading, paragraphs, and optionally a list. */
export interface PolicySection {
  heading: string;
  paragraphs: string[];
  items?: string[];
}

export interface PolicyDocument {
  title: string;
  /** Shown first while the operator has not published their own policy (`POLICY_URL`). */
  templateNotice: string | null;
  sections: PolicySection[];
}

type PolicyConfig = Pick<
  Config,
  'orgName' | 'orgUrl' | 'supportEmail' | 'ownPolicy' | 'cadence' | 'doubleOptIn' | 'erasureDueBusinessDays' | 'requestDueBusinessDays'
>;

/** Russian plural form: one (1, 21), few (2–4, 22–24), many (0, 5–20, 25…). */
function ruPlural(n: number, one: string, few: string, many: string): string {
  const m10 = n % 10;
  const m100 = n % 100;
  if (m10 === 1 && m100 !== 11) return `${n} ${one}`;
  if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return `${n} ${few}`;
  return `${n} ${many}`;
}
/** "не больше …": genitive after "больше", one or many. */
const ruAtMostMails = (n: number) => (n === 1 ? 'одного письма' : `${n} писем`);
const ruDays = (n: number) => ruPlural(n, 'день', 'дня', 'дней');
const ruHours = (n: number) => ruPlural(n, 'час', 'часа', 'часов');
const enMails = (n: number) => (n === 1 ? 'one e-mail' : `${n} e-mails`);
const enDays = (n: number) => (n === 1 ? 'one day' : `${n} days`);
const enHours = (n: number) => (n === 1 ? 'one hour' : `${n} hours`);

/** The facts the policy states, all from configuration and the service's own rules. */
function facts(config: PolicyConfig, locale: Locale) {
  const days = messages[locale].businessDays;
  const c = config.cadence;
  return {
    erasure: days(businessDaysFor('erasure', config)),
    access: days(businessDaysFor('access', config)),
    rectification: days(businessDaysFor('rectification', config)),
    appeal: days(businessDaysFor('appeal', config)),
    standardCap: Math.min(PREFERENCE_CAP.standard, c.maxPerWindow),
    monthlyCap: PREFERENCE_CAP.monthly,
    preferenceWindowDays: PREFERENCE_WINDOW_DAYS,
    maxPerWindow: c.maxPerWindow,
    windowDays: c.windowDays,
    minGapHours: c.minGapHours,
    calendarMonths: c.windowMode === 'calendar_month',
  };
}

/**
 * The privacy policy this service can vouch for, generated from configuration: who the operator
 * is, what is collected and why, how often mail comes, how long things take, and how to exercise
 * each right. Pure. It is a template: marked so at the top until `POLICY_URL` names the
 * operator's own published policy.
 *
 * @example
 * const doc = policyDocument(config, 'ru');
 */
export function policyDocument(config: PolicyConfig, locale: Locale): PolicyDocument {
  return locale === 'en' ? english(config) : russian(config);
}

function russian(config: PolicyConfig): PolicyDocument {
  const f = facts(config, 'ru');
  const window = f.calendarMonths ? 'в календарный месяц' : `за ${ruDays(f.windowDays)}`;
  return {
    title: `Политика обработки персональных данных — ${config.orgName}`,
    templateNotice: config.ownPolicy
      ? null
      : 'Это шаблон, а не действующая политика оператора. Сервис составил его из своих настроек: он верно описывает, что делает этот сервис, но оператор должен проверить и дополнить его, опубликовать свою политику и указать её адрес в настройке POLICY_URL.',
    sections: [
      {
        heading: 'Кто обрабатывает данные',
        paragraphs: [
          `Оператор персональных данных — ${config.orgName} (${config.orgUrl}).`,
          `По любым вопросам об обработке ваших данных пишите на ${config.supportEmail} — письма читает и отвечает на них человек.`,
        ],
      },
      {
        heading: 'Какие данные мы обрабатываем',
        paragraphs: ['Оставляя заявку на сайте, вы даёте согласие на обработку данных, которые в ней указали:'],
        items: ['фамилия, имя, отчество;', 'адрес электронной почты и номер телефона;', 'адрес сайта, организация, сфера деятельности, город.'],
      },
      {
        heading: 'Что ещё мы храним',
        paragraphs: [
          'Каждое ваше согласие и каждое его изменение (подписка, подтверждение, смена частоты писем, отписка, отзыв согласия) мы записываем вместе со временем, IP-адресом и сведениями о браузере: это доказательство того, что согласие было дано и когда его отозвали.',
          'Мы храним также отправленные вам письма (когда и какое), ваши обращения и ответы на них.',
        ],
      },
      {
        heading: 'Зачем',
        paragraphs: ['Данные нужны нам:'],
        items: [
          'чтобы оказывать вам услуги и техническую поддержку;',
          'чтобы сайт работал;',
          'чтобы улучшать сайт;',
          'чтобы присылать рекламно-информационную рассылку — только с вашего отдельного согласия; его можно отозвать отдельно, не отзывая остального.',
        ],
      },
      {
        heading: 'Как часто приходит рассылка',
        paragraphs: [
          config.doubleOptIn
            ? 'Рассылка начинает приходить только после того, как вы подтвердите подписку по ссылке из письма.'
            : 'Рассылка начинает приходить, когда вы отметили согласие на неё в заявке.',
          `Обычно — не больше ${ruAtMostMails(f.standardCap)} за ${ruDays(f.preferenceWindowDays)}; по вашему выбору — не больше ${ruAtMostMails(f.monthlyCap)} за ${ruDays(f.preferenceWindowDays)}; можно и приостановить рассылку до выбранной даты.`,
          `В любом случае не больше ${ruAtMostMails(f.maxPerWindow)} ${window}${f.minGapHours > 0 ? ` и не чаще одного письма в ${ruHours(f.minGapHours)}` : ''}.`,
          'Отписаться можно одним нажатием по ссылке в каждом письме.',
        ],
      },
      {
        heading: 'Ваши права и сроки',
        paragraphs: [
          'В каждом письме есть ссылка на страницу настроек: там можно воспользоваться каждым правом самостоятельно. Можно и написать нам; мы ответим в те же сроки. Сроки считаются в рабочих днях по производственному календарю России.',
        ],
        items: [
          `узнать, какие данные мы храним, и получить их копию — на странице настроек сразу, по письму — не позднее чем через ${f.access};`,
          `исправить данные — на странице настроек сразу, по письму — не позднее чем через ${f.rectification};`,
          'ограничить (заблокировать) обработку — сразу;',
          `отозвать согласие на обработку и удалить данные — данные удаляются не позднее чем через ${f.erasure};`,
          'отписаться от рассылки — сразу;',
          `обжаловать наши действия или решение, принятое автоматически, без участия человека, — ответим не позднее чем через ${f.appeal}.`,
        ],
      },
      {
        heading: 'Хранение и удаление',
        paragraphs: [
          `Мы храним данные, пока действует ваше согласие на их обработку. После его отзыва удаляем все ваши данные не позднее чем через ${f.erasure}.`,
          'После удаления остаются только запись о том, что данные удалены по вашей просьбе, и необратимый отпечаток адреса электронной почты — чтобы больше никогда не писать на него.',
        ],
      },
      {
        heading: 'Кому мы передаём данные',
        paragraphs: [
          'Мы не продаём данные. Сервису, который отправляет письма, передаётся только список адресов, на которые писать нельзя (по возможности — в виде необратимых отпечатков), но не анкеты.',
          'Иным третьим лицам данные передаются только в случаях, предусмотренных законом (например, по запросу суда), и каждая такая передача записывается.',
        ],
      },
      {
        heading: 'Как мы защищаем данные',
        paragraphs: [
          'Сотрудники получают доступ к данным только по мере необходимости, по личным ключам с ограниченными правами; каждое обращение к вашим данным записывается в журнал. В технических журналах нет адресов и имён — только обезличенные идентификаторы.',
        ],
      },
    ],
  };
}

function english(config: PolicyConfig): PolicyDocument {
  const f = facts(config, 'en');
  const window = f.calendarMonths ? 'in a calendar month' : `in ${enDays(f.windowDays)}`;
  return {
    title: `Personal data policy — ${config.orgName}`,
    templateNotice: config.ownPolicy
      ? null
      : "This is a template, not the operator's policy in force. The service drew it up from its own settings: it describes correctly what this service does, but the operator must check and complete it, publish their own policy and set its address in POLICY_URL.",
    sections: [
      {
        heading: 'Who processes your data',
        paragraphs: [
          `The controller of your personal data is ${config.orgName} (${config.orgUrl}).`,
          `For any question about how your data is processed, write to ${config.supportEmail}: a person reads and answers.`,
        ],
      },
      {
        heading: 'What data we process',
        paragraphs: ['When you fill in the form on our website you consent to the processing of what you give in it:'],
        items: ['last name, first name, patronymic;', 'e-mail address and phone number;', 'website, organization, field of activity, city.'],
      },
      {
        heading: 'What else we keep',
        paragraphs: [
          'We record each consent and each change to it (subscribing, confirming, changing how often we write, unsubscribing, withdrawing consent) with its time, IP address and browser details: this is the evidence that consent was given, and when it was withdrawn.',
          'We also keep the e-mails we sent you (when and which), your requests and our answers.',
        ],
      },
      {
        heading: 'Why',
        paragraphs: ['We need the data:'],
        items: [
          'to provide our services and technical support;',
          'to make the website work;',
          'to improve the website;',
          'to send advertising and newsletter e-mails, only with your separate consent, which you can withdraw on its own without withdrawing the rest.',
        ],
      },
      {
        heading: 'How often we write',
        paragraphs: [
          config.doubleOptIn
            ? 'Mailings start only after you confirm your subscription with the link in our e-mail.'
            : 'Mailings start once you ticked the box for them in the form.',
          `Normally at most ${enMails(f.standardCap)} in ${enDays(f.preferenceWindowDays)}; if you choose, at most ${enMails(f.monthlyCap)} in ${enDays(f.preferenceWindowDays)}; you can also pause mailings until a date.`,
          `In any case at most ${enMails(f.maxPerWindow)} ${window}${f.minGapHours > 0 ? `, at least ${enHours(f.minGapHours)} apart` : ''}.`,
          'You can unsubscribe with one click using the link in every e-mail.',
        ],
      },
      {
        heading: 'Your rights and our deadlines',
        paragraphs: [
          'Every e-mail carries a link to your preferences page, where you can exercise each right yourself. You can also write to us; we answer within the same deadlines. Deadlines are counted in business days of the Russian production calendar.',
        ],
        items: [
          `to know what data we hold and get a copy: at once on the preferences page, within ${f.access} by e-mail;`,
          `to correct your data: at once on the preferences page, within ${f.rectification} by e-mail;`,
          'to restrict (block) processing: at once;',
          `to withdraw consent to processing and have your data deleted: deleted within ${f.erasure};`,
          'to unsubscribe from mailings: at once;',
          `to appeal against what we did, or against a decision made automatically without a person: we answer within ${f.appeal}.`,
        ],
      },
      {
        heading: 'Keeping and deleting',
        paragraphs: [
          `We keep your data while your consent to its processing stands. Once you withdraw it, we delete all your data within ${f.erasure}.`,
          'After deletion only a record that we deleted your data at your request remains, and an irreversible fingerprint of your e-mail address so that we never write to it again.',
        ],
      },
      {
        heading: 'Who receives your data',
        paragraphs: [
          'We do not sell data. The service that sends our e-mails receives only the list of addresses not to write to (as irreversible fingerprints where it can), never profiles.',
          'Other third parties receive data only where the law requires it (a court order, for example), and each such disclosure is recorded.',
        ],
      },
      {
        heading: 'How we protect your data',
        paragraphs: [
          'Staff reach your data only as needed, with personal keys of limited scope; every access to your data is written to a log. Technical logs hold no addresses or names, only anonymous identifiers.',
        ],
      },
    ],
  };
}
