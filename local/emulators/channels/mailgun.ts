import { mailgunEventId, mailgunMessageId } from './ids';
import { mailgunQuery } from './mailgun-api';
import {
  formField,
  isRecord,
  jsonPayload,
  retryAfter,
  stringRecord,
  type Answer,
  type PlannedReceipt,
  type ProviderFake,
} from './types';

/**
 * Mailgun's `POST /v3/<domain>/messages` (https://documentation.mailgun.com/docs/mailgun/api-reference/openapi-final/tag/Messages/):
 * HTTP Basic `api:<key>`, a form body (urlencoded or multipart), `{ id: "<…@domain>", message:
 * "Queued. Thank you." }`; errors are `{ message }`, except the plain-text `Forbidden` of a
 * request without credentials. Receipts are JSON webhooks whose `event-data.user-variables` are the
 * send's `v:` fields and `h:X-Mailgun-Variables`.
 */

const SEND_PATH = /^\/v3\/([^/]+)\/messages$/;

const failure = (status: number, message: string, headers?: Answer['headers']): Answer => ({
  status,
  body: { message },
  ...(headers ? { headers } : {}),
});

const UNAUTHENTICATED: Answer = { status: 401, body: 'Forbidden' };

const statusError = (status: number): Answer =>
  status === 429
    ? failure(429, 'Too many requests', retryAfter)
    : status === 401
      ? UNAUTHENTICATED
      : failure(status, status >= 500 ? 'Internal Server Error' : 'Bad Request');

/** `Alice <alice@example.com>` → `alice@example.com`. */
const addressOf = (to: string) => /<([^>]*)>/.exec(to)?.[1] ?? to.trim();

const userVariables = (fields: Record<string, unknown>): Record<string, string> => {
  let fromHeader: Record<string, string> = {};
  const header = formField(fields, 'h:X-Mailgun-Variables');
  if (header !== undefined) {
    try {
      fromHeader = stringRecord(JSON.parse(header));
    } catch {
      fromHeader = {};
    }
  }
  const fromFields = Object.fromEntries(
    Object.keys(fields)
      .filter((name) => name.startsWith('v:'))
      .map((name) => [name.slice(2), formField(fields, name) ?? '']),
  );
  return { ...fromHeader, ...fromFields };
};

export const mailgunFake: ProviderFake = {
  provider: 'mailgun',
  authenticated: ({ headers }) => /^Basic\s+\S/i.test(headers.authorization ?? ''),
  unauthenticated: UNAUTHENTICATED,
  notFound: failure(404, 'Not Found'),
  error: statusError,
  query: mailgunQuery,
  handle(request, ctx) {
    const domain = SEND_PATH.exec(request.path)?.[1];
    if (request.method !== 'POST' || domain === undefined) return undefined;
    const fields = request.body;
    const rawTo = formField(fields, 'to');
    if (!isRecord(fields) || rawTo === undefined) return { answer: failure(400, 'to parameter is missing') };
    const to = addressOf(rawTo);
    const fate = ctx.fate('email', to);
    if (fate.kind === 'invalid')
      return { to, answer: failure(400, 'to parameter is not a valid address. please check documentation') };
    if (fate.kind === 'throttled') return { to, answer: statusError(429) };
    if (fate.kind === 'down') return { to, answer: statusError(500) };
    const id = mailgunMessageId(domain, ctx.now());
    const variables = userVariables(fields);
    const tags = Object.hasOwn(fields, 'o:tag') ? [fields['o:tag']].flat() : [];
    /** One event of this message, as the Events API lists it and a webhook posts it in `event-data`. */
    const eventData = (event: string, data: Record<string, unknown>, now: Date) => ({
      id: mailgunEventId(),
      timestamp: now.getTime() / 1000,
      event,
      ...data,
      flags: {
        'is-routed': false,
        'is-authenticated': true,
        'is-system-test': false,
        'is-test-mode': false,
      },
      envelope: { transport: 'smtp', sender: formField(fields, 'from') ?? '', targets: to },
      message: {
        headers: {
          to: rawTo,
          'message-id': id.slice(1, -1),
          from: formField(fields, 'from') ?? '',
          subject: formField(fields, 'subject') ?? '',
        },
        attachments: [],
      },
      recipient: to,
      'recipient-domain': to.slice(to.lastIndexOf('@') + 1),
      campaigns: [],
      tags,
      'user-variables': variables,
    });
    const receipt = (event: string, data: Record<string, unknown>): PlannedReceipt => ({
      info: { provider: 'mailgun', providerMessageId: id, to, event },
      ...(variables.tenant ? { tenant: variables.tenant } : {}),
      payload: (now) => jsonPayload({ 'event-data': eventData(event, data, now) }),
    });
    const delivered = receipt('delivered', {
      'log-level': 'info',
      'delivery-status': { code: 250, message: 'OK', description: '', 'attempt-no': 1, tls: true },
    });
    const receipts =
      fate.ending === 'bounced'
        ? [
            receipt('failed', {
              'log-level': 'error',
              severity: 'permanent',
              reason: 'bounce',
              'delivery-status': {
                code: 550,
                message: '5.1.1 The email account that you tried to reach does not exist.',
                description: '',
                'attempt-no': 1,
              },
            }),
          ]
        : fate.ending === 'opened'
          ? [
              delivered,
              receipt('opened', { 'log-level': 'info', 'client-info': { 'client-type': 'browser' } }),
            ]
          : [delivered];
    return {
      to,
      providerMessageId: id,
      answer: { status: 200, body: { id, message: 'Queued. Thank you.' } },
      receipts,
      kept: { domain, accepted: eventData('accepted', { 'log-level': 'info', method: 'http' }, ctx.now()) },
    };
  },
};
