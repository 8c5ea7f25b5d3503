/** Masks anything that looks like an e-mail address (SMTP diagnostics quote the recipient). */
export function redactAddresses(text: string): string {
  return text.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, '[address]');
}
