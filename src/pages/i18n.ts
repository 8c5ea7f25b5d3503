export type Locale = 'ru' | 'en';
export const LOCALES: readonly Locale[] = ['ru', 'en'];

/**
 * Picks the page language: `?lang=` first, then Accept-Language (by q-value), then the
 * subject's stored locale, then the configured default.
 */
export function negotiateLocale(opts: { query?: string | undefined; acceptLanguage?: string | undefined; stored?: string | null; fallback: Locale }): Locale {
  if (opts.query && (LOCALES as readonly string[]).includes(opts.query)) return opts.query as Locale;
  if (opts.acceptLanguage) {
    const ranked = opts.acceptLanguage
      .split(',')
      .map((part, i) => {
        const [tag, ...params] = part.trim().split(';');
        const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
        return { lang: (tag ?? '').toLowerCase().split('-')[0]!, q: q ? Number(q) : 1, i };
      })
      .filter((x) => x.q > 0)
      .sort((a, b) => b.q - a.q || a.i - b.i);
    const hit = ranked.find((x) => (LOCALES as readonly string[]).includes(x.lang));
    if (hit) return hit.lang as Locale;
  }
  if (opts.stored && (LOCALES as readonly string[]).includes(opts.stored)) return opts.stored as Locale;
  return opts.fallback;
}

const ru = {
  title: 'Настройки рассылки',
  unsubscribeTitle: 'Отписаться от рассылки',
  unsubscribeLead: 'Вы перестанете получать от нас рекламно-информационные письма. Письма, необходимые для оказания услуг, продолжат приходить.',
  unsubscribeButton: 'Отписаться',
  unsubscribedTitle: 'Вы отписаны',
  unsubscribedLead: 'Мы больше не будем присылать вам рекламно-информационные письма. Если письмо уже было в пути, оно может прийти в ближайшие часы.',
  manageLink: 'Другие настройки рассылки',
  withdrawTitle: 'Отозвать согласие на обработку персональных данных',
  withdrawLead: 'После отзыва согласия мы прекратим обработку ваших данных и удалим их не позднее чем через 2 рабочих дня. Вы перестанете получать любые письма от нас, а восстановить данные будет невозможно.',
  withdrawButton: 'Отозвать согласие и удалить мои данные',
  withdrawnTitle: 'Согласие отозвано',
  withdrawnLead: (due: string) => `Мы прекратили обработку ваших данных. Они будут удалены не позднее ${due}. Рассылка вам больше не придёт.`,
  confirmTitle: 'Подтвердите подписку',
  confirmLead: 'Нажмите кнопку, чтобы согласиться получать от нас рекламно-информационные письма — от одного до трёх в месяц. Отписаться можно в любой момент по ссылке в каждом письме.',
  confirmButton: 'Подтвердить подписку',
  confirmedTitle: 'Подписка подтверждена',
  confirmedLead: 'Спасибо! Вы будете получать нашу рассылку. Отписаться можно по ссылке в любом письме.',
  confirmStaleTitle: 'Ссылка больше не действует',
  confirmStaleLead: 'Эта ссылка подтверждения устарела. Чтобы подписаться снова, оставьте заявку на сайте.',
  preferencesLead: 'Здесь вы можете управлять рассылкой.',
  marketingStatus: 'Рекламно-информационная рассылка',
  state: { granted: 'включена', pending: 'ожидает подтверждения', withdrawn: 'отключена', none: 'отключена' } as Record<string, string>,
  invalidTitle: 'Ссылка повреждена',
  invalidLead: 'Ссылка не распознана: возможно, она скопирована не полностью. Откройте её из письма ещё раз.',
  stillLeave: 'Чтобы отписаться без ссылки, напишите нам:',
  expiredTitle: 'Срок действия ссылки истёк',
  expiredLead: 'Ссылка больше не действует. Мы можем прислать новую на адрес, куда пришло письмо.',
  expiredButton: 'Прислать новую ссылку',
  freshLinkSent: 'Если адрес есть в нашей базе, новая ссылка придёт в течение нескольких минут.',
  unknownTitle: 'Данные не найдены',
  unknownLead: 'Мы не нашли данных по этой ссылке. Возможно, они уже удалены.',
  erasedLead: 'Ваши данные удалены. Рассылка вам не придёт.',
  errorTitle: 'Что-то пошло не так',
  errorLead: 'Не удалось выполнить действие. Попробуйте ещё раз чуть позже.',
  policy: 'Политика конфиденциальности',
};

type Messages = typeof ru;

const en: Messages = {
  title: 'Mailing preferences',
  unsubscribeTitle: 'Unsubscribe',
  unsubscribeLead: 'You will stop receiving our advertising and newsletter e-mails. Messages needed to provide our services will still arrive.',
  unsubscribeButton: 'Unsubscribe',
  unsubscribedTitle: 'You are unsubscribed',
  unsubscribedLead: 'We will not send you advertising e-mails any more. A message already on its way may still arrive within a few hours.',
  manageLink: 'Other mailing preferences',
  withdrawTitle: 'Withdraw consent to processing of personal data',
  withdrawLead: 'Once you withdraw consent we stop processing your data and delete it within 2 business days at most. You will receive no more e-mail from us, and the data cannot be restored.',
  withdrawButton: 'Withdraw consent and delete my data',
  withdrawnTitle: 'Consent withdrawn',
  withdrawnLead: (due: string) => `We have stopped processing your data. It will be deleted by ${due} at the latest. You will receive no more mailings.`,
  confirmTitle: 'Confirm your subscription',
  confirmLead: 'Press the button to agree to receive our advertising and newsletter e-mails, one to three a month. You can unsubscribe at any time with the link in every message.',
  confirmButton: 'Confirm subscription',
  confirmedTitle: 'Subscription confirmed',
  confirmedLead: 'Thank you! You will receive our mailings. You can unsubscribe with the link in any message.',
  confirmStaleTitle: 'This link is no longer valid',
  confirmStaleLead: 'This confirmation link is out of date. To subscribe again, fill in the form on our site.',
  preferencesLead: 'Manage your mailings here.',
  marketingStatus: 'Advertising and newsletter e-mails',
  state: { granted: 'on', pending: 'awaiting confirmation', withdrawn: 'off', none: 'off' },
  invalidTitle: 'This link is damaged',
  invalidLead: 'We could not read this link; it may have been copied only in part. Open it from the e-mail again.',
  stillLeave: 'To unsubscribe without the link, write to us:',
  expiredTitle: 'This link has expired',
  expiredLead: 'The link is no longer valid. We can send a new one to the address the e-mail came to.',
  expiredButton: 'Send me a new link',
  freshLinkSent: 'If the address is in our records, a new link will arrive within a few minutes.',
  unknownTitle: 'Nothing found',
  unknownLead: 'We found no data for this link. It may have been deleted already.',
  erasedLead: 'Your data has been deleted. You will receive no mailings.',
  errorTitle: 'Something went wrong',
  errorLead: 'We could not complete the action. Please try again a little later.',
  policy: 'Privacy policy',
};

export const messages: Record<Locale, Messages> = { ru, en };

/** A date as the person reads it, in the service's time zone. */
export function formatDate(d: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', { timeZone, day: 'numeric', month: 'long', year: 'numeric' }).format(d);
}
