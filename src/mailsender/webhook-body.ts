import { AppError } from '../errors/index.js';
import { isSnsEnvelope } from './providers/ses.js';
import { type SnsVerifier, snsRefusalCode } from './sns.js';

/**
 * The JSON body of a webhook that takes SNS deliveries (the mail sender's events, the inbound
 * mailto messages), read as text whatever the content type (SNS says text/plain). An SNS
 * message is checked (topic allowlist, signature) before anything in it is read; a refused one
 * is logged through `refused` (reason, cause, topic ARN and message id: no personal data) and
 * answered with its problem. Not JSON: 400.
 *
 * @example
 * const body = await verifiedWebhookBody(await c.req.text(), sns, deps.clock.now(), (f) => deps.logger.warn('SNS message refused', { ...f, requestId }));
 */
export async function verifiedWebhookBody(text: string, sns: SnsVerifier, now: Date, refused: (fields: Record<string, unknown>) => void): Promise<unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError('bad_request', 'The body is not valid JSON.');
  }
  if (isSnsEnvelope(body)) {
    const check = await sns.check(body, now);
    if (!check.ok) {
      refused({
        reason: check.reason,
        cause: check.cause,
        topicArn: typeof body.TopicArn === 'string' ? body.TopicArn.slice(0, 300) : undefined,
        messageId: typeof body.MessageId === 'string' ? body.MessageId.slice(0, 100) : undefined,
      });
      throw new AppError(snsRefusalCode(check.reason), check.detail);
    }
  }
  return body;
}
