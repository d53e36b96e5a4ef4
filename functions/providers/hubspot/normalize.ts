import type { Entity } from '#shared/contract/integration-event';
import { utf8Text, type ParsedBody } from '#shared/providers/parsed-body';
import type { NormalizedItem, WebhookRequest } from '#shared/providers/types';
import { HubspotEventSchema, type HubspotEvent } from './schemas';

type CrmKind = 'contact' | 'company' | 'deal';

const KIND_BY_PREFIX: Readonly<Record<string, CrmKind>> = {
  contact: 'contact',
  company: 'company',
  deal: 'deal',
};
/** Object type ids of generic (`object.*`) subscriptions. */
const KIND_BY_OBJECT_TYPE_ID: Readonly<Record<string, CrmKind>> = {
  '0-1': 'contact',
  '0-2': 'company',
  '0-3': 'deal',
};

/**
 * HubSpot actions in the canonical CRM verbs. A merge, an association change and a restore all
 * leave an existing record changed, hence `updated`; `privacyDeletion` stays unmapped so that a
 * GDPR erasure is never handled as an ordinary deletion.
 */
const VERB_BY_ACTION: Readonly<Record<string, string>> = {
  creation: 'created',
  deletion: 'deleted',
  propertyChange: 'property_changed',
  merge: 'updated',
  associationChange: 'updated',
  restore: 'updated',
};

const lookup = <T>(table: Readonly<Record<string, T>>, key: string | undefined): T | undefined =>
  key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;

const kindOf = (event: HubspotEvent, prefix: string): CrmKind | undefined =>
  prefix === 'object' ? lookup(KIND_BY_OBJECT_TYPE_ID, event.objectTypeId) : lookup(KIND_BY_PREFIX, prefix);

/**
 * One JSON token: a string (an unterminated one runs to the end, so that the scan stays linear
 * and digits inside strings are never touched), a number, or a structural character.
 */
const TOKEN = /"(?:[^"\\]|\\[\s\S]?)*"?|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|[{}[\]:,]/g;
const INTEGER = /^-?\d+$/;

/**
 * HubSpot ids (eventId, objectId, portalId, mergedObjectIds…) are 64-bit integers, and JSON.parse
 * rounds those above 2^53 (`9007199254740993` becomes `…992`); Node 20 gives a reviver no source
 * text. So every integer value that a double cannot hold exactly is quoted before parsing and
 * arrives as a string of its exact digits; numbers a double holds keep their type. Only values
 * are quoted (after `:`, or in an array), so that no invalid body becomes valid JSON.
 */
const quoteUnsafeIntegers = (json: string): string => {
  const parts: string[] = [];
  const containers: string[] = [];
  let previous = '';
  let copied = 0;
  for (const match of json.matchAll(TOKEN)) {
    const [token] = match;
    if (token === '{' || token === '[') containers.push(token);
    if (token === '}' || token === ']') containers.pop();
    const isValue = previous === ':' || (containers.at(-1) === '[' && (previous === '[' || previous === ','));
    if (isValue && INTEGER.test(token) && !Number.isSafeInteger(Number(token))) {
      parts.push(json.slice(copied, match.index), `"${token}"`);
      copied = match.index + token.length;
    }
    previous = token.charAt(0);
  }
  return parts.length === 0 ? json : [...parts, json.slice(copied)].join('');
};

/**
 * Whether parsed JSON holds a number beyond ±(2^53 − 1): every integer that quoting would change
 * parses to one. Walked without recursion, so that hostile nesting cannot overflow the stack.
 */
const holdsUnsafeNumber = (value: unknown): boolean => {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current === 'number' && Math.abs(current) > Number.MAX_SAFE_INTEGER) return true;
    if (Array.isArray(current)) for (const item of current as unknown[]) pending.push(item);
    else if (typeof current === 'object' && current !== null)
      // JSON.parse makes plain objects: every enumerable key is an own one.
      for (const key in current) pending.push((current as Record<string, unknown>)[key]);
  }
  return false;
};

/**
 * HubSpot posts a JSON array of events. Quoting scans every token, so the body is parsed as it
 * is first, and again with its long integers quoted only when the first parse rounded one.
 */
export const readHubspotBody = (request: WebhookRequest): ParsedBody => {
  try {
    const json = utf8Text(request.body);
    const value: unknown = JSON.parse(json);
    return { ok: true, value: holdsUnsafeNumber(value) ? JSON.parse(quoteUnsafeIntegers(json)) : value };
  } catch {
    return { ok: false };
  }
};

const textOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0
    ? value
    : typeof value === 'number' && Number.isFinite(value)
      ? String(value)
      : undefined;

/** What can still be read of an element that does not match the schema, to key its quarantine. */
const unreadable = (element: unknown, reason: string): NormalizedItem => {
  const fields =
    typeof element === 'object' && element !== null && !Array.isArray(element)
      ? (element as Record<string, unknown>)
      : {};
  const externalId = Object.hasOwn(fields, 'eventId') ? textOf(fields.eventId) : undefined;
  const providerType = textOf(
    Object.hasOwn(fields, 'subscriptionType')
      ? fields.subscriptionType
      : Object.hasOwn(fields, 'eventType')
        ? fields.eventType
        : undefined,
  );
  return {
    kind: 'unreadable',
    reason,
    ...(externalId === undefined ? {} : { externalId }),
    ...(providerType === undefined ? {} : { providerType }),
    data: element,
  };
};

const normalizeElement = (element: unknown): NormalizedItem => {
  const parsed = HubspotEventSchema.safeParse(element);
  if (!parsed.success)
    return unreadable(
      element,
      'The event does not match the HubSpot webhook event schema (eventId, subscriptionType, occurredAt).',
    );
  const event = parsed.data;
  const providerType = event.subscriptionType ?? event.eventType;
  if (providerType === undefined) return unreadable(element, 'The event has no subscriptionType.');
  const [prefix = '', action] = providerType.split('.', 2);
  const kind = kindOf(event, prefix);
  const verb = lookup(VERB_BY_ACTION, action);
  const objectId = event.objectId ?? event.fromObjectId ?? event.primaryObjectId;
  const entity: Entity | undefined =
    kind !== undefined && objectId !== undefined ? { kind, id: String(objectId) } : undefined;
  return {
    kind: 'event',
    draft: {
      providerType,
      externalId: String(event.eventId),
      type: kind !== undefined && verb !== undefined ? `crm.${kind}.${verb}` : `hubspot.${providerType}`,
      ...(entity === undefined ? {} : { entity }),
      ...(event.occurredAt === undefined ? {} : { occurredAt: new Date(event.occurredAt).toISOString() }),
      data: element as Record<string, unknown>,
    },
  };
};

/** One item per element of the parsed array; an empty array is no event at all. */
export const normalizeHubspotBody = (body: ParsedBody): NormalizedItem[] => {
  if (!body.ok || !Array.isArray(body.value))
    return [{ kind: 'unreadable', reason: 'The body is not a JSON array of HubSpot events.' }];
  return body.value.map(normalizeElement);
};

export const normalizeHubspot = (request: WebhookRequest): NormalizedItem[] =>
  normalizeHubspotBody(readHubspotBody(request));
