/**
 * The development mailbox: the .eml files the file mailer writes (node/mailer.ts `fileMailer`)
 * when mail goes to files, read through an injected reader (the app reads no files itself), and
 * a small reader of those messages (headers, the text part) for the dashboard.
 */

/** One mail file. */
export interface MailFile {
  name: string;
  modifiedAt: Date;
  size: number;
}

/** Reads the file mailer's directory; the Node entry hands one in only when mail goes to files. */
export interface DevMailbox {
  /** Where the files are (shown to the operator). */
  where: string;
  /** The newest `limit` files, newest first. */
  list(limit: number): Promise<MailFile[]>;
  /** One file's text, or null when there is no such file (or the name is not one of ours). */
  read(name: string): Promise<string | null>;
}

/**
 * The names the file mailer writes (`<subject id>--<message id>.eml`): nothing else is ever
 * opened, so no path can leave the directory.
 */
export const MAIL_FILE_NAME = /^[A-Za-z0-9_-]{1,64}--[A-Za-z0-9@._-]{1,200}\.eml$/;

/** Whether a name is one the mailbox may open. Pure. */
export const isMailFileName = (name: string): boolean => MAIL_FILE_NAME.test(name) && !name.includes('..');

/** A message as the dashboard shows it: a few headers and the plain-text body. */
export interface ReadableMail {
  subject: string;
  to: string;
  from: string;
  date: string;
  text: string;
}

function decodeBytes(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder().decode(bytes);
  }
}

function base64Bytes(s: string): Uint8Array {
  try {
    return Uint8Array.from(atob(s.replace(/[^A-Za-z0-9+/=]/g, '')), (c) => c.charCodeAt(0));
  } catch {
    return new Uint8Array();
  }
}

function quotedPrintableBytes(s: string): Uint8Array {
  const soft = s.replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const ch = soft[i]!;
    const hex = soft.slice(i + 1, i + 3);
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else for (const b of new TextEncoder().encode(ch)) out.push(b);
  }
  return Uint8Array.from(out);
}

/** RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?UTF-8?Q?…?=`) in a header. */
function decodeWords(v: string): string {
  return v.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=(\s+(?==\?))?/g, (_m, cs: string, enc: string, data: string) =>
    enc.toUpperCase() === 'B' ? decodeBytes(base64Bytes(data), cs) : decodeBytes(quotedPrintableBytes(data.replace(/_/g, ' ')), cs),
  );
}

function splitMessage(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** The plain-text part of a message (the first text/plain, or text/html stripped), decoded. */
function textOf(headers: Map<string, string>, body: string, depth = 0): string | null {
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary && depth < 4) {
    const parts = body.split(`--${boundary}`).slice(1);
    let html: string | null = null;
    for (const p of parts) {
      if (p.startsWith('--')) break;
      const part = splitMessage(p.replace(/^\r?\n/, ''));
      const t = part.headers.get('content-type') ?? 'text/plain';
      if (/^text\/plain/i.test(t) || /^multipart\//i.test(t)) {
        const found = textOf(part.headers, part.body, depth + 1);
        if (found !== null) return found;
      } else if (/^text\/html/i.test(t) && html === null) html = textOf(part.headers, part.body, depth + 1);
    }
    return html;
  }
  const charset = /charset="?([^";]+)"?/i.exec(type)?.[1] ?? 'utf-8';
  const cte = (headers.get('content-transfer-encoding') ?? '').toLowerCase();
  const bytes = cte === 'base64' ? base64Bytes(body) : cte === 'quoted-printable' ? quotedPrintableBytes(body) : new TextEncoder().encode(body);
  const text = decodeBytes(bytes, charset);
  return /^text\/html/i.test(type)
    ? text
        .replace(/<a\s[^>]*href="([^"]+)"[^>]*>/gi, ' $1 ')
        .replace(/<[^>]+>/g, ' ')
        .replace(/[ \t]+/g, ' ')
    : text;
}

/**
 * Reads an .eml file as the file mailer writes it (nodemailer's multipart/alternative with a
 * quoted-printable or base64 text part). Pure; never throws on a strange file.
 *
 * @example
 * parseMail(raw).text // 'Confirm your subscription: https://…'
 */
export function parseMail(raw: string): ReadableMail {
  const { headers, body } = splitMessage(raw);
  return {
    subject: decodeWords(headers.get('subject') ?? ''),
    to: decodeWords(headers.get('to') ?? ''),
    from: decodeWords(headers.get('from') ?? ''),
    date: headers.get('date') ?? '',
    text: (textOf(headers, body) ?? '').replace(/\r\n/g, '\n').trim(),
  };
}

/** A text cut into plain runs and http(s) links, so a page can make the links clickable. Pure. */
export function linkRuns(text: string): { text: string; href?: string }[] {
  const out: { text: string; href?: string }[] = [];
  const re = /https?:\/\/[^\s<>"')\]]+/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const url = m[0].replace(/[.,;:!?]+$/, '');
    if (m.index > last) out.push({ text: text.slice(last, m.index) });
    out.push({ text: url, href: url });
    last = m.index + url.length;
    re.lastIndex = last;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
