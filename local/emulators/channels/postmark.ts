import { postmarkMessageId } from './ids';
import { postmarkQuery } from './postmark-api';
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
 * Postmark's `POST /email` (https://postmarkapp.com/developer/api/email-api): `X-Postmark-Server-Token`,
 * a JSON body, `{ To, SubmittedAt, MessageID, ErrorCode: 0, Message: "OK" }`; errors are
 * `{ ErrorCode, Message }` with 401, 422 (API error codes), 429 or 500. Receipts are the Delivery,
 * Bounce and Open webhooks, echoing the send's `Metadata`, `Tag` and `MessageStream`.
 */

const SERVER_ID = 23;

const error = (status: number, ErrorCode: number, Message: string, headers?: Answer['headers']): Answer => ({
  status,
  body: { ErrorCode, Message },
  ...(headers ? { headers } : {}),
});

const statusError = (status: number): Answer =>
  status === 429
    ? error(429, 429, 'Rate limit exceeded, too many requests.', retryAfter)
    : status === 401
      ? UNAUTHENTICATED
      : status === 422
        ? error(422, 300, 'Invalid email request')
        : error(status, status, status >= 500 ? 'Internal Server Error' : 'Bad Request');

const UNAUTHENTICATED = error(
  401,
  10,
  'No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token.',
);

export const postmarkFake: ProviderFake = {
  provider: 'postmark',
  authenticated: ({ headers }) => Boolean(headers['x-postmark-server-token']),
  unauthenticated: UNAUTHENTICATED,
  notFound: error(404, 404, 'Not Found'),
  error: statusError,
  query: postmarkQuery,
  handle(request, ctx) {
    if (request.method !== 'POST' || request.path !== '/email') return undefined;
    const { body } = request;
    const to = stringField(body, 'To');
    if (!isRecord(body) || to === undefined) return { answer: error(422, 300, 'Invalid email request') };
    const fate = ctx.fate('email', to);
    if (fate.kind === 'invalid') {
      return {
        to,
        answer: to.includes('@')
          ? error(
              422,
              406,
              `You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: ${to}. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.`,
            )
          : error(
              422,
              300,
              `Error parsing 'To': Illegal email address '${to}'. It must contain the '@' symbol.`,
            ),
      };
    }
    if (fate.kind === 'throttled') return { to, answer: statusError(429) };
    if (fate.kind === 'down') return { to, answer: statusError(500) };
    const MessageID = postmarkMessageId();
    const metadata = stringRecord(body.Metadata);
    const common = {
      MessageStream: stringField(body, 'MessageStream') ?? 'outbound',
      MessageID,
      Tag: stringField(body, 'Tag') ?? '',
      ServerID: SERVER_ID,
      Metadata: metadata,
    };
    const receipt = (event: string, record: (now: Date) => Record<string, unknown>): PlannedReceipt => ({
      info: { provider: 'postmark', providerMessageId: MessageID, to, event },
      ...(metadata.tenant ? { tenant: metadata.tenant } : {}),
      payload: (now) => jsonPayload({ RecordType: event, ...common, ...record(now) }),
    });
    const delivery = receipt('Delivery', (now) => ({
      Recipient: to,
      DeliveredAt: now.toISOString(),
      Details: 'smtp;250 2.0.0 OK',
    }));
    const receipts =
      fate.ending === 'bounced'
        ? [
            receipt('Bounce', (now) => ({
              ID: Math.floor(now.getTime() * 1000 + Math.random() * 1000),
              Type: 'HardBounce',
              TypeCode: 1,
              Name: 'Hard bounce',
              Description:
                'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
              Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
              Email: to,
              From: stringField(body, 'From') ?? '',
              BouncedAt: now.toISOString(),
              DumpAvailable: false,
              Inactive: true,
              CanActivate: true,
              Subject: stringField(body, 'Subject') ?? '',
            })),
          ]
        : fate.ending === 'opened'
          ? [
              delivery,
              receipt('Open', (now) => ({
                FirstOpen: true,
                Platform: 'WebMail',
                UserAgent: 'Mozilla/5.0 (RelayFlow local fake)',
                ReceivedAt: now.toISOString(),
                Recipient: to,
              })),
            ]
          : [delivery];
    const SubmittedAt = ctx.now().toISOString();
    const textBody = stringField(body, 'TextBody');
    const htmlBody = stringField(body, 'HtmlBody');
    return {
      to,
      providerMessageId: MessageID,
      answer: { status: 200, body: { To: to, SubmittedAt, MessageID, ErrorCode: 0, Message: 'OK' } },
      receipts,
      kept: {
        Tag: common.Tag,
        MessageID,
        MessageStream: common.MessageStream,
        To: [{ Email: to, Name: null }],
        Cc: [],
        Bcc: [],
        Recipients: [to],
        ReceivedAt: SubmittedAt,
        From: stringField(body, 'From') ?? '',
        Subject: stringField(body, 'Subject') ?? '',
        Attachments: [],
        Status: 'Sent',
        TrackOpens: fate.ending === 'opened',
        TrackLinks: 'None',
        Metadata: metadata,
        Sandboxed: false,
        ...(textBody === undefined ? {} : { TextBody: textBody }),
        ...(htmlBody === undefined ? {} : { HtmlBody: htmlBody }),
      },
    };
  },
};
