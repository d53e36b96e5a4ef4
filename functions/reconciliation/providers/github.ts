import * as z from 'zod/mini';
import { mapLimit } from '#shared/concurrency/map-limit';
import { apiError, callApi, getJson, isOk, urlOf, type ApiCall } from '#shared/reconciliation/api-http';
import {
  ProviderApiError,
  type ApiContext,
  type ProviderApi,
  type SentPage,
  type SentRecord,
} from '#shared/reconciliation/contract';

/**
 * GitHub's webhook deliveries API (repository or organization hooks). GitHub keeps every
 * delivery and redelivers one on request, so a missing event is asked for again rather than
 * ingested from the listing: it then arrives signed through the webhook URL, as any other.
 */

export const githubApiCredentialsSchema = z.object({
  /**
   * A token that can read the hook's deliveries and redeliver them: a fine-grained token with
   * the repository's (or organization's) "Webhooks" permission, read and write.
   */
  token: z.string().check(z.minLength(1)),
});
export type GithubApiCredentials = z.infer<typeof githubApiCredentialsSchema>;

const GithubApiOptionsSchema = z
  .looseObject({
    /** `owner/name` of a repository webhook. */
    repository: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'must be owner/name')),
    ),
    /** The login of an organization webhook's organization. */
    org: z.optional(z.string().check(z.regex(/^[A-Za-z0-9-]+$/, 'must be an organization login'))),
    hookId: z.int().check(z.positive()),
    /**
     * False: records carry only the headers our normalize reads the identity from and an empty
     * JSON body, which saves a call per delivery when the caller needs no more than the identity.
     */
    fetchRequests: z.optional(z.boolean()),
  })
  .check(
    z.refine((options) => (options.repository === undefined) !== (options.org === undefined), {
      message: 'give repository (a repository webhook) or org (an organization webhook), not both',
      path: ['repository'],
    }),
  );
type GithubApiOptions = z.infer<typeof GithubApiOptionsSchema>;

/** GitHub's page size limit. */
const PAGE_SIZE = 100;
/** Delivery requests fetched at once: GitHub's secondary limits punish bursts of concurrent calls. */
const DETAIL_CONCURRENCY = 4;

const DeliveryItemSchema = z.looseObject({
  id: z.int().check(z.positive()),
  guid: z.string().check(z.minLength(1)),
  delivered_at: z.iso.datetime({ offset: true }),
  redelivery: z.boolean(),
  event: z.string().check(z.minLength(1)),
});
type DeliveryItem = z.infer<typeof DeliveryItemSchema>;

const DeliverySchema = z.looseObject({
  id: z.int().check(z.positive()),
  request: z.looseObject({
    headers: z.nullable(z.record(z.string(), z.unknown())),
    payload: z.nullable(z.record(z.string(), z.unknown())),
  }),
});

/** Signatures cover the bytes GitHub sent, not the payload re-serialized here: they are left out. */
const SIGNATURE_HEADERS = new Set(['x-hub-signature', 'x-hub-signature-256']);

const callOf = (credentials: GithubApiCredentials): ApiCall => ({
  provider: 'GitHub',
  secrets: [credentials.token],
  rateLimit403: true,
  detailOf: (json) =>
    typeof json === 'object' && json !== null && 'message' in json && typeof json.message === 'string'
      ? json.message
      : undefined,
});

const headersOf = (credentials: GithubApiCredentials) => ({
  Authorization: `Bearer ${credentials.token}`,
  Accept: 'application/vnd.github+json',
  'X-GitHub-Api-Version': '2022-11-28',
  'User-Agent': 'RelayFlow-Reconciliation',
});

const optionsOf = (options: Readonly<Record<string, unknown>>): GithubApiOptions => {
  const result = GithubApiOptionsSchema.safeParse(options);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new ProviderApiError('refused', false, `github reconciliation options: ${problems.join('; ')}`);
};

const hookUrlOf = (baseUrl: string, options: GithubApiOptions): string => {
  const owner = options.repository
    ? `/repos/${options.repository.split('/').map(encodeURIComponent).join('/')}`
    : `/orgs/${encodeURIComponent(options.org ?? '')}`;
  return urlOf(baseUrl, `${owner}/hooks/${options.hookId}`);
};

/** The `cursor` of the Link header's `rel="next"` URL, as GitHub paginates deliveries. */
export const nextCursorOf = (link: string | null): string | undefined => {
  for (const part of (link ?? '').split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!match || !/\brel="?next"?/.test(match[2] ?? '')) continue;
    try {
      return new URL(match[1] ?? '', 'https://api.github.com').searchParams.get('cursor') ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
};

/** What the run's GitHub normalize reads the identity from, when the delivery's request is not fetched. */
const identityHeaders = (item: DeliveryItem): Record<string, string> => ({
  'content-type': 'application/json',
  'x-github-event': item.event,
  'x-github-delivery': item.guid,
});

/**
 * The request GitHub sent, rebuilt from the delivery: its headers lower-cased (GitHub shows
 * them as sent), no signature, and the payload as JSON. A form-encoded hook's payload is
 * shown as an object too, so the body is always JSON and says so.
 */
const requestOf = (item: DeliveryItem, delivery: z.infer<typeof DeliverySchema>): SentRecord['request'] => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(delivery.request.headers ?? {})) {
    const lower = name.toLowerCase();
    if (typeof value === 'string' && !SIGNATURE_HEADERS.has(lower)) headers[lower] = value;
  }
  return {
    headers: { ...headers, ...identityHeaders(item) },
    body: Buffer.from(JSON.stringify(delivery.request.payload ?? {})),
  };
};

export const githubApi: ProviderApi<GithubApiCredentials> = {
  provider: 'github',
  credentials: githubApiCredentialsSchema,
  defaultBaseUrl: 'https://api.github.com',
  // GitHub lists a hook's deliveries of the past 3 days.
  retentionDays: 3,

  /**
   * `GET …/hooks/{hook_id}/deliveries`, newest first, paged by the Link header's cursor; paging
   * stops at the first delivery before `since`. One record per event (its guid): a redelivery
   * listed beside its original on the same page is the same event.
   */
  async listSent(query, options, ctx: ApiContext<GithubApiCredentials>): Promise<SentPage> {
    const hook = optionsOf(options);
    const call = callOf(ctx.credentials);
    const hookUrl = hookUrlOf(ctx.baseUrl, hook);
    const params = new URLSearchParams({ per_page: String(PAGE_SIZE) });
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    const { answer, value } = await getJson(
      call,
      ctx,
      `${hookUrl}/deliveries?${params.toString()}`,
      headersOf(ctx.credentials),
      z.array(DeliveryItemSchema),
      'a delivery list',
    );
    const since = query.since.getTime();
    const until = query.until.getTime();
    const seen = new Set<string>();
    const inWindow: DeliveryItem[] = [];
    let passedSince = false;
    for (const item of value) {
      const at = Date.parse(item.delivered_at);
      if (at < since) {
        passedSince = true;
        break;
      }
      if (at >= until || seen.has(item.guid)) continue;
      seen.add(item.guid);
      inWindow.push(item);
    }
    const requests = await mapLimit(inWindow, DETAIL_CONCURRENCY, async (item) => {
      if (hook.fetchRequests === false) return { headers: identityHeaders(item), body: Buffer.from('{}') };
      const { value: delivery } = await getJson(
        call,
        ctx,
        `${hookUrl}/deliveries/${item.id}`,
        headersOf(ctx.credentials),
        DeliverySchema,
        `delivery ${item.id}`,
      );
      return requestOf(item, delivery);
    });
    const records = inWindow.map((item, index): SentRecord => ({
      id: item.guid,
      at: new Date(Date.parse(item.delivered_at)).toISOString(),
      request: requests[index] as SentRecord['request'],
      redelivery: { deliveryId: String(item.id) },
    }));
    const next = passedSince ? undefined : nextCursorOf(answer.headers.get('link'));
    return { records, ...(next === undefined ? {} : { next }) };
  },

  /** `POST …/deliveries/{delivery_id}/attempts`: GitHub accepts (202) and delivers again, signed. */
  async redeliver(record, options, ctx: ApiContext<GithubApiCredentials>): Promise<void> {
    const hook = optionsOf(options);
    const deliveryId = record.redelivery?.deliveryId;
    if (deliveryId === undefined || !/^\d+$/.test(deliveryId))
      throw new ProviderApiError(
        'refused',
        false,
        `GitHub record ${record.id} names no delivery to redeliver`,
      );
    const call = callOf(ctx.credentials);
    const answer = await callApi(
      call,
      ctx,
      `${hookUrlOf(ctx.baseUrl, hook)}/deliveries/${deliveryId}/attempts`,
      {
        method: 'POST',
        headers: headersOf(ctx.credentials),
      },
    );
    if (!isOk(answer)) throw apiError(call, answer);
  },
};
