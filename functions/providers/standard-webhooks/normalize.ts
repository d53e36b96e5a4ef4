import type { Entity } from '#shared/contract/integration-event';
import { parseUtf8Json, type ParsedBody } from '#shared/providers/parsed-body';
import type { NormalizedItem, WebhookRequest } from '#shared/providers/types';
import type { StandardWebhooksOptions } from './index';
import { StandardWebhooksPayloadSchema } from './schemas';

const MAX_ID_LENGTH = 256;
const MAX_TYPE_LENGTH = 128;
const TIMESTAMP = /^(?:0|[1-9]\d{0,11})$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const MAX_DATE_MS = 8.64e15;

const toIso = (ms: number): string | undefined =>
  Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : undefined;

/** Follows a dotted path through own properties only, so that `__proto__` or `constructor` lead nowhere. */
const at = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (node, key) =>
        typeof node === 'object' && node !== null && !Array.isArray(node) && Object.hasOwn(node, key)
          ? (node as Record<string, unknown>)[key]
          : undefined,
      value,
    );

const entityOf = (payload: unknown, options: StandardWebhooksOptions): Entity | undefined => {
  if (options.entity === undefined) return undefined;
  const id = at(payload, options.entity.path);
  if ((typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isFinite(id))) {
    return { kind: options.entity.kind, id: String(id) };
  }
  return undefined;
};

/** The spec's payloads are UTF-8 JSON. */
export const readStandardWebhooksBody = (request: WebhookRequest): ParsedBody => parseUtf8Json(request.body);

/** Reads one parsed Standard Webhooks delivery into a draft keyed by its `webhook-id`. */
export const normalizeStandardWebhooksBody = (
  body: ParsedBody,
  request: WebhookRequest,
  options: StandardWebhooksOptions,
): NormalizedItem[] => {
  const id = request.headers['webhook-id']?.trim() ?? '';
  const externalId = id !== '' && id.length <= MAX_ID_LENGTH ? id : undefined;
  if (externalId === undefined) return [{ kind: 'unreadable', reason: 'webhook-id is missing or too long.' }];
  if (!body.ok) return [{ kind: 'unreadable', externalId, reason: 'Body is not UTF-8 JSON.' }];
  const parsed = body.value;
  const result = StandardWebhooksPayloadSchema.safeParse(parsed);
  if (!result.success)
    return [{ kind: 'unreadable', externalId, reason: 'Body is not a JSON object.', data: parsed }];
  const payload = result.data;
  const providerType =
    typeof payload.type === 'string' && payload.type !== '' && payload.type.length <= MAX_TYPE_LENGTH
      ? payload.type
      : 'webhook';
  const headerTimestamp = request.headers['webhook-timestamp']?.trim() ?? '';
  const occurredAt =
    (typeof payload.timestamp === 'string' && ISO_DATE_TIME.test(payload.timestamp)
      ? toIso(Date.parse(payload.timestamp))
      : undefined) ?? (TIMESTAMP.test(headerTimestamp) ? toIso(Number(headerTimestamp) * 1000) : undefined);
  const type = Object.hasOwn(options.types, providerType) ? options.types[providerType] : undefined;
  return [
    {
      kind: 'event',
      draft: {
        providerType,
        externalId,
        type: type ?? `standard-webhooks.${providerType}`,
        entity: entityOf(payload, options),
        occurredAt,
        data: payload,
      },
    },
  ];
};

export const normalizeStandardWebhooks = (
  request: WebhookRequest,
  options: StandardWebhooksOptions,
): NormalizedItem[] => normalizeStandardWebhooksBody(readStandardWebhooksBody(request), request, options);
