import { randomUUID } from 'node:crypto';
import { signGithubRequest } from '../../../functions/providers/github/sign';
import {
  bearerOf,
  isRecord,
  type Answer,
  type ApiFake,
  type ApiFakeContext,
  type ApiRequest,
  type Fault,
  type Posted,
} from './types';

/**
 * The one webhook the fake keeps deliveries for, reachable both as a repository hook and as an
 * organization hook: reconciliation options name it (`repository` or `org`, and `hookId`).
 */
export const LOCAL_GITHUB_HOOK = { repository: 'relayflow/local', org: 'relayflow', hookId: 1 } as const;

/** A repository id for the hook's repository, as payloads and delivery headers carry one. */
const REPOSITORY_ID = 1_296_269;

export interface GithubSendOptions {
  readonly tenant?: string;
  /** Record the delivery as failed (502) and never post it: the lost webhook. */
  readonly drop?: boolean;
  /** The delivery's `delivered_at`: a lost one dated back, as the harness route dates it. @default now */
  readonly deliveredAt?: Date;
}

export interface GithubSendResult {
  readonly deliveryId: string;
  readonly guid: string;
  /** The stack answered 2xx. */
  readonly delivered: boolean;
  /** When GitHub says it made the delivery (its `delivered_at`), ISO 8601. */
  readonly deliveredAt: string;
}

interface Delivery {
  readonly id: number;
  readonly guid: string;
  readonly event: string;
  readonly payload: Record<string, unknown>;
  readonly tenant: string | undefined;
  readonly deliveredAt: Date;
  readonly redelivery: boolean;
  readonly requestHeaders: Record<string, string>;
  readonly statusCode: number;
  readonly status: string;
  readonly durationSeconds: number;
  readonly url: string;
  readonly responseBody: string | null;
}

const githubError = (status: number, message: string, headers?: Record<string, string>): Answer => ({
  status,
  body: { message, documentation_url: 'https://docs.github.com/rest', status: String(status) },
  ...(headers ? { headers } : {}),
});

/** GitHub's timestamps: whole seconds, `Z`. */
const githubTime = (at: Date) => `${at.toISOString().slice(0, 19)}Z`;

const CURSOR = /^v1_(\d+)$/;
const DELIVERY_PATH =
  /^\/(?:repos\/([^/]+)\/([^/]+)|orgs\/([^/]+))\/hooks\/(\d+)\/deliveries(?:\/(\d+)(\/attempts)?)?$/;

/**
 * GitHub's hook deliveries API as reconciliation uses it (list, one delivery, redeliver), and
 * the deliveries a test sends: each gets a delivery id and a guid, is signed with the hook's
 * secret (`X-Hub-Signature-256`) and posted to the stack's GitHub webhook URL, or, dropped, is
 * shown failed (502) as GitHub shows a delivery that never reached the endpoint.
 */
export class GithubApiFake implements ApiFake {
  private readonly deliveries: Delivery[] = [];
  private nextId = 10_000_000_001;

  constructor(
    private readonly ctx: ApiFakeContext,
    private readonly token: string,
  ) {}

  /** Records a delivery of `event` with `payload` and posts it signed, unless `drop`. */
  async send(
    event: string,
    payload: Record<string, unknown>,
    options: GithubSendOptions = {},
  ): Promise<GithubSendResult> {
    const delivery = await this.deliver(
      { guid: randomUUID(), event, payload, tenant: options.tenant },
      false,
      options.drop,
      options.deliveredAt,
    );
    return {
      deliveryId: String(delivery.id),
      guid: delivery.guid,
      delivered: delivery.statusCode >= 200 && delivery.statusCode < 300,
      deliveredAt: delivery.deliveredAt.toISOString(),
    };
  }

  clear(): void {
    this.deliveries.length = 0;
  }

  authenticated(request: ApiRequest): boolean {
    return bearerOf(request.headers, ['bearer', 'token']) === this.token;
  }

  unauthenticated(request: ApiRequest): Answer {
    return request.headers.authorization === undefined
      ? githubError(401, 'Requires authentication')
      : githubError(401, 'Bad credentials');
  }

  fault(fault: Fault, now: Date): Answer {
    const rateLimited =
      fault.status === 429 || (fault.status === 403 && fault.retryAfterSeconds !== undefined);
    if (rateLimited) {
      const wait = fault.retryAfterSeconds ?? 60;
      const headers: Record<string, string> =
        fault.rateLimitHeader === 'x-ratelimit-reset'
          ? {
              'x-ratelimit-limit': '5000',
              'x-ratelimit-remaining': '0',
              'x-ratelimit-reset': String(Math.floor(now.getTime() / 1000) + wait),
            }
          : { 'retry-after': String(wait) };
      return githubError(
        fault.status,
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        headers,
      );
    }
    switch (fault.status) {
      case 401:
        return githubError(401, 'Bad credentials');
      case 403:
        return githubError(403, 'Resource not accessible by personal access token');
      default:
        return githubError(fault.status, 'Server Error');
    }
  }

  async handle(request: ApiRequest): Promise<Answer> {
    const match = DELIVERY_PATH.exec(request.path);
    const [, owner, repo, org, hookId, deliveryId, attempts] = match ?? [];
    const hook =
      match !== null &&
      Number(hookId) === LOCAL_GITHUB_HOOK.hookId &&
      (org === undefined
        ? `${owner}/${repo}`.toLowerCase() === LOCAL_GITHUB_HOOK.repository
        : org.toLowerCase() === LOCAL_GITHUB_HOOK.org);
    if (!hook) return githubError(404, 'Not Found');
    if (deliveryId === undefined)
      return request.method === 'GET' ? this.list(request) : githubError(404, 'Not Found');
    const delivery = this.deliveries.find((d) => d.id === Number(deliveryId));
    if (!delivery) return githubError(404, 'Not Found');
    if (attempts !== undefined) {
      if (request.method !== 'POST') return githubError(404, 'Not Found');
      // Answered once the redelivery was posted, so that a test sees it at once.
      await this.deliver(delivery, true);
      return { status: 202, body: {} };
    }
    return request.method === 'GET'
      ? { status: 200, body: this.detail(delivery) }
      : githubError(404, 'Not Found');
  }

  private async deliver(
    source: Pick<Delivery, 'guid' | 'event' | 'payload' | 'tenant'>,
    redelivery: boolean,
    drop = false,
    deliveredAt?: Date,
  ): Promise<Delivery> {
    const id = this.nextId++;
    const body = Buffer.from(JSON.stringify(source.payload));
    const headers: Record<string, string> = {
      Accept: '*/*',
      'Content-Type': 'application/json',
      'User-Agent': 'GitHub-Hookshot/relayflow-local',
      'X-GitHub-Delivery': source.guid,
      'X-GitHub-Event': source.event,
      'X-GitHub-Hook-ID': String(LOCAL_GITHUB_HOOK.hookId),
      'X-GitHub-Hook-Installation-Target-ID': String(REPOSITORY_ID),
      'X-GitHub-Hook-Installation-Target-Type': 'repository',
    };
    const started = this.ctx.now();
    const posted: Posted | undefined = drop
      ? undefined
      : await this.ctx.post('github', source.tenant, (secret, now) => {
          // GitHub shows the signature among the request's headers, as it sent them.
          const signature = signGithubRequest({ url: '', headers, body }, secret, now)['x-hub-signature-256'];
          if (signature !== undefined) headers['X-Hub-Signature-256'] = signature;
          return { headers: { ...headers }, body };
        });
    const statusCode = posted?.status ?? 502;
    const delivery: Delivery = {
      ...source,
      id,
      deliveredAt: deliveredAt ?? started,
      redelivery,
      requestHeaders: headers,
      statusCode,
      status:
        posted?.status === undefined
          ? 'failed to connect'
          : statusCode < 300
            ? 'OK'
            : `Invalid HTTP Response: ${statusCode}`,
      durationSeconds: Math.max(0, (this.ctx.now().getTime() - started.getTime()) / 1000),
      url: posted?.url ?? '',
      responseBody: posted?.status === undefined ? null : '',
    };
    this.deliveries.push(delivery);
    this.ctx.record({
      provider: 'github',
      id: delivery.guid,
      deliveryId: String(id),
      type: delivery.event,
      ...(delivery.tenant === undefined ? {} : { tenant: delivery.tenant }),
      dropped: drop,
      delivered: statusCode >= 200 && statusCode < 300,
      ...(posted?.status === undefined ? {} : { status: posted.status }),
      redelivery,
      at: started.toISOString(),
    });
    return delivery;
  }

  private item(delivery: Delivery) {
    const { payload } = delivery;
    const installation = isRecord(payload.installation) ? payload.installation.id : undefined;
    const repository = isRecord(payload.repository) ? payload.repository.id : undefined;
    return {
      id: delivery.id,
      guid: delivery.guid,
      delivered_at: githubTime(delivery.deliveredAt),
      redelivery: delivery.redelivery,
      duration: delivery.durationSeconds,
      status: delivery.status,
      status_code: delivery.statusCode,
      event: delivery.event,
      action: typeof payload.action === 'string' ? payload.action : null,
      installation_id: typeof installation === 'number' ? installation : null,
      repository_id: typeof repository === 'number' ? repository : null,
      throttled_at: null,
    };
  }

  private detail(delivery: Delivery) {
    return {
      ...this.item(delivery),
      url: delivery.url,
      request: { headers: delivery.requestHeaders, payload: delivery.payload },
      response: {
        headers: delivery.responseBody === null ? null : { 'Content-Type': 'application/json' },
        payload: delivery.responseBody,
      },
    };
  }

  /**
   * Newest first by `delivered_at` (GitHub lists deliveries in the order it made them, so one the
   * harness dated back takes its place in time); `cursor` continues after a delivery, `per_page`
   * 1 to 100, the next page in `Link`.
   */
  private list(request: ApiRequest): Answer {
    const perPageText = request.query.get('per_page') ?? '30';
    const perPage = Number(perPageText);
    if (!/^\d+$/.test(perPageText) || perPage < 1 || perPage > 100)
      return githubError(422, 'Validation Failed');
    const cursor = request.query.get('cursor');
    const after = cursor === null ? undefined : CURSOR.exec(cursor)?.[1];
    if (cursor !== null && after === undefined) return githubError(400, 'Bad Request');
    const newestFirst = [...this.deliveries].sort(
      (a, b) => b.deliveredAt.getTime() - a.deliveredAt.getTime() || b.id - a.id,
    );
    const previous = after === undefined ? -1 : newestFirst.findIndex((d) => d.id === Number(after));
    if (after !== undefined && previous < 0) return githubError(400, 'Bad Request');
    const rest = newestFirst.slice(previous + 1);
    const page = rest.slice(0, perPage);
    const last = page.at(-1);
    const more = rest.length > perPage && last !== undefined;
    const next = new URLSearchParams({
      per_page: String(perPage),
      ...(more ? { cursor: `v1_${last.id}` } : {}),
    });
    return {
      status: 200,
      body: page.map((delivery) => this.item(delivery)),
      ...(more
        ? { headers: { link: `<${request.base}${request.path}?${next.toString()}>; rel="next"` } }
        : {}),
    };
  }
}
