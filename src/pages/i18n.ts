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

/** Russian plural form for a count: one (1, 21), few (2–4, 22–24), many (0, 5–20, 25…). */
function plural(n: number, one: string, few: string, many: string): string {
  const m10 = n % 10;
  const m100 = n % 100;
  if (m10 === 1 && m100 !== 11) return one;
  if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return few;
  return many;
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
  withdrawButton: 'Отозвать согласие и удалить мои данные',
  withdrawnTitle: 'Согласие отозвано',
  withdrawnLead: (due: string) => `Мы прекратили обработку ваших данных. Они будут удалены не позднее ${due}. Рассылка вам больше не придёт.`,
  confirmTitle: 'Подтвердите подписку',
  confirmLead:
    'Нажмите кнопку, чтобы согласиться получать от нас рекламно-информационные письма — от одного до трёх в месяц. Отписаться можно в любой момент по ссылке в каждом письме.',
  confirmButton: 'Подтвердить подписку',
  confirmedTitle: 'Подписка подтверждена',
  confirmedLead: 'Спасибо! Вы будете получать нашу рассылку. Отписаться можно по ссылке в любом письме.',
  confirmStaleTitle: 'Ссылка больше не действует',
  confirmStaleLead: 'Эта ссылка подтверждения устарела. Чтобы подписаться снова, оставьте заявку на сайте.',
  confirmAddressTitle: 'Подтвердите новый адрес',
  confirmAddressLead: 'Нажмите кнопку, чтобы этот адрес стал адресом, на который мы вам пишем. Пока вы не подтвердите, письма приходят на прежний адрес.',
  confirmAddressButton: 'Подтвердить адрес',
  addressConfirmedTitle: 'Адрес изменён',
  addressConfirmedLead: 'Теперь мы пишем вам на этот адрес. На прежний адрес мы отправили уведомление об изменении.',
  addressTakenTitle: 'Изменение не выполнено',
  addressTakenLead:
    'Этот адрес нельзя указать в данных, для которых запрошено изменение. Ничего не изменилось. Если нужна помощь, ответьте нам по адресу поддержки из наших писем.',
  confirmDetailsTitle: 'Подтвердите новые данные',
  confirmDetailsLead:
    'На нашем сайте с этим адресом оставили заявку с новыми данными. Нажмите кнопку, чтобы мы сохранили их вместо прежних. Если заявку оставляли не вы, просто закройте страницу: ничего не изменится.',
  confirmDetailsButton: 'Сохранить новые данные',
  detailsConfirmedTitle: 'Данные обновлены',
  detailsConfirmedLead: 'Мы сохранили данные из заявки.',
  changeStaleLead:
    'Эта ссылка больше ничего не подтверждает: изменение уже подтверждено, заменено более новым запросом или срок ссылки истёк. Ничего не изменилось.',
  pcAddressPendingTitle: 'Подтвердите новый адрес',
  pcAddressPendingLead:
    'Мы отправили письмо со ссылкой на новый адрес. Адрес изменится, когда вы перейдёте по ссылке из письма; до тех пор письма приходят на прежний адрес.',
  pcRectifyEmailNote: 'Новый адрес электронной почты начнёт действовать только после подтверждения по ссылке, которую мы пришлём на него.',
  preferencesLead: 'Здесь вы можете управлять рассылкой.',
  marketingStatus: 'Рекламно-информационная рассылка',
  state: { granted: 'включена', pending: 'ожидает подтверждения', withdrawn: 'отключена', none: 'отключена' } as Record<string, string>,
  invalidTitle: 'Ссылка повреждена',
  invalidLead: 'Ссылка не распознана: возможно, она скопирована не полностью. Откройте её из письма ещё раз.',
  stillLeave: 'Чтобы отписаться без ссылки, напишите нам:',
  expiredTitle: 'Срок действия ссылки истёк',
  expiredLead: 'Ссылка больше не действует. Мы можем прислать новую на адрес, куда пришло письмо.',
  expiredButton: 'Прислать новую ссылку',
  expiredEmailLabel: 'Или укажите адрес, на который прислать ссылку',
  tooManyTitle: 'Слишком много запросов',
  tooManyLead: 'Мы уже получили несколько запросов. Попробуйте снова через час.',
  freshLinkSent: 'Если адрес есть в нашей базе, новая ссылка придёт в течение нескольких минут.',
  unknownTitle: 'Данные не найдены',
  unknownLead: 'Мы не нашли данных по этой ссылке. Возможно, они уже удалены.',
  erasedLead: 'Ваши данные удалены. Рассылка вам не придёт.',
  errorTitle: 'Что-то пошло не так',
  errorLead: 'Не удалось выполнить действие. Попробуйте ещё раз чуть позже.',
  policy: 'Политика конфиденциальности',
  // The preference center (`/p/{token}`).
  pcTitle: 'Настройки рассылки и ваши данные',
  pcLead: 'Здесь можно изменить частоту писем, исправить или скачать свои данные, ограничить их обработку, отписаться, отозвать согласие или подать жалобу.',
  pcOtherLanguage: 'English',
  pcSections: 'Разделы страницы',
  pcBack: 'Вернуться к настройкам',
  pcSave: 'Сохранить',
  pcNotGiven: 'не указано',
  pcRestrictedNotice: 'Обработка ваших данных ограничена: мы не присылаем вам рассылку. Чтобы снять ограничение, напишите нам.',
  pcWithdrawnNotice: (due: string) =>
    `Вы отозвали согласие на обработку персональных данных. Мы удалим ваши данные не позднее ${due}. Изменить их уже нельзя, но можно скачать копию или подать жалобу.`,
  pcPausedNotice: (date: string) => `Рассылка приостановлена: письма снова начнут приходить ${date}.`,
  pcDataTitle: 'Ваши данные',
  pcDataLead: 'Эти данные вы указали в заявке на сайте.',
  field: {
    lastName: 'Фамилия',
    firstName: 'Имя',
    patronymic: 'Отчество',
    email: 'Электронная почта',
    phone: 'Телефон',
    website: 'Сайт',
    organization: 'Организация',
    industry: 'Сфера деятельности',
    city: 'Город',
  } as Record<string, string>,
  pcConsentsTitle: 'Согласия и рассылка',
  pcProcessingConsent: 'Согласие на обработку персональных данных',
  processingState: { granted: 'дано', pending: 'ожидает подтверждения', withdrawn: 'отозвано', none: 'нет' } as Record<string, string>,
  pcFrequency: 'Частота писем',
  frequencyName: { monthly: 'не больше одного письма в месяц', standard: 'до трёх писем в месяц' } as Record<string, string>,
  pcPausedUntil: 'Пауза',
  pcNoPause: 'нет',
  pcPausedUntilValue: (date: string) => `до ${date}`,
  pcFrequencyTitle: 'Как часто присылать письма',
  pcFrequencyLegend: 'Частота',
  frequencyOption: {
    monthly: 'Раз в месяц — не больше одного письма за 30 дней',
    standard: 'Обычно — до трёх писем за 30 дней',
  } as Record<string, string>,
  pcPauseLegend: 'Пауза',
  pcPauseLabel: 'Не присылать письма до',
  pcPauseHint: (max: string) =>
    `Необязательно. С этого дня письма снова начнут приходить. Самая поздняя дата — ${max}. Оставьте поле пустым, чтобы не делать паузу.`,
  pcMarketingOffNote: 'Сейчас рассылка вам не приходит. Частота начнёт действовать, если вы снова подпишетесь.',
  pcFrequencySavedTitle: 'Настройки сохранены',
  pcFrequencySavedLead: (freq: string) => `Частота писем: ${freq}.`,
  pcPauseSavedLead: (date: string) => `Письма снова начнут приходить ${date}.`,
  pcPauseClearedLead: 'Паузы нет.',
  pcNothingChangedLead: 'Ничего не изменилось: эти настройки уже действуют.',
  pcFrequencyInvalid: 'Выберите частоту: раз в месяц или обычно.',
  pcPauseInvalid: 'Дата паузы указана неверно: нужен формат ГГГГ-ММ-ДД.',
  pcPausePast: 'Дата паузы не может быть раньше сегодняшнего дня.',
  pcPauseTooFar: (max: string) => `Поставить паузу можно не дальше чем до ${max}.`,
  pcRectifyTitle: 'Исправить данные',
  pcRectifyLead: 'Исправления применяются сразу. Чтобы удалить значение, очистите поле (кроме адреса электронной почты).',
  pcRectifyButton: 'Сохранить исправления',
  pcRectifiedTitle: 'Данные исправлены',
  pcRectifiedLead: (fields: string) => `Изменено: ${fields}.`,
  pcRectifyNothingLead: 'Ничего не изменилось: данные совпадают с сохранёнными.',
  pcFixErrors: 'Исправьте, пожалуйста, ошибки',
  pcEmailRequired: 'Укажите адрес электронной почты.',
  pcEmailInvalid: 'Адрес электронной почты указан неверно. Пример правильного адреса: ivan@example.ru',
  pcEmailTaken: 'Этот адрес нельзя указать: он уже связан с другим человеком в нашей базе.',
  pcTooLong: (field: string, max: number) => `${field}: не длиннее ${max} символов.`,
  pcPhoneInvalid: 'Телефон: только цифры, пробелы и знаки + ( ) - .',
  pcExportTitle: 'Скачать мои данные',
  pcExportLead: 'Файл JSON со всем, что мы о вас храним: данные из заявки, согласия и история их изменений с IP-адресами, отправленные письма, ваши обращения.',
  pcExportButton: 'Скачать данные (JSON)',
  pcRestrictTitle: 'Ограничить обработку данных',
  pcRestrictLead: 'Мы прекратим обрабатывать ваши данные для рассылки, но не удалим их. Снять ограничение можно, написав нам.',
  pcRestrictConfirm: 'Да, я хочу ограничить обработку моих данных',
  pcRestrictButton: 'Ограничить обработку',
  pcRestrictNeedsConfirm: 'Отметьте флажок, чтобы подтвердить ограничение обработки.',
  pcRestrictedTitle: 'Обработка ограничена',
  pcRestrictedLead: 'Мы не будем обрабатывать ваши данные для рассылки, пока ограничение не снято. Данные сохранены.',
  pcAlreadyRestrictedLead: 'Обработка ваших данных уже ограничена. Ничего не изменилось.',
  pcUnsubscribeNote: 'Сейчас рассылка вам не приходит.',
  pcWithdrawConsequencesTitle: 'Что произойдёт',
  pcWithdrawConsequences: (days: string) => [
    'Мы прекратим обработку ваших данных и перестанем присылать вам любые письма.',
    `Все ваши данные будут удалены не позднее чем через ${days}. Восстановить их будет невозможно.`,
    'Мы сохраним только запись о том, что удалили данные по вашей просьбе, и необратимый отпечаток адреса, чтобы больше никогда не писать на него.',
    'Чтобы снова получать рассылку, нужно будет заново оставить заявку на сайте.',
    'Копию своих данных можно скачать и сейчас, и после отзыва согласия — до момента удаления: ссылку на скачивание мы пришлём в письме, подтверждающем отзыв.',
  ],
  pcWithdrawContinue: 'Отозвать согласие…',
  pcWithdrawConfirmTitle: 'Подтвердите отзыв согласия',
  pcWithdrawConfirmLead: 'Это действие нельзя отменить.',
  pcAlreadyWithdrawnLead: (due: string) => `Согласие уже отозвано, повторно ничего не изменилось. Ваши данные будут удалены не позднее ${due}.`,
  pcAppealTitle: 'Подать жалобу',
  pcAppealLead: (days: string) =>
    `Если вы не согласны с тем, как мы обрабатываем ваши данные, или с решением, принятым автоматически, опишите ситуацию. Мы ответим в течение ${days}.`,
  pcAppealKindLegend: 'О чём жалоба',
  appealKind: {
    appeal: 'Об обработке моих персональных данных',
    automated_decision_appeal: 'О решении, принятом автоматически, без участия человека',
  } as Record<string, string>,
  pcAppealTextLabel: 'Текст жалобы',
  pcAppealHint: (max: string) => `Не более ${max} символов.`,
  pcAppealButton: 'Отправить жалобу',
  pcAppealSentTitle: 'Жалоба принята',
  pcAppealSentLead: (due: string) => `Мы рассмотрим её и ответим не позднее ${due}.`,
  pcAppealDuplicateLead: (due: string) => `Эта жалоба уже принята, повторно ничего не отправлено. Мы ответим не позднее ${due}.`,
  pcAppealEmpty: 'Напишите текст жалобы.',
  pcAppealTooLong: (max: string) => `Текст длиннее ${max} символов. Сократите его и отправьте снова.`,
  pcAppealKindInvalid: 'Выберите, о чём жалоба.',
  pcBadFormTitle: 'Форма не распознана',
  pcBadFormLead: 'Не удалось прочитать отправленную форму. Вернитесь к настройкам и попробуйте ещё раз.',
  pcBlockedTitle: 'Действие недоступно',
  pcBlockedLead: 'Вы отозвали согласие на обработку персональных данных, и они будут удалены. Изменить их уже нельзя.',
  tooLargeTitle: 'Слишком большой объём',
  tooLargeLead: 'Отправлено слишком много текста. Сократите его и попробуйте ещё раз.',
  unavailableTitle: 'Сервис временно перегружен',
  unavailableLead: 'Сейчас не удалось выполнить действие. Повторите его через несколько секунд: повторять безопасно.',
  businessDays: (n: number) => `${n} ${plural(n, 'рабочий день', 'рабочих дня', 'рабочих дней')}`,
  // Whose mail this is, on every page (src/pages/identity.tsx).
  idOperatorLabel: 'Рассылка компании',
  idActingOn: 'Адрес:',
  idContact: 'Вопросы — напишите нам, ответит человек:',
  // The unsubscribe page's offers (src/unsubscribe/routes.tsx).
  uMonthlyTitle: 'Или реже, но не совсем',
  uMonthlyLead: 'Можно остаться в рассылке и получать от нас не больше одного письма в месяц.',
  uMonthlyButton: 'Не больше одного письма в месяц',
  uMonthlySavedTitle: 'Теперь не больше одного письма в месяц',
  uMonthlySavedLead: 'Вы остаётесь в рассылке, но писем будет не больше одного в месяц. Если всё же захотите отписаться, кнопка ниже.',
  uMonthlyAlreadyLead: 'У вас уже выбрано не больше одного письма в месяц. Если всё же захотите отписаться, кнопка ниже.',
  uMonthlyUnavailableLead: 'Сейчас рассылка вам не приходит, поэтому частоту менять не нужно.',
  uResubscribeTitle: 'Передумали?',
  uResubscribeLead: 'Можно подписаться снова: мы пришлём на этот адрес письмо со ссылкой. Рассылка возобновится, только когда вы подтвердите подписку по ней.',
  uResubscribeButton: 'Подписаться снова',
  uResubscribeSentTitle: 'Проверьте почту',
  uResubscribeSentLead: 'Мы отправили письмо со ссылкой для подтверждения подписки. Пока вы не подтвердите её, рассылка приходить не будет.',
  uResubscribeSubscribedTitle: 'Вы подписаны',
  uResubscribeSubscribedLead: 'Вы и так получаете нашу рассылку: подтверждать ничего не нужно.',
  uResubscribeNotPossibleLead: 'Подписаться снова по этой ссылке нельзя. Напишите нам — ответит человек.',
  uSubscribeOnSite: 'Подписаться можно и на нашем сайте:',
  // GET / (src/pages/home.tsx).
  homeTitle: (org: string) => `Настройки рассылки — ${org}`,
  homeLead:
    'Здесь получатели нашей рассылки отписываются, выбирают, как часто получать письма, и распоряжаются своими данными — по личной ссылке из любого письма.',
  homeDocs: 'Описание API (для разработчиков)',
  // The damaged-link page's way to leave (POST /u/by-address).
  byAddressTitle: 'Отписаться без ссылки',
  byAddressLead: 'Укажите адрес, на который приходит рассылка. Мы пришлём на него письмо со ссылкой на страницу настроек, где можно отписаться одним нажатием.',
  byAddressLabel: 'Адрес электронной почты',
  byAddressButton: 'Прислать ссылку',
  byAddressSentTitle: 'Проверьте почту',
  byAddressSentLead:
    'Если этот адрес есть в нашей рассылке, на него в течение нескольких минут придёт письмо со ссылкой, по которой можно отписаться. Только по адресу мы никого не отписываем: так никто не отпишет вас без вашего ведома.',
  // Frequencies as configured: how many mails a preference allows in its window (cadence/policy.ts, CADENCE_MAX_PER_WINDOW).
  frequencyNameN: (f: string, n: number) =>
    f === 'monthly' ? `не больше ${n} ${plural(n, 'письма', 'писем', 'писем')} в месяц` : `до ${n} ${plural(n, 'письма', 'писем', 'писем')} в месяц`,
  frequencyOptionN: (f: string, n: number, days: number) =>
    `${f === 'monthly' ? 'Раз в месяц — не больше' : 'Обычно — до'} ${n} ${plural(n, 'письма', 'писем', 'писем')} за ${days} ${plural(days, 'день', 'дня', 'дней')}`,
  // Withdrawal and erasure: the true moment the erasure runs, and what is left until then.
  erasureClosedNone: 'таких нет',
  withdrawnAtLead: (when: string) =>
    `Мы прекратили обработку ваших данных и удалим их ${when}. До этого момента вы можете скачать их копию — ссылка есть в письме, которое мы вам отправили. Рассылка вам больше не придёт.`,
  withdrawAlreadyLead: (when: string) =>
    `Вы уже отозвали согласие на обработку персональных данных. Мы удалим ваши данные ${when}. До этого момента скачать их копию можно по ссылке из письма об отзыве согласия.`,
  pcWithdrawnAtNotice: (when: string) =>
    `Вы отозвали согласие на обработку персональных данных. Мы удалим ваши данные ${when}. До этого момента их можно скачать, но изменить уже нельзя.`,
  pcAlreadyWithdrawnAtLead: (when: string) => `Согласие уже отозвано, повторно ничего не изменилось. Мы удалим ваши данные ${when}.`,
  // Topics: the unsubscribe page of a topic link (src/unsubscribe/routes.tsx) and the center's checkboxes.
  uTopicTitle: (name: string) => `Отписаться от рассылки «${name}»`,
  uTopicLead: (name: string) => `Вы перестанете получать письма «${name}». Другие наши рассылки и письма, необходимые для оказания услуг, продолжат приходить.`,
  uTopicRemovedNote: 'Эту рассылку мы больше не отправляем; отписка от неё всё равно будет записана.',
  uTopicButton: (name: string) => `Отписаться от «${name}»`,
  uTopicDoneTitle: (name: string) => `Вы отписаны от рассылки «${name}»`,
  uTopicDoneLead: (name: string) =>
    `Письма «${name}» больше не придут. Если письмо уже было в пути, оно может прийти в ближайшие часы. Другие наши рассылки продолжат приходить.`,
  uAllTitle: 'Все рекламные рассылки',
  uAllLead: 'Если вы не хотите получать от нас никаких рекламно-информационных писем, можно отписаться от всех сразу.',
  uAllButton: 'Отписаться от всех рекламных рассылок',
  pcTopicsTitle: 'Какие письма присылать',
  pcTopicsLegend: 'Рассылки',
  pcTopicsLead: 'Отметьте рассылки, которые хотите получать. Письма, необходимые для оказания услуг, приходят всегда.',
  pcTopicsButton: 'Сохранить выбор',
  pcTopicsSavedTitle: 'Выбор сохранён',
  pcTopicsSavedLead: 'Мы будем присылать только отмеченные рассылки.',
  pcTopicsUnchangedLead: 'Выбор не изменился.',
  pcTopicsNoMarketing: 'Сейчас рекламные письма вам не приходят: отмеченные рассылки начнут приходить, только когда вы снова подпишетесь.',
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
  withdrawButton: 'Withdraw consent and delete my data',
  withdrawnTitle: 'Consent withdrawn',
  withdrawnLead: (due: string) => `We have stopped processing your data. It will be deleted by ${due} at the latest. You will receive no more mailings.`,
  confirmTitle: 'Confirm your subscription',
  confirmLead:
    'Press the button to agree to receive our advertising and newsletter e-mails, one to three a month. You can unsubscribe at any time with the link in every message.',
  confirmButton: 'Confirm subscription',
  confirmedTitle: 'Subscription confirmed',
  confirmedLead: 'Thank you! You will receive our mailings. You can unsubscribe with the link in any message.',
  confirmStaleTitle: 'This link is no longer valid',
  confirmStaleLead: 'This confirmation link is out of date. To subscribe again, fill in the form on our site.',
  confirmAddressTitle: 'Confirm your new address',
  confirmAddressLead: 'Press the button to make this the address we write to. Until you confirm, our e-mails go to your previous address.',
  confirmAddressButton: 'Confirm address',
  addressConfirmedTitle: 'Address changed',
  addressConfirmedLead: 'We now write to this address. We have sent a notice of the change to your previous address.',
  addressTakenTitle: 'The change was not made',
  addressTakenLead:
    'This address cannot be set on the record the change was asked for. Nothing has changed. If you need help, write to the support address in our e-mails.',
  confirmDetailsTitle: 'Confirm your new details',
  confirmDetailsLead:
    'Someone filled in the form on our site with this address and new details. Press the button to keep them instead of the ones we hold. If it was not you, just close this page: nothing will change.',
  confirmDetailsButton: 'Save the new details',
  detailsConfirmedTitle: 'Details updated',
  detailsConfirmedLead: 'We have saved the details from the form.',
  changeStaleLead:
    'This link no longer confirms anything: the change was already confirmed, replaced by a newer request, or the link has expired. Nothing has changed.',
  pcAddressPendingTitle: 'Confirm your new address',
  pcAddressPendingLead:
    'We have sent an e-mail with a link to the new address. The address changes when you follow that link; until then our e-mails go to your previous address.',
  pcRectifyEmailNote: 'A new e-mail address takes effect only once you confirm it with the link we send to it.',
  preferencesLead: 'Manage your mailings here.',
  marketingStatus: 'Advertising and newsletter e-mails',
  state: { granted: 'on', pending: 'awaiting confirmation', withdrawn: 'off', none: 'off' },
  invalidTitle: 'This link is damaged',
  invalidLead: 'We could not read this link; it may have been copied only in part. Open it from the e-mail again.',
  stillLeave: 'To unsubscribe without the link, write to us:',
  expiredTitle: 'This link has expired',
  expiredLead: 'The link is no longer valid. We can send a new one to the address the e-mail came to.',
  expiredButton: 'Send me a new link',
  expiredEmailLabel: 'Or enter the address to send the link to',
  tooManyTitle: 'Too many requests',
  tooManyLead: 'We have already received several requests. Please try again in an hour.',
  freshLinkSent: 'If the address is in our records, a new link will arrive within a few minutes.',
  unknownTitle: 'Nothing found',
  unknownLead: 'We found no data for this link. It may have been deleted already.',
  erasedLead: 'Your data has been deleted. You will receive no mailings.',
  errorTitle: 'Something went wrong',
  errorLead: 'We could not complete the action. Please try again a little later.',
  policy: 'Privacy policy',
  pcTitle: 'Mailing preferences and your data',
  pcLead: 'Change how often we write, correct or download your data, restrict its processing, unsubscribe, withdraw consent or file an appeal.',
  pcOtherLanguage: 'Русский',
  pcSections: 'On this page',
  pcBack: 'Back to preferences',
  pcSave: 'Save',
  pcNotGiven: 'not given',
  pcRestrictedNotice: 'Processing of your data is restricted: we send you no mailings. To lift the restriction, write to us.',
  pcWithdrawnNotice: (due: string) =>
    `You have withdrawn consent to processing of your personal data. We will delete your data by ${due} at the latest. It can no longer be changed, but you can still download a copy or file an appeal.`,
  pcPausedNotice: (date: string) => `Mailings are paused: they resume on ${date}.`,
  pcDataTitle: 'Your data',
  pcDataLead: 'This is what you gave in the form on our site.',
  field: {
    lastName: 'Last name',
    firstName: 'First name',
    patronymic: 'Patronymic',
    email: 'E-mail',
    phone: 'Phone',
    website: 'Website',
    organization: 'Organization',
    industry: 'Field of activity',
    city: 'City',
  },
  pcConsentsTitle: 'Consents and mailings',
  pcProcessingConsent: 'Consent to processing of personal data',
  processingState: { granted: 'given', pending: 'awaiting confirmation', withdrawn: 'withdrawn', none: 'none' },
  pcFrequency: 'How often',
  frequencyName: { monthly: 'at most one e-mail a month', standard: 'up to three e-mails a month' },
  pcPausedUntil: 'Pause',
  pcNoPause: 'none',
  pcPausedUntilValue: (date: string) => `until ${date}`,
  pcFrequencyTitle: 'How often we write',
  pcFrequencyLegend: 'Frequency',
  frequencyOption: {
    monthly: 'Monthly — at most one e-mail in 30 days',
    standard: 'Standard — up to three e-mails in 30 days',
  },
  pcPauseLegend: 'Pause',
  pcPauseLabel: 'Send nothing until',
  pcPauseHint: (max: string) => `Optional. Mailings resume on this day. The latest date is ${max}. Leave it empty for no pause.`,
  pcMarketingOffNote: 'You receive no mailings now. The frequency applies if you subscribe again.',
  pcFrequencySavedTitle: 'Preferences saved',
  pcFrequencySavedLead: (freq: string) => `Frequency: ${freq}.`,
  pcPauseSavedLead: (date: string) => `Mailings resume on ${date}.`,
  pcPauseClearedLead: 'No pause.',
  pcNothingChangedLead: 'Nothing changed: these preferences are already in place.',
  pcFrequencyInvalid: 'Choose a frequency: monthly or standard.',
  pcPauseInvalid: 'The pause date is not valid: use the format YYYY-MM-DD.',
  pcPausePast: 'The pause date cannot be earlier than today.',
  pcPauseTooFar: (max: string) => `A pause can last until ${max} at the latest.`,
  pcRectifyTitle: 'Correct your data',
  pcRectifyLead: 'Corrections apply at once. To remove a value, clear the field (except the e-mail address).',
  pcRectifyButton: 'Save corrections',
  pcRectifiedTitle: 'Data corrected',
  pcRectifiedLead: (fields: string) => `Changed: ${fields}.`,
  pcRectifyNothingLead: 'Nothing changed: the data is the same as what we hold.',
  pcFixErrors: 'Please correct these errors',
  pcEmailRequired: 'Enter an e-mail address.',
  pcEmailInvalid: 'The e-mail address is not valid. A valid one looks like ivan@example.com',
  pcEmailTaken: 'This address cannot be used: it already belongs to another person in our records.',
  pcTooLong: (field: string, max: number) => `${field}: at most ${max} characters.`,
  pcPhoneInvalid: 'Phone: digits, spaces and + ( ) - . only.',
  pcExportTitle: 'Download my data',
  pcExportLead:
    'A JSON file with everything we hold about you: the data from your form, your consents and their history with IP addresses, the e-mails we sent, your requests.',
  pcExportButton: 'Download data (JSON)',
  pcRestrictTitle: 'Restrict processing of my data',
  pcRestrictLead: 'We stop processing your data for mailings but do not delete it. To lift the restriction, write to us.',
  pcRestrictConfirm: 'Yes, I want processing of my data restricted',
  pcRestrictButton: 'Restrict processing',
  pcRestrictNeedsConfirm: 'Tick the box to confirm the restriction.',
  pcRestrictedTitle: 'Processing restricted',
  pcRestrictedLead: 'We will not process your data for mailings until the restriction is lifted. Your data is kept.',
  pcAlreadyRestrictedLead: 'Processing of your data is already restricted. Nothing changed.',
  pcUnsubscribeNote: 'You receive no mailings now.',
  pcWithdrawConsequencesTitle: 'What happens',
  pcWithdrawConsequences: (days: string) => [
    'We stop processing your data and send you no e-mail of any kind.',
    `All your data is deleted within ${days} at most. It cannot be restored.`,
    'We keep only a record that we deleted your data at your request, and an irreversible fingerprint of your address so that we never write to it again.',
    'To receive our mailings again you would have to fill in the form on our site anew.',
    'You can download a copy of your data now, or after withdrawing consent until the moment of deletion: the e-mail confirming the withdrawal carries a download link.',
  ],
  pcWithdrawContinue: 'Withdraw consent…',
  pcWithdrawConfirmTitle: 'Confirm the withdrawal of consent',
  pcWithdrawConfirmLead: 'This cannot be undone.',
  pcAlreadyWithdrawnLead: (due: string) => `Consent is already withdrawn; nothing changed. Your data will be deleted by ${due} at the latest.`,
  pcAppealTitle: 'File an appeal',
  pcAppealLead: (days: string) =>
    `If you disagree with how we process your data, or with a decision made automatically, describe what happened. We answer within ${days}.`,
  pcAppealKindLegend: 'What the appeal is about',
  appealKind: {
    appeal: 'How my personal data is processed',
    automated_decision_appeal: 'A decision made automatically, without a person',
  },
  pcAppealTextLabel: 'Your appeal',
  pcAppealHint: (max: string) => `At most ${max} characters.`,
  pcAppealButton: 'Send the appeal',
  pcAppealSentTitle: 'Appeal received',
  pcAppealSentLead: (due: string) => `We will consider it and answer by ${due} at the latest.`,
  pcAppealDuplicateLead: (due: string) => `This appeal has already been received; nothing was sent again. We will answer by ${due} at the latest.`,
  pcAppealEmpty: 'Write the text of your appeal.',
  pcAppealTooLong: (max: string) => `The text is longer than ${max} characters. Shorten it and send it again.`,
  pcAppealKindInvalid: 'Choose what the appeal is about.',
  pcBadFormTitle: 'The form could not be read',
  pcBadFormLead: 'We could not read the form you sent. Go back to your preferences and try again.',
  pcBlockedTitle: 'Not available',
  pcBlockedLead: 'You have withdrawn consent to processing of your personal data, and it is being deleted. It can no longer be changed.',
  tooLargeTitle: 'Too much text',
  tooLargeLead: 'What you sent is too long. Shorten it and try again.',
  unavailableTitle: 'The service is busy for a moment',
  unavailableLead: 'We could not complete the action just now. Please try again in a few seconds: it is safe to repeat.',
  businessDays: (n: number) => `${n} business ${n === 1 ? 'day' : 'days'}`,
  idOperatorLabel: 'Mailings from',
  idActingOn: 'Address:',
  idContact: 'Questions? Write to us, a person answers:',
  uMonthlyTitle: 'Or less often, but not never',
  uMonthlyLead: 'You can stay on our list and get at most one e-mail a month from us.',
  uMonthlyButton: 'At most one e-mail a month',
  uMonthlySavedTitle: 'At most one e-mail a month from now on',
  uMonthlySavedLead: 'You stay on our list, with at most one e-mail a month. If you still want to unsubscribe, the button is below.',
  uMonthlyAlreadyLead: 'You already get at most one e-mail a month. If you still want to unsubscribe, the button is below.',
  uMonthlyUnavailableLead: 'You receive no mailings now, so there is no frequency to change.',
  uResubscribeTitle: 'Changed your mind?',
  uResubscribeLead: 'You can subscribe again: we will send a link to this address. Mailings resume only once you confirm with it.',
  uResubscribeButton: 'Subscribe again',
  uResubscribeSentTitle: 'Check your mailbox',
  uResubscribeSentLead: 'We have sent an e-mail with a link to confirm your subscription. Until you confirm, no mailings will arrive.',
  uResubscribeSubscribedTitle: 'You are subscribed',
  uResubscribeSubscribedLead: 'You already receive our mailings: there is nothing to confirm.',
  uResubscribeNotPossibleLead: 'You cannot subscribe again with this link. Write to us and a person will answer.',
  uSubscribeOnSite: 'You can also subscribe on our website:',
  homeTitle: (org: string) => `Mailing preferences — ${org}`,
  homeLead:
    'Here the people on our mailing list unsubscribe, choose how often they hear from us and manage their data, through the personal link in any of our e-mails.',
  homeDocs: 'API description (for developers)',
  byAddressTitle: 'Unsubscribe without the link',
  byAddressLead:
    'Enter the address our mailings come to. We will send it an e-mail with a link to your preferences, where you can unsubscribe with one button.',
  byAddressLabel: 'E-mail address',
  byAddressButton: 'Send me the link',
  byAddressSentTitle: 'Check your mailbox',
  byAddressSentLead:
    'If this address is on our list, an e-mail with a link to unsubscribe will arrive within a few minutes. We never unsubscribe anyone by the address alone, so nobody can unsubscribe you without your knowing.',
  erasureClosedNone: 'none',
  frequencyNameN: (f: string, n: number) => `${f === 'monthly' ? 'at most' : 'up to'} ${n} e-mail${n === 1 ? '' : 's'} a month`,
  frequencyOptionN: (f: string, n: number, days: number) =>
    `${f === 'monthly' ? 'Monthly — at most' : 'Standard — up to'} ${n} e-mail${n === 1 ? '' : 's'} in ${days} days`,
  withdrawnAtLead: (when: string) =>
    `We have stopped processing your data and will delete it on ${when}. Until then you can download a copy with the link in the e-mail we have sent you. You will receive no more mailings.`,
  withdrawAlreadyLead: (when: string) =>
    `You have already withdrawn consent to processing of your personal data. We will delete your data on ${when}. Until then you can download a copy with the link in the e-mail confirming the withdrawal.`,
  pcWithdrawnAtNotice: (when: string) =>
    `You have withdrawn consent to processing of your personal data. We will delete your data on ${when}. Until then you can download it, but it can no longer be changed.`,
  pcAlreadyWithdrawnAtLead: (when: string) => `Consent is already withdrawn; nothing changed. We will delete your data on ${when}.`,
  uTopicTitle: (name: string) => `Unsubscribe from “${name}”`,
  uTopicLead: (name: string) => `You will stop receiving “${name}”. Our other mailings and the messages needed to provide our services will still arrive.`,
  uTopicRemovedNote: 'We no longer send this mailing; your unsubscribe from it is recorded all the same.',
  uTopicButton: (name: string) => `Unsubscribe from “${name}”`,
  uTopicDoneTitle: (name: string) => `You are unsubscribed from “${name}”`,
  uTopicDoneLead: (name: string) =>
    `“${name}” will not come any more. A message already on its way may still arrive within a few hours. Our other mailings will still arrive.`,
  uAllTitle: 'All advertising mail',
  uAllLead: 'If you want no advertising e-mails from us at all, you can unsubscribe from all of them at once.',
  uAllButton: 'Unsubscribe from all advertising mail',
  pcTopicsTitle: 'Which e-mails to send',
  pcTopicsLegend: 'Mailings',
  pcTopicsLead: 'Tick the mailings you want. Messages needed to provide our services always arrive.',
  pcTopicsButton: 'Save my choice',
  pcTopicsSavedTitle: 'Your choice is saved',
  pcTopicsSavedLead: 'We will send only the mailings you ticked.',
  pcTopicsUnchangedLead: 'Your choice has not changed.',
  pcTopicsNoMarketing: 'You receive no advertising e-mails now: the ticked mailings arrive only once you subscribe again.',
};

export const messages: Record<Locale, Messages> = { ru, en };

/** A date as the person reads it, in the service's time zone. */
export function formatDate(d: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', { timeZone, day: 'numeric', month: 'long', year: 'numeric' }).format(d);
}

/**
 * A date to sit inside a sentence: "4 марта 2026", "4 March 2026". ru-RU ends its dates with
 * "г.", which would read as the end of the sentence before the text's own full stop.
 */
export function formatDateInText(d: Date, locale: Locale, timeZone: string): string {
  return formatDate(d, locale, timeZone).replace(/\s*г\.$/, '');
}

/**
 * A moment to sit inside a sentence, with its time and zone: "3 декабря 2026 в 09:00 (GMT+3)",
 * "3 December 2026 at 09:00 (GMT+3)". For promises made to the minute (when erasure runs).
 */
export function formatDateTimeInText(d: Date, locale: Locale, timeZone: string): string {
  const parts = new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(d);
  const time = parts
    .filter((p) => p.type === 'hour' || p.type === 'minute' || p.type === 'literal')
    .map((p) => p.value)
    .join('')
    .trim();
  const zone = parts.find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  return `${formatDateInText(d, locale, timeZone)} ${locale === 'ru' ? 'в' : 'at'} ${time} (${zone})`;
}
