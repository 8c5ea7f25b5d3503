/**
 * Our own documented shape: `{"events":[{"type","email","at","id","detail"?}]}`, 1 to 1,000
 * events (see the OpenAPI schema in ../routes.ts).
 */
import {
  clip,
  collect,
  type IgnoredEvent,
  isObj,
  MAIL_SENDER_EVENT_TYPES,
  MAX_EVENTS_PER_REQUEST,
  MAX_ID_LENGTH,
  type MailSenderEvent,
  type MailSenderEventType,
  type Obj,
  type ParsedPayload,
  parseTime,
  toEvent,
} from '../events.js';

/** Whether a body is meant to be of our own shape (then it is read as one, or refused). */
export const isGeneric = (body: Obj): boolean => 'events' in body;

/** Reads a body of our own shape; each event is checked on its own (`ignored` says why not). */
export function parseGeneric(body: Obj): ParsedPayload {
  const list = body.events;
  if (!Array.isArray(list)) return { kind: 'unknown', detail: '"events" must be an array.' };
  if (list.length === 0) return { kind: 'unknown', detail: '"events" is empty; send 1 to 1,000 events.' };
  if (list.length > MAX_EVENTS_PER_REQUEST) {
    return { kind: 'unknown', detail: `"events" holds ${list.length} events; at most ${MAX_EVENTS_PER_REQUEST} per request.` };
  }
  return collect(
    'generic',
    list.map((e, index): MailSenderEvent | IgnoredEvent => {
      if (!isObj(e)) return { index, reason: 'not_an_object' };
      if (typeof e.type !== 'string' || !(MAIL_SENDER_EVENT_TYPES as readonly string[]).includes(e.type)) return { index, reason: 'invalid_type' };
      const id = typeof e.id === 'string' ? e.id.trim() : typeof e.id === 'number' && Number.isFinite(e.id) ? String(e.id) : '';
      if (!id || id.length > MAX_ID_LENGTH) return { index, reason: 'invalid_id' };
      const at = parseTime(e.at);
      if (!at) return { index, reason: 'invalid_at' };
      if (e.detail !== undefined && e.detail !== null && typeof e.detail !== 'string') return { index, reason: 'invalid_detail' };
      return toEvent(index, e.type as MailSenderEventType, e.email, id, at, clip(e.detail));
    }),
  );
}
