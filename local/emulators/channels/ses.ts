import { randomUUID } from 'node:crypto';
import { sesMessageId } from './ids';
import {
  isRecord,
  retryAfter,
  stringField,
  type Answer,
  type PlannedReceipt,
  type ProviderFake,
  type ReceiptPayload,
} from './types';

/**
 * Amazon SES v2 `SendEmail` (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html):
 * REST-JSON `POST /v2/email/outbound-emails`, SigV4-signed, `{ MessageId }`; an error is its status,
 * an `x-amzn-ErrorType` header and `{ message }`. SES posts no webhook: a configuration set's
 * EventBridge destination puts `aws.ses` events on the default bus
 * (https://docs.aws.amazon.com/ses/latest/dg/monitoring-eventbridge.html), whose `detail` is the
 * event publishing record with the send's `EmailTags` under `mail.tags`.
 */

const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';

const awsError = (status: number, code: string, message: string, headers?: Answer['headers']): Answer => ({
  status,
  body: { message },
  headers: { 'x-amzn-errortype': code, 'x-amzn-requestid': randomUUID(), ...headers },
});

// AWS answers a request without a signature 403, not 401, on every REST service.
const UNAUTHENTICATED = awsError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');

const statusError = (status: number): Answer =>
  status === 429
    ? awsError(429, 'TooManyRequestsException', 'Maximum sending rate exceeded.', retryAfter)
    : status === 401 || status === 403
      ? UNAUTHENTICATED
      : status >= 500
        ? awsError(
            status,
            'InternalFailure',
            'The request processing has failed because of an unknown error.',
          )
        : awsError(status, 'BadRequestException', 'Bad Request');

const tagsOf = (body: Record<string, unknown>): Record<string, string[]> => {
  const tags = Array.isArray(body.EmailTags) ? body.EmailTags : [];
  return Object.fromEntries(
    tags.flatMap((tag) => {
      const name = stringField(tag, 'Name');
      const value = stringField(tag, 'Value');
      return name !== undefined && value !== undefined ? [[name, [value]]] : [];
    }),
  );
};

export const sesFake: ProviderFake = {
  provider: 'ses',
  authenticated: ({ headers }) => /^AWS4-HMAC-SHA256\s/i.test(headers.authorization ?? ''),
  unauthenticated: UNAUTHENTICATED,
  notFound: awsError(404, 'UnknownOperationException', 'Unknown operation'),
  error: statusError,
  handle(request, ctx) {
    if (request.method !== 'POST' || request.path !== '/v2/email/outbound-emails') return undefined;
    const { body } = request;
    const destination = isRecord(body) ? body.Destination : undefined;
    const toAddresses = isRecord(destination) ? destination.ToAddresses : undefined;
    const to = Array.isArray(toAddresses) && typeof toAddresses[0] === 'string' ? toAddresses[0] : undefined;
    if (!isRecord(body) || to === undefined)
      return {
        answer: awsError(400, 'BadRequestException', 'Destination must contain at least one address.'),
      };
    const fate = ctx.fate('email', to);
    if (fate.kind === 'invalid') {
      return {
        to,
        answer: awsError(
          400,
          'BadRequestException',
          to.includes('@') ? 'Illegal address' : "Missing final '@domain'",
        ),
      };
    }
    if (fate.kind === 'throttled') return { to, answer: statusError(429) };
    if (fate.kind === 'down') return { to, answer: statusError(500) };
    const MessageId = sesMessageId();
    const configurationSet = stringField(body, 'ConfigurationSetName');
    const sentAt = ctx.now().toISOString();
    const tags = {
      ...tagsOf(body),
      ...(configurationSet ? { 'ses:configuration-set': [configurationSet] } : {}),
      'ses:from-domain': [
        (stringField(body, 'FromEmailAddress') ?? '').replace(/^.*@/, '').replace(/>$/, ''),
      ],
    };
    const receipt = (
      detailType: string,
      eventType: string,
      record: (now: Date) => Record<string, unknown>,
    ): PlannedReceipt => ({
      info: { provider: 'ses', providerMessageId: MessageId, to, event: detailType },
      payload: (now): ReceiptPayload => ({
        kind: 'eventbridge',
        source: 'aws.ses',
        detailType,
        resources: configurationSet
          ? [`arn:aws:ses:${REGION}:${ACCOUNT_ID}:configuration-set/${configurationSet}`]
          : [],
        detail: {
          eventType,
          mail: {
            timestamp: sentAt,
            source: stringField(body, 'FromEmailAddress') ?? '',
            sendingAccountId: ACCOUNT_ID,
            messageId: MessageId,
            destination: [to],
            headersTruncated: false,
            tags,
          },
          [eventType.toLowerCase()]: record(now),
        },
      }),
    });
    const delivery = receipt('Email Delivered', 'Delivery', (now) => ({
      timestamp: now.toISOString(),
      processingTimeMillis: now.getTime() - Date.parse(sentAt),
      recipients: [to],
      smtpResponse: '250 2.6.0 Message received',
      reportingMTA: 'a8-70.smtp-out.amazonses.com',
    }));
    const receipts =
      fate.ending === 'bounced'
        ? [
            receipt('Email Bounced', 'Bounce', (now) => ({
              bounceType: 'Permanent',
              bounceSubType: 'General',
              bouncedRecipients: [
                {
                  emailAddress: to,
                  action: 'failed',
                  status: '5.1.1',
                  diagnosticCode: 'smtp; 550 5.1.1 user unknown',
                },
              ],
              timestamp: now.toISOString(),
              feedbackId: `0100${MessageId.slice(4, 16)}-${randomUUID()}-000000`,
              reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
            })),
          ]
        : fate.ending === 'opened'
          ? [
              delivery,
              receipt('Email Opened', 'Open', (now) => ({
                ipAddress: '127.0.0.1',
                timestamp: now.toISOString(),
                userAgent: 'Mozilla/5.0 (RelayFlow local fake)',
              })),
            ]
          : [delivery];
    return { to, providerMessageId: MessageId, answer: { status: 200, body: { MessageId } }, receipts };
  },
};
