import type { Entity } from '#shared/contract/integration-event';
import type { NormalizedItem, WebhookRequest } from '#shared/providers/types';
import { headerValue } from './headers';
import { getJsonPath } from './json-path';
import type { GenericHmacOptions } from './schemas';

type JsonObject = Record<string, unknown>;

const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Ids and types may be JSON strings or numbers; anything else (objects, booleans, "") is not an id. */
const asIdText = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
};

const parseBody = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
};

const MAX_DATE_MS = 8.64e15;

const toIso = (value: unknown, unit: 'seconds' | 'milliseconds'): string | undefined => {
  let ms: number;
  if (typeof value === 'number') ms = unit === 'seconds' ? value * 1000 : value;
  else if (typeof value === 'string' && value.length > 0) ms = Date.parse(value);
  else return undefined;
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : undefined;
};

const read = (
  source: { header: string } | { jsonPath: string } | { value: string },
  request: WebhookRequest,
  body: JsonObject,
) => {
  if ('header' in source) return headerValue(request.headers, source.header);
  if ('jsonPath' in source) return asIdText(getJsonPath(body, source.jsonPath));
  return source.value;
};

/**
 * Reads one event per request from a JSON object body. The id and type are required (without
 * them the event cannot be deduplicated); a configured entity or time that the payload lacks
 * is left out rather than quarantining the event.
 */
export const normalizeGenericHmac = (
  providerId: string,
  request: WebhookRequest,
  options: GenericHmacOptions,
): NormalizedItem[] => {
  const body = parseBody(request.body);
  if (!isJsonObject(body)) return [{ kind: 'unreadable', reason: 'The body is not a JSON object.' }];
  const externalId = read(options.id, request, body);
  const providerType = read(options.type, request, body);
  if (externalId === undefined || providerType === undefined) {
    return [
      {
        kind: 'unreadable',
        reason:
          externalId === undefined
            ? 'The event id is missing or not a string or number.'
            : 'The event type is missing or not a string or number.',
        ...(externalId === undefined ? {} : { externalId }),
        ...(providerType === undefined ? {} : { providerType }),
        data: body,
      },
    ];
  }
  const entityId =
    options.entity === undefined ? undefined : asIdText(getJsonPath(body, options.entity.jsonPath));
  const entity: Entity | undefined =
    options.entity !== undefined && entityId !== undefined
      ? { kind: options.entity.kind, id: entityId }
      : undefined;
  const occurredAt =
    options.occurredAt === undefined
      ? undefined
      : toIso(getJsonPath(body, options.occurredAt.jsonPath), options.occurredAt.unit);
  return [
    {
      kind: 'event',
      draft: {
        providerType,
        externalId,
        type: `${providerId}.${providerType}`,
        ...(entity === undefined ? {} : { entity }),
        ...(occurredAt === undefined ? {} : { occurredAt }),
        data: body,
      },
    },
  ];
};
