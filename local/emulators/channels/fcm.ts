import { fcmMessageName, googleAccessToken } from './ids';
import { formField, isRecord, retryAfter, stringField, type Answer, type ProviderFake } from './types';

/**
 * Firebase Cloud Messaging HTTP v1 `projects.messages.send`
 * (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send): a Bearer OAuth 2
 * token, `{ message: { token, … } }`, `{ name }`; errors are Google's `{ error: { code, message,
 * status, details } }` with an `FcmError` detail (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode).
 * `/token` stands in for Google's OAuth 2 token endpoint, which takes the service account's signed
 * JWT (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`). FCM sends no delivery receipts.
 */

const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

const googleError = (
  code: number,
  message: string,
  fcmErrorCode?: string,
  extra: unknown[] = [],
): Answer => ({
  status: code,
  body: {
    error: {
      code,
      message,
      status: STATUS_NAMES[code] ?? 'UNKNOWN',
      ...(fcmErrorCode
        ? {
            details: [
              { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: fcmErrorCode },
              ...extra,
            ],
          }
        : {}),
    },
  },
  ...(code === 429 ? { headers: retryAfter } : {}),
});

const UNAUTHENTICATED = googleError(
  401,
  'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
);

const INVALID_TOKEN = 'The registration token is not a valid FCM registration token';

const statusError = (status: number): Answer =>
  status === 429
    ? googleError(429, 'Quota exceeded for quota metric of service fcm.googleapis.com.', 'QUOTA_EXCEEDED')
    : status === 401
      ? UNAUTHENTICATED
      : status === 503
        ? googleError(503, 'The service is currently unavailable.', 'UNAVAILABLE')
        : status >= 500
          ? googleError(status, 'Internal error encountered.', 'INTERNAL')
          : googleError(status, 'Request contains an invalid argument.', 'INVALID_ARGUMENT');

const tokenAnswer = (fields: unknown): Answer =>
  formField(fields, 'grant_type') === JWT_BEARER && formField(fields, 'assertion')
    ? { status: 200, body: { access_token: googleAccessToken(), expires_in: 3599, token_type: 'Bearer' } }
    : {
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description: 'Invalid grant: expected a JWT bearer assertion.',
        },
      };

export const fcmFake: ProviderFake = {
  provider: 'fcm',
  authenticated: ({ headers }) => /^Bearer\s+\S/i.test(headers.authorization ?? ''),
  unauthenticated: UNAUTHENTICATED,
  notFound: googleError(404, 'Requested entity was not found.'),
  error: statusError,
  // The token endpoint is where credentials are obtained: it takes none, and sends nothing.
  auxiliary: (request) =>
    request.method === 'POST' && request.path === '/token' ? tokenAnswer(request.body) : undefined,
  handle(request, ctx) {
    if (request.method !== 'POST') return undefined;
    const project = SEND_PATH.exec(request.path)?.[1];
    if (project === undefined) return undefined;
    const message = isRecord(request.body) ? request.body.message : undefined;
    const to = stringField(message, 'token');
    if (to === undefined)
      return { answer: googleError(400, 'Request contains an invalid argument.', 'INVALID_ARGUMENT') };
    const fate = ctx.fate('push', to);
    if (fate.kind === 'invalid') {
      return {
        to,
        answer: to.toLowerCase().startsWith('unregistered')
          ? googleError(404, 'Requested entity was not found.', 'UNREGISTERED')
          : googleError(400, INVALID_TOKEN, 'INVALID_ARGUMENT', [
              {
                '@type': 'type.googleapis.com/google.rpc.BadRequest',
                fieldViolations: [{ field: 'message.token', description: INVALID_TOKEN }],
              },
            ]),
      };
    }
    if (fate.kind === 'throttled') return { to, answer: statusError(429) };
    if (fate.kind === 'down') return { to, answer: statusError(500) };
    const name = fcmMessageName(project, ctx.now());
    return { to, providerMessageId: name, answer: { status: 200, body: { name } } };
  },
};
