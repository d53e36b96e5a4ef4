import { randomUUID } from 'node:crypto';
import { executeApiSigner } from './sigv4';

/*
 * publishEvents(): how application code publishes domain events to a RelayFlow stack's producer
 * API. Built into cli/dist/publish-events.cjs with its declarations (cli/build-client.ts): the
 * package's main export. Its types are spelled out here rather than imported, so that the
 * declaration file stands alone; test/functions/producer/client.test.ts checks that they are the
 * contract's (functions/producer/contract.ts).
 */

/** A domain event as the producer API takes it (DomainEventInputSchema). */
export interface DomainEvent {
  /** Canonical type, `invoice.payment_failed`: letters, digits, `.`, `_` and `-`, at most 256. */
  type: string;
  /** What orders it: events of one entity are processed in order. `{ kind: 'event', … }` names none. */
  entity: { kind: string; id: string };
  data: Record<string, unknown>;
  /** The same key (and type) twice is one event. @default generated before the first attempt */
  idempotencyKey?: string;
  /** ISO 8601 with an offset. @default when the stack receives it */
  occurredAt?: string;
}

/** What became of one event: its key (the generated one, when it had none) and its outcome. */
export interface PublishedEvent {
  readonly index: number;
  readonly idempotencyKey: string;
  readonly eventId?: string;
  readonly outcome: 'accepted' | 'duplicate' | 'requeued' | 'in-progress' | 'deferred' | 'rejected';
  readonly error?: string;
}

export interface PublishResult {
  /** 202 when anything was new, 200 when every valid event was already known. */
  readonly status: 200 | 202;
  readonly correlationId: string;
  /** One per event published, in order. */
  readonly events: readonly PublishedEvent[];
}

/** AWS credentials, as the SDK's providers give them. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface PublishOptions {
  /** The stack's ProducerUrl output (`https://…/events`). */
  readonly url: string;
  /** Publish for this tenant (`…/events/<tenant>`). @default the default tenant */
  readonly tenant?: string;
  /** @default the region of an execute-api URL, else AWS_REGION, else AWS_DEFAULT_REGION */
  readonly region?: string;
  /** @default the AWS SDK's default credential provider chain */
  readonly credentials?: Credentials | (() => Promise<Credentials>);
  /** Attempts in all; a retry sends the same events with the same keys. @default 3 */
  readonly maxAttempts?: number;
  /** Kept as the prefix of the correlation id the stack gives this publish (8–128 of `A-Za-z0-9._:-`). */
  readonly correlationId?: string;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  /** For the retry delays (full jitter). @default Math.random */
  readonly random?: () => number;
  /** The key of an event without one. @default a random UUID */
  readonly newKey?: () => string;
}

/** The producer API refused the publish (400, 403, 404, 413), or kept failing until the attempts ran out. */
export class PublishError extends Error {
  /** The last HTTP status, undefined when the stack could not be reached. */
  readonly status: number | undefined;
  /** Per event, when the answer had them (a 400 names why each event was refused). */
  readonly events: readonly PublishedEvent[] | undefined;

  constructor(message: string, status: number | undefined, events?: readonly PublishedEvent[]) {
    super(message);
    this.name = 'PublishError';
    this.status = status;
    this.events = events;
  }
}

/** Answers worth another attempt: throttled, or a failure on the stack's side (its 503 says retry). */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const BASE_DELAY_MS = 200;
const MAX_DELAY_MS = 5_000;
const EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

interface Answer {
  readonly correlationId?: string;
  readonly events?: readonly PublishedEvent[];
  readonly message?: string;
}

const defaultCredentials = async (region: string): Promise<() => Promise<Credentials>> => {
  // RelayFlow declares no credential provider package of its own: every SDK client resolves the
  // default chain, and `config.credentials()` is the SDK's documented way to read what it found.
  const { EventBridgeClient } = await import('@aws-sdk/client-eventbridge');
  const { config } = new EventBridgeClient({ region });
  return () => config.credentials();
};

const regionOf = (options: PublishOptions, url: URL): string => {
  const region =
    options.region ??
    EXECUTE_API_HOST.exec(url.hostname)?.[1] ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION;
  if (!region)
    throw new PublishError(
      'No region to sign for: pass region, or set AWS_REGION (the URL is not an execute-api one).',
      undefined,
    );
  return region;
};

const readAnswer = async (response: Response): Promise<Answer> => {
  try {
    return (await response.json()) as Answer;
  } catch {
    return {};
  }
};

/**
 * Publishes domain events to a RelayFlow stack (docs/workflows.md, "Domain events"): signs the
 * request with SigV4 for `execute-api`, retries throttling, 5xx answers and network failures with
 * full-jitter backoff, and returns what became of each event. Every event has its idempotency key
 * before the first attempt, so a retry sends the same keys: an event stored by an attempt whose
 * answer was lost is answered `duplicate`, never published twice.
 * @throws PublishError when the stack refuses the publish or every attempt failed
 */
export const publishEvents = async (
  events: DomainEvent | readonly DomainEvent[],
  options: PublishOptions,
): Promise<PublishResult> => {
  const newKey = options.newKey ?? randomUUID;
  const list = (Array.isArray(events) ? events : [events]) as readonly DomainEvent[];
  const settled = list.map((event) => ({ ...event, idempotencyKey: event.idempotencyKey ?? newKey() }));
  const url = new URL(
    options.tenant ? `${options.url.replace(/\/+$/, '')}/${encodeURIComponent(options.tenant)}` : options.url,
  );
  const region = regionOf(options, url);
  const signer = executeApiSigner(options.credentials ?? (await defaultCredentials(region)), region);
  const body = JSON.stringify({ events: settled });
  const send = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const attempts = Math.max(1, options.maxAttempts ?? 3);

  let failure = 'no attempt was made';
  let lastStatus: number | undefined;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    if (attempt > 1) await sleep(random() * Math.min(BASE_DELAY_MS * 2 ** (attempt - 2), MAX_DELAY_MS));
    // Signed again for each attempt: a signature is valid for five minutes from its date.
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/json',
        ...(options.correlationId ? { 'x-correlation-id': options.correlationId } : {}),
      },
      body,
    });
    let response: Response;
    try {
      response = await send(url, { method: 'POST', headers: signed.headers, body });
    } catch (error) {
      failure = `could not reach ${url.origin}: ${error instanceof Error ? error.message : String(error)}`;
      lastStatus = undefined;
      continue;
    }
    const answer = await readAnswer(response);
    lastStatus = response.status;
    if (response.status === 200 || response.status === 202) {
      return {
        status: response.status,
        correlationId: answer.correlationId ?? response.headers.get('x-correlation-id') ?? '',
        events: answer.events ?? [],
      };
    }
    // A 400 for events that are all invalid has no message, but each event's reason.
    const reason = answer.message ?? answer.events?.find((event) => event.error)?.error;
    failure = `the producer API answered ${response.status}${reason ? `: ${reason}` : ''}`;
    if (!RETRYABLE.has(response.status)) throw new PublishError(failure, response.status, answer.events);
  }
  throw new PublishError(`${failure} (after ${attempts} attempts)`, lastStatus);
};
