import type { Logger } from '../../src/log.js';

/**
 * A logger that records every call at every level (debug included) as the JSON line the real
 * logger would write, and a scanner that looks for secrets in those lines: addresses (whole,
 * and their local part), names, phones (as typed, and as digits), link tokens (whole, and each
 * of their three pieces) and API keys (whole, and the secret part after `mpk_<id>_`).
 *
 * @example
 * const logs = captureLogs();
 * const h = await createHarness({ logger: logs.logger });
 * // … run a flow …
 * expect(findSecrets(logs.lines, [{ label: 'address', kind: 'email', value: 'ivan@example.ru' }])).toEqual([]);
 */
export interface CapturedLogs {
  logger: Logger;
  /** Every call, as one JSON line each: `{"level":…,"msg":…,…fields}`. */
  lines: string[];
}

/** JSON that never throws: bigints as strings, errors with their name, message and stack, cycles cut. */
function serialize(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return { name: v.name, message: v.message, stack: v.stack, cause: v.cause };
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
    }
    return v;
  });
}

export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  const record = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push(serialize({ level, msg, ...fields }));
  };
  return { logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }, lines };
}

export type SecretKind = 'email' | 'name' | 'phone' | 'token' | 'api-key' | 'text';

export interface Secret {
  label: string;
  kind: SecretKind;
  value: string;
}

export interface Leak {
  label: string;
  /** The form of the secret that was found (the address's local part, a token's piece…). */
  found: string;
  line: string;
}

/** The forms of a secret worth looking for, each long enough not to match by chance. */
export function formsOf(secret: Secret): string[] {
  const v = secret.value;
  const forms = new Set<string>([v]);
  const json = JSON.stringify(v).slice(1, -1);
  forms.add(json);
  switch (secret.kind) {
    case 'email': {
      const local = v.slice(0, v.lastIndexOf('@'));
      forms.add(local);
      forms.add(encodeURIComponent(v));
      break;
    }
    case 'phone': {
      const digits = v.replace(/\D/g, '');
      forms.add(digits);
      // Without the country code too (8 912… or 912…).
      forms.add(digits.slice(1));
      break;
    }
    case 'token':
      for (const piece of v.split('.')) forms.add(piece);
      break;
    case 'api-key': {
      const secretPart = /^mpk_[0-9a-f]{8}_(.+)$/.exec(v)?.[1];
      if (secretPart) forms.add(secretPart);
      break;
    }
  }
  return [...forms].filter((f) => f.length >= 6);
}

/** Every line that holds a form of a secret (case-insensitive). */
export function findSecrets(lines: string[], secrets: Secret[]): Leak[] {
  const leaks: Leak[] = [];
  const lowered = lines.map((l) => l.toLowerCase());
  for (const s of secrets) {
    for (const form of formsOf(s)) {
      const needle = form.toLowerCase();
      lowered.forEach((l, i) => {
        if (l.includes(needle)) leaks.push({ label: s.label, found: form, line: lines[i]! });
      });
    }
  }
  return leaks;
}
