/**
 * An address as a page shows it to whoever holds the link: the first character of the local
 * part, three stars, and the domain, so a person recognises which of their addresses is meant
 * while a forwarded link or a screenshot does not give the address away. The stars do not
 * follow the length of what they hide. Anything that is not `local@domain` is all stars.
 *
 * @example
 * maskEmail('ivan.petrov@example.ru'); // 'i***@example.ru'
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return '***';
  // The first code point, not the first UTF-16 unit: a local part may start with any letter.
  const first = Array.from(email.slice(0, at))[0]!;
  return `${first}***@${email.slice(at + 1)}`;
}
