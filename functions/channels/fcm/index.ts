import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import * as z from 'zod/mini';
import {
  ChannelError,
  type AdapterContext,
  type ChannelAdapter,
  type Message,
  type PushContent,
  type SendResult,
} from '#shared/channels/contract';
import {
  answerError,
  callProvider,
  isOk,
  jsonOf,
  unreadableAnswer,
  urlOf,
  type ProviderAnswer,
} from '#shared/channels/http';

/**
 * Push notifications through Firebase Cloud Messaging's HTTP v1 API (README.md beside this file),
 * authorized by an OAuth2 access token that a service account's signed JWT buys. FCM sends no
 * delivery receipts anywhere: a push message ends SENT.
 */

const nonEmpty = () => z.string().check(z.minLength(1));

/** Google's token endpoint, the `token_uri` of every service account key. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const FCM_BASE_URL = 'https://fcm.googleapis.com';
const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/** The JSON of the adapter's Secrets Manager secret: fields of the service account's key file. */
export const FcmCredentialsSchema = z.object({
  projectId: nonEmpty(),
  clientEmail: nonEmpty(),
  /** The key file's `private_key`, a PKCS#8 PEM. */
  privateKey: nonEmpty(),
  /**
   * The key file's `token_uri`: where the signed JWT is exchanged, and its audience. Google's
   * unless set; the local runtime's secret points it at the fake's token endpoint.
   */
  tokenUrl: z.optional(z.url()),
});
export type FcmCredentials = z.infer<typeof FcmCredentialsSchema>;

/** FCM's limits: a registration token's length, and a message's payload (keys and values, in bytes). */
export const MAX_TOKEN_CHARS = 4096;
export const MAX_PAYLOAD_BYTES = 4096;

/** How long an access token Google grants is asked to live (its maximum), and how early it is renewed. */
const ASSERTION_SECONDS = 3600;
const RENEW_BEFORE_MS = 60_000;

/** Data keys FCM keeps for itself and refuses (INVALID_ARGUMENT). */
const isReservedKey = (key: string) =>
  key === 'from' || key === 'gcm' || key.startsWith('gcm.') || key.startsWith('google');

const pushOf = (message: Message): PushContent | undefined =>
  'title' in message.content ? message.content : undefined;

/** What FCM counts against its payload limit, measured as UTF-8 bytes. */
const payloadBytes = (content: PushContent): number =>
  [content.title, content.body ?? '', ...Object.entries(content.data ?? {}).flat()].reduce(
    (total, part) => total + Buffer.byteLength(part, 'utf8'),
    0,
  );

const validateFcm = (message: Message): string | undefined => {
  if (message.channel !== 'push') return `fcm sends push, not ${message.channel}`;
  const content = pushOf(message);
  if (content === undefined) return 'fcm sends push content: { title, body?, data? }';
  if (/\s/.test(message.to)) return 'the registration token contains whitespace';
  if (message.to.length > MAX_TOKEN_CHARS)
    return `the registration token has ${message.to.length} characters, more than ${MAX_TOKEN_CHARS}`;
  const reserved = Object.keys(content.data ?? {}).filter(isReservedKey);
  if (reserved.length > 0) return `FCM reserves the data keys ${reserved.join(', ')}`;
  const bytes = payloadBytes(content);
  if (bytes > MAX_PAYLOAD_BYTES)
    return `the payload has ${bytes} bytes, more than FCM's ${MAX_PAYLOAD_BYTES}`;
  return undefined;
};

/** The body of `messages:send` for a message. */
export const fcmRequestOf = (message: Message): { message: Record<string, unknown> } => {
  const content = pushOf(message);
  if (content === undefined) throw new ChannelError('invalid-content', false, 'fcm sends push content');
  return {
    message: {
      token: message.to,
      notification: { title: content.title, ...(content.body === undefined ? {} : { body: content.body }) },
      ...(content.data === undefined ? {} : { data: content.data }),
    },
  };
};

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** The service account's JWT for Google's token endpoint (RFC 7523), signed RS256. */
export const serviceAccountJwt = (credentials: FcmCredentials, key: KeyObject, nowMs: number): string => {
  const iat = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64url(
    JSON.stringify({
      iss: credentials.clientEmail,
      scope: SCOPE,
      aud: credentials.tokenUrl ?? GOOGLE_TOKEN_URL,
      iat,
      exp: iat + ASSERTION_SECONDS,
    }),
  );
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), key);
  return `${header}.${claims}.${base64url(signature)}`;
};

const TokenAnswerSchema = z.object({ access_token: nonEmpty(), expires_in: z.number().check(z.positive()) });
const TokenErrorSchema = z.object({ error: z.string(), error_description: z.optional(z.string()) });

const FcmErrorSchema = z.object({
  error: z.object({
    code: z.optional(z.number()),
    message: z.optional(z.string()),
    status: z.optional(z.string()),
    details: z.optional(
      z.array(
        z.looseObject({
          errorCode: z.optional(z.string()),
          fieldViolations: z.optional(z.array(z.looseObject({ field: z.optional(z.string()) }))),
        }),
      ),
    ),
  }),
});
const SendAnswerSchema = z.object({ name: nonEmpty() });

/** FCM's answer that is not 2xx, as the retry rules read it. */
const fcmError = (answer: ProviderAnswer, now: number): ChannelError => {
  const parsed = FcmErrorSchema.safeParse(jsonOf(answer));
  if (!parsed.success) return answerError('fcm', answer, { now });
  const { message, status, details = [] } = parsed.data.error;
  const fcmCode = details.find((detail) => detail.errorCode !== undefined)?.errorCode;
  const fields = details
    .flatMap((detail) => detail.fieldViolations ?? [])
    .map((violation) => violation.field);
  const detail = `${fcmCode ?? status ?? 'error'}: ${message ?? ''}`;
  const invalidToken =
    fcmCode === 'UNREGISTERED' ||
    fcmCode === 'SENDER_ID_MISMATCH' ||
    (answer.status === 400 &&
      (fields.includes('message.token') || /registration token/i.test(message ?? '')));
  if (invalidToken) return answerError('fcm', answer, { errorClass: 'invalid-recipient', detail, now });
  if (answer.status === 401) return answerError('fcm', answer, { errorClass: 'unauthorized', detail, now });
  return answerError('fcm', answer, { detail, now });
};

interface AccessToken {
  readonly value: string;
  readonly expiresAt: number;
}

export interface FcmAdapterOptions {
  /** The clock for the JWT's times and the token's expiry. */
  readonly now?: () => number;
}

/**
 * An FCM adapter with its own access-token cache: one token per service account (and token
 * endpoint), shared by concurrent sends, renewed a minute before it expires. The cache key holds
 * a digest of the private key, never the key.
 */
export const createFcmAdapter = (options: FcmAdapterOptions = {}): ChannelAdapter<FcmCredentials> => {
  const now = options.now ?? Date.now;
  const tokens = new Map<string, Promise<AccessToken>>();

  const fetchToken = async (ctx: AdapterContext<FcmCredentials>): Promise<AccessToken> => {
    const { credentials } = ctx;
    let key: KeyObject;
    try {
      key = createPrivateKey(credentials.privateKey);
    } catch {
      // The parser's error is not passed on: it may quote part of the key.
      throw new ChannelError(
        'bad-credentials',
        false,
        "the fcm credentials' privateKey is not a PEM private key",
      );
    }
    const issuedAt = now();
    const answer = await callProvider(
      { fetch: ctx.fetch, provider: 'google oauth', signal: ctx.signal },
      credentials.tokenUrl ?? GOOGLE_TOKEN_URL,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: serviceAccountJwt(credentials, key, issuedAt),
        }).toString(),
      },
    );
    if (!isOk(answer)) {
      const refusal = TokenErrorSchema.safeParse(jsonOf(answer));
      const detail = refusal.success
        ? `${refusal.data.error}${refusal.data.error_description ? `: ${refusal.data.error_description}` : ''}`
        : undefined;
      // Google refuses a bad key, account or clock with 400 (invalid_grant) or 401: no retry fixes that.
      const refused = answer.status === 400 || answer.status === 401;
      throw answerError('google oauth', answer, {
        ...(refused ? { errorClass: 'unauthorized' } : {}),
        detail,
        now: issuedAt,
      });
    }
    const granted = TokenAnswerSchema.safeParse(jsonOf(answer));
    if (!granted.success)
      // Nothing was sent yet: not `unreadable-answer`, whose outcome is unknown, but a plain retry.
      throw new ChannelError('unreadable-token', true, 'google oauth answered 2xx without an access token');
    return { value: granted.data.access_token, expiresAt: issuedAt + granted.data.expires_in * 1000 };
  };

  const cacheKeyOf = (credentials: FcmCredentials) =>
    [
      credentials.tokenUrl ?? GOOGLE_TOKEN_URL,
      credentials.clientEmail,
      createHash('sha256').update(credentials.privateKey).digest('base64url'),
    ].join(' ');

  /**
   * A token from the cache while it has a minute left, else a new one that the cache then holds;
   * `cached` says which, for a 401 to tell a revoked token from bad credentials.
   */
  const tokenFor = async (
    ctx: AdapterContext<FcmCredentials>,
  ): Promise<{ readonly token: AccessToken; readonly cached: boolean }> => {
    const cacheKey = cacheKeyOf(ctx.credentials);
    const cached = tokens.get(cacheKey);
    if (cached) {
      const token = await cached;
      if (token.expiresAt - RENEW_BEFORE_MS > now()) return { token, cached: true };
      if (tokens.get(cacheKey) === cached) tokens.delete(cacheKey);
      return tokenFor(ctx);
    }
    const pending = fetchToken(ctx);
    tokens.set(cacheKey, pending);
    try {
      return { token: await pending, cached: false };
    } catch (error) {
      if (tokens.get(cacheKey) === pending) tokens.delete(cacheKey);
      throw error;
    }
  };

  const post = (message: Message, ctx: AdapterContext<FcmCredentials>, token: AccessToken) =>
    callProvider(
      { fetch: ctx.fetch, provider: 'fcm', signal: ctx.signal },
      urlOf(ctx.baseUrl, `/v1/projects/${encodeURIComponent(ctx.credentials.projectId)}/messages:send`),
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token.value}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(fcmRequestOf(message)),
      },
    );

  const send = async (message: Message, ctx: AdapterContext<FcmCredentials>): Promise<SendResult> => {
    const { token, cached } = await tokenFor(ctx);
    let answer = await post(message, ctx, token);
    if (answer.status === 401 && cached) {
      // A cached token revoked before its time: one more try with a new one before calling the credentials bad.
      const cacheKey = cacheKeyOf(ctx.credentials);
      const current = tokens.get(cacheKey);
      if (current !== undefined && (await current) === token) tokens.delete(cacheKey);
      answer = await post(message, ctx, (await tokenFor(ctx)).token);
    }
    if (!isOk(answer)) throw fcmError(answer, now());
    const parsed = SendAnswerSchema.safeParse(jsonOf(answer));
    if (!parsed.success) throw unreadableAnswer('fcm', 'names no message');
    return { providerMessageId: parsed.data.name };
  };

  return {
    id: 'fcm',
    channels: ['push'],
    credentials: FcmCredentialsSchema,
    defaultBaseUrl: FCM_BASE_URL,
    validate: validateFcm,
    send,
    // FCM reports nothing back: a push message stays SENT, and issue 16's reconciliation, not a receipt, closes it.
    receiptOf: () => undefined,
  };
};

export const fcmAdapter = createFcmAdapter();
