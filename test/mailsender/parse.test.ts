import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMailSenderPayload } from '../../src/mailsender/parse.js';

type Json = Record<string, any>;
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Json;
const sns = (m: unknown) => ({ ...fixture('sns-notification.json'), Message: JSON.stringify(m) });

describe('parseMailSenderPayload', () => {
  it('reads our own shape, normalizing addresses and keeping the event order', () => {
    const p = parseMailSenderPayload({ events: [{ type: 'complaint', email: ' A@Example.RU ', at: '2026-03-01T10:00:00+03:00', id: 'x', detail: 'fbl' }] }, {});
    expect(p).toEqual({
      kind: 'events',
      provider: 'generic',
      events: [{ index: 0, type: 'complaint', email: 'a@example.ru', at: new Date('2026-03-01T07:00:00Z'), id: 'x', detail: 'fbl' }],
      ignored: [],
    });
  });

  it('tells SES in SNS, raw SES, Postmark and SNS subscription messages apart', () => {
    expect(parseMailSenderPayload(sns(fixture('ses-bounce-with-dsn.json')), { snsMessageType: 'Notification' })).toMatchObject({
      kind: 'events',
      provider: 'ses',
      events: [{ type: 'hard_bounce', email: 'jane@example.com', id: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000' }],
    });
    // Without the header too (a proxy may drop it).
    expect(parseMailSenderPayload(sns(fixture('ses-complaint-without-feedback.json')), {})).toMatchObject({ provider: 'ses', events: [{ type: 'complaint' }] });
    expect(parseMailSenderPayload(fixture('ses-bounce-without-dsn.json'), {})).toMatchObject({
      provider: 'ses',
      events: [
        { index: 0, email: 'jane@example.com' },
        { index: 1, email: 'richard@example.com' },
      ],
    });
    expect(parseMailSenderPayload(fixture('postmark-bounce.json'), {})).toMatchObject({
      provider: 'postmark',
      events: [{ type: 'hard_bounce', email: 'john@example.com', id: 'HardBounce:42', at: new Date('2019-11-05T16:33:54.907Z') }],
    });
    expect(parseMailSenderPayload(fixture('postmark-spam-complaint.json'), {})).toMatchObject({ provider: 'postmark', events: [{ type: 'complaint' }] });
    expect(parseMailSenderPayload(fixture('sns-subscription-confirmation.json'), { snsMessageType: 'SubscriptionConfirmation' })).toEqual({
      kind: 'sns_subscription',
      messageType: 'SubscriptionConfirmation',
      subscribeHost: 'sns.us-west-2.amazonaws.com',
    });
  });

  it('maps SES bounce types: Permanent is hard, Transient and Undetermined are soft', () => {
    for (const [bounceType, type] of [
      ['Permanent', 'hard_bounce'],
      ['Transient', 'soft_bounce'],
      ['Undetermined', 'soft_bounce'],
    ] as const) {
      const n = fixture('ses-bounce-with-dsn.json');
      n.bounce.bounceType = bounceType;
      expect(parseMailSenderPayload(n, {})).toMatchObject({ events: [{ type }] });
    }
  });

  it('calls anything else an unknown shape', () => {
    for (const body of [null, 1, 'x', [], {}, { RecordType: 'Open' }, { notificationType: 'Bounce' }, { Type: 'Notification', TopicArn: 'a', Message: '{' }]) {
      expect(parseMailSenderPayload(body, {}).kind, JSON.stringify(body)).toBe('unknown');
    }
    expect(parseMailSenderPayload(fixture('postmark-bounce.json'), { snsMessageType: 'Notification' }).kind).toBe('unknown');
  });
});
