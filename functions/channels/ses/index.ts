import type * as SES from '@aws-sdk/client-sesv2';
import type { SendEmailCommandInput, SESv2Client } from '@aws-sdk/client-sesv2';
import * as z from 'zod/mini';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import {
  ChannelError,
  type AdapterContext,
  type ChannelAdapter,
  type Message,
  type Receipt,
  type ReceiptStatus,
  type SendResult,
} from '#shared/channels/contract';
import {
  RF_MESSAGE_ID,
  emailProblem,
  isRecord,
  requireEmailContent,
  stringField,
} from '#shared/channels/email';

/**
 * This module is imported when an email is first sent (functions/channels/registry.ts). The SES
 * SDK is `require`d, not imported: the function bundles leave it out and deploy it beside them
 * (decision 0064), and an `import` would be hoisted to the top of the bundle and loaded at init.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SESv2Client: SesClient, SendEmailCommand } = require('@aws-sdk/client-sesv2') as typeof SES;

const nonEmpty = () => z.string().check(z.minLength(1));

/**
 * What the SES adapter's secret holds: no secret at all, since the function's role signs the
 * calls; only where the mail comes from and which configuration set publishes its events.
 */
export const sesCredentialsSchema = z.object({
  /** A verified identity (address or domain); `Name <address>` is taken. */
  from: nonEmpty(),
  /** The configuration set whose event destination sends the receipts to EventBridge. */
  configurationSet: z.optional(nonEmpty()),
});
export type SesCredentials = z.infer<typeof sesCredentialsSchema>;

/**
 * The base URL that means "SES of the function's region": the SDK resolves it (and honours
 * AWS_ENDPOINT_URL_SESV2). Any other base URL, a local fake's, is the client's endpoint.
 */
export const SES_REGIONAL_ENDPOINT = 'https://email.{region}.amazonaws.com';

/** SES message tag names and values: ASCII letters, digits, `_` and `-`, at most 256 characters. */
const TAG_TEXT = /^[A-Za-z0-9_-]{1,256}$/;

/** SendEmail errors that a later attempt may not meet: the account's rate or daily quota. */
const THROTTLING: ReadonlySet<string> = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'Throttling',
]);

/** Errors of the caller's identity (the function's role), which no retry mends. */
const UNAUTHORIZED: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);

/**
 * SES event types that say something of delivery, where each keeps its own record (its time and,
 * for a failure, its reason), and the status it says. Complaints, clicks, sends and delays say nothing.
 */
const EVENT_TYPES: Readonly<
  Record<string, { readonly field: string; readonly status: (record: unknown) => ReceiptStatus }>
> = {
  Delivery: { field: 'delivery', status: () => 'delivered' },
  Open: { field: 'open', status: () => 'opened' },
  // SES reports a soft bounce only once it has stopped retrying: the message is lost, the address is not bad.
  Bounce: {
    field: 'bounce',
    status: (record) => (stringField(record, 'bounceType') === 'Permanent' ? 'bounced' : 'failed'),
  },
  Reject: { field: 'reject', status: () => 'failed' },
  'Rendering Failure': { field: 'failure', status: () => 'failed' },
};

const reasonOf = (eventType: string, record: unknown): string | undefined => {
  if (eventType === 'Bounce') {
    const recipients =
      isRecord(record) && Array.isArray(record.bouncedRecipients) ? record.bouncedRecipients : [];
    const diagnostic = stringField(recipients[0], 'diagnosticCode');
    const kind = [stringField(record, 'bounceType'), stringField(record, 'bounceSubType')]
      .filter(Boolean)
      .join('/');
    return diagnostic ?? (kind || undefined);
  }
  if (eventType === 'Reject') return stringField(record, 'reason');
  if (eventType === 'Rendering Failure') return stringField(record, 'errorMessage');
  return undefined;
};

const tagsOf = (message: Message) => [
  ...Object.entries(message.metadata)
    .filter(([name]) => name !== RF_MESSAGE_ID)
    .map(([Name, Value]) => ({ Name, Value })),
  { Name: RF_MESSAGE_ID, Value: message.id },
];

/** The SendEmail input, per the SES API v2. */
export const sesRequestOf = (message: Message, credentials: SesCredentials): SendEmailCommandInput => {
  const content = requireEmailContent(message);
  return {
    FromEmailAddress: content.from ?? credentials.from,
    Destination: { ToAddresses: [message.to] },
    Content: {
      Simple: {
        Subject: { Data: content.subject, Charset: 'UTF-8' },
        Body: {
          ...(content.text === undefined ? {} : { Text: { Data: content.text, Charset: 'UTF-8' } }),
          ...(content.html === undefined ? {} : { Html: { Data: content.html, Charset: 'UTF-8' } }),
        },
      },
    },
    EmailTags: tagsOf(message),
    ...(credentials.configurationSet === undefined
      ? {}
      : { ConfigurationSetName: credentials.configurationSet }),
  };
};

const nameOf = (error: unknown): string =>
  typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string'
    ? error.name
    : 'Error';

const statusOf = (error: unknown): number | undefined => {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = error.$metadata;
  return isRecord(metadata) && typeof metadata.httpStatusCode === 'number'
    ? metadata.httpStatusCode
    : undefined;
};

/** The SDK's failure as the consumer's retry rules read it; SES's own message is the reason. */
export const sesError = (error: unknown): ChannelError => {
  const name = nameOf(error);
  const status = statusOf(error);
  const detail = error instanceof Error && error.message ? `: ${error.message}` : '';
  if (UNAUTHORIZED.has(name) || status === 401 || status === 403)
    return new ChannelError(
      'unauthorized',
      false,
      `SES refused the function's credentials (${name})${detail}`,
      {
        cause: error,
      },
    );
  if (THROTTLING.has(name) || status === 429)
    return new ChannelError(`ses-${name}`, true, `SES throttled the send (${name})${detail}`, {
      cause: error,
    });
  if (status === undefined) {
    // No answer: the call may or may not have reached SES.
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    return new ChannelError(
      timedOut ? 'timeout' : 'network',
      true,
      timedOut ? 'no answer from SES in time' : `could not reach SES (${name})`,
      { cause: error },
    );
  }
  if (status >= 500)
    return new ChannelError(`ses-${name}`, true, `SES failed (${name})${detail}`, { cause: error });
  return new ChannelError(`ses-${name}`, false, `SES refused the message (${name})${detail}`, {
    cause: error,
  });
};

/** One client per endpoint, kept for the container's life. */
export type SesClientFor = (endpoint: string | undefined) => SESv2Client;

/**
 * The SDK's own retries are off: SendEmail takes no idempotency key, so a retry after a timeout
 * could send twice; the consumer retries instead, through the message's SENDING record.
 */
export const cachedSesClients = (): SesClientFor => {
  const clients = new Map<string, SESv2Client>();
  return (endpoint) => {
    const key = endpoint ?? '';
    let client = clients.get(key);
    if (!client) {
      client = new SesClient({ maxAttempts: 1, ...(endpoint === undefined ? {} : { endpoint }) });
      clients.set(key, client);
    }
    return client;
  };
};

/**
 * SES as a channel adapter. Receipts come through EventBridge (README): a configuration set's
 * event destination puts SES events on the default bus, an `eventSources` rule makes each a
 * domain event of provider `internal` whose data is the SES event's `detail`.
 * No `find`: SES has no API that lists sent messages.
 */
export const createSesAdapter = (
  clientFor: SesClientFor = cachedSesClients(),
): ChannelAdapter<SesCredentials> => ({
  id: 'ses',
  channels: ['email'],
  credentials: sesCredentialsSchema,
  defaultBaseUrl: SES_REGIONAL_ENDPOINT,

  validate(message: Message): string | undefined {
    const problem = emailProblem(message);
    if (problem !== undefined) return problem;
    const bad = tagsOf(message).find(({ Name, Value }) => !TAG_TEXT.test(Name) || !TAG_TEXT.test(Value));
    return bad === undefined
      ? undefined
      : `SES message tags take only ASCII letters, digits, _ and - (at most 256): tag ${bad.Name}`;
  },

  async send(message: Message, ctx: AdapterContext<SesCredentials>): Promise<SendResult> {
    const client = clientFor(ctx.baseUrl === SES_REGIONAL_ENDPOINT ? undefined : ctx.baseUrl);
    let messageId: string | undefined;
    try {
      const output = await client.send(new SendEmailCommand(sesRequestOf(message, ctx.credentials)), {
        ...(ctx.signal ? { abortSignal: ctx.signal } : {}),
      });
      messageId = output.MessageId;
    } catch (error) {
      throw sesError(error);
    }
    if (!messageId)
      throw new ChannelError('unreadable-answer', true, 'SES took the request but named no MessageId');
    return { providerMessageId: messageId };
  },

  receiptOf(event: IntegrationEvent): Receipt | undefined {
    if (event.provider !== 'internal') return undefined;
    const detail = event.data;
    const eventType = stringField(detail, 'eventType');
    const mail = isRecord(detail.mail) ? detail.mail : undefined;
    const providerMessageId = stringField(mail, 'messageId');
    const known =
      eventType !== undefined && Object.hasOwn(EVENT_TYPES, eventType) ? EVENT_TYPES[eventType] : undefined;
    if (eventType === undefined || known === undefined || providerMessageId === undefined) return undefined;
    const record = detail[known.field];
    const status = known.status(record);
    const tags = isRecord(mail?.tags) ? mail.tags[RF_MESSAGE_ID] : undefined;
    const messageId = Array.isArray(tags) && typeof tags[0] === 'string' && tags[0] ? tags[0] : undefined;
    const at = stringField(record, 'timestamp');
    const reason = status === 'delivered' || status === 'opened' ? undefined : reasonOf(eventType, record);
    return {
      ...(messageId === undefined ? {} : { messageId }),
      providerMessageId,
      status,
      at: at === undefined || Number.isNaN(Date.parse(at)) ? event.occurredAt : new Date(at).toISOString(),
      ...(reason === undefined ? {} : { reason }),
    };
  },
});

export const sesAdapter = createSesAdapter();
