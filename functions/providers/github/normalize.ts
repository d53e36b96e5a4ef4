import type { Entity } from '#shared/contract/integration-event';
import { strictUtf8, type ParsedBody } from '#shared/providers/parsed-body';
import type { NormalizedItem, WebhookRequest } from '#shared/providers/types';
import type { GithubOptions } from './index';
import type { GithubPayload } from './schemas';
import { EVENT_SHAPES, GithubPayloadSchema } from './schemas';

/** GitHub events with a canonical family; the action (when the event has one) completes the name. */
const CANONICAL_PREFIXES: ReadonlyMap<string, string> = new Map([
  ['pull_request', 'code.pull_request'],
  ['issues', 'code.issue'],
  ['release', 'code.release'],
]);

/**
 * Where each event keeps the time it happened, best first. Events not listed use their own
 * object's `updated_at`, then `created_at` (`check_run.updated_at`, `discussion.created_at`…).
 */
const TIME_PATHS: ReadonlyMap<string, readonly (readonly [string, string])[]> = new Map([
  // head_commit is null for a branch deletion; pushed_at (unix seconds) is then the push time.
  [
    'push',
    [
      ['head_commit', 'timestamp'],
      ['repository', 'pushed_at'],
    ],
  ],
  ['issues', [['issue', 'updated_at']]],
  ['issue_comment', [['comment', 'updated_at']]],
  ['commit_comment', [['comment', 'updated_at']]],
  ['discussion_comment', [['comment', 'updated_at']]],
  ['pull_request_review_comment', [['comment', 'updated_at']]],
  ['pull_request_review', [['review', 'submitted_at']]],
  [
    'check_run',
    [
      ['check_run', 'completed_at'],
      ['check_run', 'started_at'],
    ],
  ],
  [
    'workflow_job',
    [
      ['workflow_job', 'completed_at'],
      ['workflow_job', 'started_at'],
    ],
  ],
  ['fork', [['forkee', 'created_at']]],
  [
    'release',
    [
      ['release', 'published_at'],
      ['release', 'created_at'],
    ],
  ],
  ['ping', [['hook', 'updated_at']]],
]);

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const MAX_DATE_MS = 8.64e15;

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;

const toIso = (value: unknown): string | undefined => {
  const ms =
    typeof value === 'string' && ISO_DATE_TIME.test(value)
      ? Date.parse(value)
      : typeof value === 'number'
        ? value * 1000
        : Number.NaN;
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : undefined;
};

const occurredAtOf = (event: string, payload: GithubPayload): string | undefined => {
  const paths = TIME_PATHS.get(event) ?? [
    [event, 'updated_at'],
    [event, 'created_at'],
  ];
  for (const [object, key] of paths) {
    const iso = toIso(field(field(payload, object), key));
    if (iso !== undefined) return iso;
  }
  return undefined;
};

const entityOf = (payload: GithubPayload): Entity | undefined => {
  if (payload.repository) return { kind: 'repository', id: payload.repository.full_name };
  if (payload.organization) return { kind: 'organization', id: payload.organization.login };
  if (payload.installation) return { kind: 'installation', id: String(payload.installation.id) };
  return undefined;
};

/** GitHub posts JSON, or `payload=<json>` when the hook's content type is form-encoded. */
export const readGithubBody = (request: WebhookRequest): ParsedBody => {
  const text = strictUtf8(request.body);
  if (text === undefined) return { ok: false };
  try {
    const contentType = request.headers['content-type']?.toLowerCase() ?? '';
    if (!contentType.startsWith('application/x-www-form-urlencoded'))
      return { ok: true, value: JSON.parse(text) as unknown };
    const payload = new URLSearchParams(text).get('payload');
    return payload === null ? { ok: false } : { ok: true, value: JSON.parse(payload) as unknown };
  } catch {
    return { ok: false };
  }
};

const typeOf = (providerType: string, action: string | undefined): string | undefined => {
  if (providerType === 'push') return 'code.push';
  const prefix = CANONICAL_PREFIXES.get(providerType);
  if (prefix === undefined) return `github.${providerType}`;
  return action === undefined ? undefined : `${prefix}.${action}`;
};

/** Why the body cannot be the event its (unsigned) header names; undefined when it can. */
const shapeMismatch = (event: string, payload: GithubPayload): string | undefined => {
  const shape = EVENT_SHAPES.get(event);
  if (shape === undefined) return undefined;
  const missing = shape.has.filter((key) => !Object.hasOwn(payload, key));
  if (missing.length > 0)
    return `${event} bodies have ${shape.has.join(', ')}; this one lacks ${missing.join(', ')}.`;
  const extra = (shape.lacks ?? []).filter((key) => Object.hasOwn(payload, key));
  return extra.length > 0 ? `${event} bodies never have ${extra.join(', ')}.` : undefined;
};

// Neither header is covered by the signature: accept only the shapes GitHub sends.
const EVENT_NAME = /^[a-z0-9_]{1,64}$/;
const DELIVERY_ID = /^[0-9A-Za-z-]{1,64}$/;

/** Reads one parsed GitHub delivery into a draft keyed by its delivery id. */
export const normalizeGithubBody = (
  body: ParsedBody,
  request: WebhookRequest,
  _options: GithubOptions,
): NormalizedItem[] => {
  const delivery = request.headers['x-github-delivery']?.trim() ?? '';
  const event = request.headers['x-github-event']?.trim() ?? '';
  const externalId = DELIVERY_ID.test(delivery) ? delivery : undefined;
  const providerType = EVENT_NAME.test(event) ? event : undefined;
  if (externalId === undefined || providerType === undefined) {
    return [
      {
        kind: 'unreadable',
        externalId,
        providerType,
        reason: 'X-GitHub-Delivery or X-GitHub-Event is missing or malformed.',
      },
    ];
  }
  if (!body.ok) {
    return [
      {
        kind: 'unreadable',
        externalId,
        providerType,
        reason: 'Body is not UTF-8 JSON (or a form with a JSON payload parameter).',
      },
    ];
  }
  const parsed = body.value;
  const result = GithubPayloadSchema.safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`)
      .join('; ');
    return [
      {
        kind: 'unreadable',
        externalId,
        providerType,
        reason: `Body is not a GitHub webhook payload: ${issues}.`,
        data: parsed,
      },
    ];
  }
  const payload = result.data;
  const mismatch = shapeMismatch(providerType, payload);
  if (mismatch !== undefined) {
    return [
      {
        kind: 'unreadable',
        externalId,
        providerType,
        reason: `X-GitHub-Event does not fit the body: ${mismatch}`,
        data: parsed,
      },
    ];
  }
  const type = typeOf(providerType, payload.action);
  if (type === undefined) {
    return [
      {
        kind: 'unreadable',
        externalId,
        providerType,
        reason: `A ${providerType} payload must have an action.`,
        data: parsed,
      },
    ];
  }
  return [
    {
      kind: 'event',
      draft: {
        providerType,
        externalId,
        type,
        entity: entityOf(payload),
        occurredAt: occurredAtOf(providerType, payload),
        data: payload,
      },
    },
  ];
};

export const normalizeGithub = (request: WebhookRequest, options: GithubOptions): NormalizedItem[] =>
  normalizeGithubBody(readGithubBody(request), request, options);
