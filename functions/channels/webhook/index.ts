import * as z from 'zod/mini';
import {
  ChannelError,
  MAX_CONTENT_BYTES,
  type AdapterContext,
  type ChannelAdapter,
  type Message,
  type SendResult,
} from '#shared/channels/contract';
import { answerError, callProvider, isOk } from '#shared/channels/http';
import { signerFor } from '#shared/targets/http';

/**
 * Partner webhooks under the message contract (README.md beside this file): the content's
 * payload POSTed as JSON to `to`, signed per Standard Webhooks as the `http` target signs, with
 * the message id as `webhook-id` so that the receiver drops a retry. There is no provider
 * between us and the receiver: its 2xx is the delivery, and nothing comes back later.
 */

const nonEmpty = () => z.string().check(z.minLength(1));

/** The JSON of the adapter's Secrets Manager secret: Standard Webhooks secrets (`whsec_…` or base64). */
export const WebhookCredentialsSchema = z.object({
  signingSecret: nonEmpty(),
  /** Secrets also signed with while a receiver rotates: each adds a `v1,` signature. */
  additionalSigningSecrets: z.optional(z.array(nonEmpty())),
});
export type WebhookCredentials = z.infer<typeof WebhookCredentialsSchema>;

/** Hosts that may be called over plain http: this machine only, for the local runtime and tests. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost']);

const urlProblem = (to: string): string | undefined => {
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    return `"${to}" is not a URL`;
  }
  if (url.username !== '' || url.password !== '') return 'the webhook URL must not carry credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return `the webhook URL must be https (http only for 127.0.0.1 and localhost), not ${url.protocol}//${url.hostname}`;
};

const payloadOf = (message: Message): Record<string, unknown> | undefined =>
  'payload' in message.content ? message.content.payload : undefined;

const validateWebhook = (message: Message): string | undefined => {
  if (message.channel !== 'webhook') return `webhook sends webhook, not ${message.channel}`;
  const payload = payloadOf(message);
  if (payload === undefined) return 'webhook sends webhook content: { payload }';
  const bytes = Buffer.byteLength(JSON.stringify(payload), 'utf8');
  if (bytes > MAX_CONTENT_BYTES) return `the payload has ${bytes} bytes, more than ${MAX_CONTENT_BYTES}`;
  return urlProblem(message.to);
};

export interface WebhookAdapterOptions {
  /** The clock for `webhook-timestamp`. */
  readonly now?: () => number;
}

/** The request a partner gets for a message, without its signature (derived from the secrets at send). */
export const webhookRequestOf = (
  message: Message,
  timestamp: Date,
): { readonly headers: Readonly<Record<string, string>>; readonly body: string } => ({
  headers: {
    'content-type': 'application/json',
    'user-agent': 'RelayFlow',
    'webhook-id': message.id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'idempotency-key': message.id,
    'x-correlation-id': message.correlationId,
  },
  body: JSON.stringify(payloadOf(message) ?? {}),
});

export const createWebhookAdapter = (
  options: WebhookAdapterOptions = {},
): ChannelAdapter<WebhookCredentials> => {
  const now = options.now ?? Date.now;

  const send = async (message: Message, ctx: AdapterContext<WebhookCredentials>): Promise<SendResult> => {
    // Checked again here: a URL rendered from an event must never reach fetch unchecked.
    const problem = urlProblem(message.to);
    if (problem !== undefined) throw new ChannelError('invalid-recipient', false, problem);
    const timestamp = new Date(now());
    const request = webhookRequestOf(message, timestamp);
    const { signingSecret, additionalSigningSecrets = [] } = ctx.credentials;
    const signature = signerFor([signingSecret, ...additionalSigningSecrets])(
      message.id,
      timestamp,
      request.body,
    );
    const host = new URL(message.to).host;
    const answer = await callProvider({ fetch: ctx.fetch, provider: host, signal: ctx.signal }, message.to, {
      method: 'POST',
      headers: { ...request.headers, 'webhook-signature': signature },
      body: request.body,
    });
    if (!isOk(answer)) throw answerError(host, answer, { now: now() });
    return { providerMessageId: message.id };
  };

  return {
    id: 'webhook',
    channels: ['webhook'],
    credentials: WebhookCredentialsSchema,
    // Unused: every message names its own receiver in `to`.
    defaultBaseUrl: '',
    validate: validateWebhook,
    send,
    receiptOf: () => undefined,
  };
};

export const webhookAdapter = createWebhookAdapter();
