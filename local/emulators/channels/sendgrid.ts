import { sendgridEventId, sendgridEventMessageId, sendgridMessageId } from './ids';
import {
  isRecord,
  jsonPayload,
  retryAfter,
  stringField,
  stringRecord,
  type Answer,
  type PlannedReceipt,
  type ProviderFake,
} from './types';

/**
 * SendGrid's `POST /v3/mail/send` (https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send):
 * a Bearer API key, a JSON body, `202 Accepted` with no body and the message's `X-Message-Id`;
 * errors are `{ errors: [{ message, field, help }] }`. Receipts are Event Webhook batches, each
 * event carrying the send's `custom_args` as top-level fields and `sg_message_id`.
 */

const failure = (
  status: number,
  message: string,
  field: string | null = null,
  headers?: Answer['headers'],
) => ({
  status,
  body: { errors: [{ message, field, help: null }] },
  ...(headers ? { headers } : {}),
});

const UNAUTHENTICATED = failure(401, 'The provided authorization grant is invalid, expired, or revoked');

const statusError = (status: number): Answer =>
  status === 429
    ? failure(429, 'too many requests', null, retryAfter)
    : status === 401
      ? UNAUTHENTICATED
      : status >= 500
        ? failure(status, 'An internal server error occurred.')
        : failure(status, 'Bad Request');

const firstPersonalization = (body: Record<string, unknown>): Record<string, unknown> | undefined => {
  const list = body.personalizations;
  return Array.isArray(list) && isRecord(list[0]) ? list[0] : undefined;
};

const firstRecipient = (personalization: Record<string, unknown> | undefined): string | undefined => {
  const to = personalization?.to;
  return Array.isArray(to) ? stringField(to[0], 'email') : undefined;
};

export const sendgridFake: ProviderFake = {
  provider: 'sendgrid',
  authenticated: ({ headers }) => /^Bearer\s+\S/i.test(headers.authorization ?? ''),
  unauthenticated: UNAUTHENTICATED,
  notFound: failure(404, 'Not Found'),
  error: statusError,
  handle(request, ctx) {
    if (request.method !== 'POST' || request.path !== '/v3/mail/send') return undefined;
    const { body } = request;
    if (!isRecord(body)) return { answer: failure(400, 'Bad Request', null) };
    const personalization = firstPersonalization(body);
    const to = firstRecipient(personalization);
    if (to === undefined) {
      return {
        answer: failure(
          400,
          'The personalizations field is required and must have at least one personalization.',
          'personalizations',
        ),
      };
    }
    const fate = ctx.fate('email', to);
    if (fate.kind === 'invalid') {
      return {
        to,
        answer: failure(400, 'Does not contain a valid address.', 'personalizations.0.to.0.email'),
      };
    }
    if (fate.kind === 'throttled') return { to, answer: statusError(429) };
    if (fate.kind === 'down') return { to, answer: statusError(500) };
    const messageId = sendgridMessageId();
    // A personalization's custom_args override the message's, as SendGrid merges them.
    const customArgs = { ...stringRecord(body.custom_args), ...stringRecord(personalization?.custom_args) };
    const smtpId = `<${messageId}@geopod-ismtpd-local>`;
    const sgMessageId = sendgridEventMessageId(messageId, ctx.now());
    const receipt = (event: string, fields: Record<string, unknown>): PlannedReceipt => ({
      info: { provider: 'sendgrid', providerMessageId: messageId, to, event },
      ...(customArgs.tenant ? { tenant: customArgs.tenant } : {}),
      payload: (now) =>
        jsonPayload([
          {
            ...customArgs,
            email: to,
            timestamp: Math.floor(now.getTime() / 1000),
            'smtp-id': smtpId,
            event,
            sg_event_id: sendgridEventId(),
            sg_message_id: sgMessageId,
            ...fields,
          },
        ]),
    });
    const delivered = receipt('delivered', { response: '250 OK' });
    const receipts =
      fate.ending === 'bounced'
        ? [
            receipt('bounce', {
              type: 'bounce',
              bounce_classification: 'Invalid Address',
              reason: '550 5.1.1 The email account that you tried to reach does not exist.',
              status: '5.1.1',
            }),
          ]
        : fate.ending === 'opened'
          ? [
              delivered,
              receipt('open', {
                sg_machine_open: false,
                useragent: 'Mozilla/5.0 (RelayFlow local fake)',
                ip: '127.0.0.1',
              }),
            ]
          : [delivered];
    return {
      to,
      providerMessageId: messageId,
      answer: { status: 202, headers: { 'x-message-id': messageId } },
      receipts,
    };
  },
};
