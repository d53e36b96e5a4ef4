import { createPrivateKey, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalRuntime } from '../../local/runtime';
import { FAULT_PUBLIC_BASE_URL, FAULT_SECRETS } from './local-runtime';
import { officialHubspotSignature } from './providers/hubspot';
import { specSign } from './providers/sendgrid';
import { officialStripe } from './providers/stripe';

/**
 * The independent record a fault scenario is judged against: every webhook the test sent and
 * every answer it got (the ledger), every request the pipeline made to the HTTP target (the
 * sink), and the invariants between the two. Nothing here reads the pipeline's own store.
 */

/** One provider event as the test knows it: `provider:externalId`, and the entity it orders by. */
export interface LedgerItem {
  readonly key: string;
  readonly entity: string;
}

interface SentEvent {
  readonly key: string;
  readonly entity: string;
  readonly firstSentAt: number;
  ackedAt: number | undefined;
  readonly answers: number[];
}

export interface Answer {
  readonly status: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

export class Ledger {
  private readonly events = new Map<string, SentEvent>();
  /** Every HTTP exchange, including the failed ones and those that threw. */
  readonly requests: {
    readonly keys: readonly string[];
    readonly status: number | 'network-error';
    readonly ms: number;
  }[] = [];

  /**
   * Sends one webhook request carrying `items` and records the answer against each of them.
   * A network failure is recorded and rethrown.
   */
  async send(items: readonly LedgerItem[], request: () => Promise<Response>): Promise<Response> {
    const startedAt = Date.now();
    for (const item of items) {
      if (!this.events.has(item.key)) {
        this.events.set(item.key, {
          key: item.key,
          entity: item.entity,
          firstSentAt: startedAt,
          ackedAt: undefined,
          answers: [],
        });
      }
    }
    let response: Response;
    try {
      response = await request();
      // The body is read so that the answer is complete before it counts as acknowledged.
      await response.clone().arrayBuffer();
    } catch (error) {
      this.requests.push({
        keys: items.map((i) => i.key),
        status: 'network-error',
        ms: Date.now() - startedAt,
      });
      throw error;
    }
    const endedAt = Date.now();
    this.requests.push({ keys: items.map((i) => i.key), status: response.status, ms: endedAt - startedAt });
    for (const item of items) {
      const event = this.events.get(item.key);
      if (!event) continue;
      event.answers.push(response.status);
      if (response.status >= 200 && response.status < 300) event.ackedAt ??= endedAt;
    }
    return response;
  }

  answersOf(key: string): readonly number[] {
    return this.events.get(key)?.answers ?? [];
  }

  /** Keys of the events some answer acknowledged with a 2xx. */
  acknowledged(): string[] {
    return [...this.events.values()].filter((e) => e.ackedAt !== undefined).map((e) => e.key);
  }

  ackedAt(key: string): number | undefined {
    return this.events.get(key)?.ackedAt;
  }

  get size(): number {
    return this.events.size;
  }

  /**
   * The invariants, against what the sink received:
   * - lost: acknowledged events with no side effect at the sink;
   * - duplicated: events with more than one side effect (two distinct downstream keys, i.e.
   *   two different deliveries an idempotent receiver could not fold into one);
   * - redelivered: the same downstream key delivered more than once (at-least-once delivery
   *   that a receiver deduplicating on `webhook-id` folds; reported, judged per scenario);
   * - orderViolations: per entity, an event acknowledged before another was first sent, but
   *   applied after it;
   * - unexpected: side effects for events the ledger never acknowledged.
   * `withoutSideEffect` names events the scenario expects not to reach the sink (poisoned, stale).
   */
  check(
    sink: FaultSink,
    options: {
      readonly path?: string;
      readonly withoutSideEffect?: Iterable<string>;
      /** Events applied out of order by design (a dead-lettered event replayed later). */
      readonly orderExempt?: Iterable<string>;
    } = {},
  ): InvariantReport {
    const excluded = new Set(options.withoutSideEffect ?? []);
    const exempt = new Set(options.orderExempt ?? []);
    const effects = sink.sideEffects(options.path).filter((d) => this.events.has(d.key));
    const byKey = new Map<string, SinkDelivery[]>();
    for (const d of effects) byKey.set(d.key, [...(byKey.get(d.key) ?? []), d]);
    const acknowledged = this.acknowledged();

    const lost = acknowledged.filter((key) => !excluded.has(key) && !byKey.has(key));
    const duplicated = [...byKey]
      .filter(([, ds]) => new Set(ds.map((d) => d.webhookId)).size > 1)
      .map(([key]) => key);
    const redelivered = [...byKey]
      .filter(([, ds]) => ds.length > new Set(ds.map((d) => d.webhookId)).size)
      .map(([key]) => key);
    const unexpected = [...byKey.keys()].filter(
      (key) => excluded.has(key) || this.events.get(key)?.ackedAt === undefined,
    );

    const firstEffect = new Map([...byKey].map(([key, ds]) => [key, Math.min(...ds.map((d) => d.seq))]));
    const orderViolations: string[] = [];
    const byEntity = new Map<string, SentEvent[]>();
    for (const event of this.events.values()) {
      if (firstEffect.has(event.key) && !exempt.has(event.key))
        byEntity.set(event.entity, [...(byEntity.get(event.entity) ?? []), event]);
    }
    for (const [entity, events] of byEntity) {
      for (const a of events) {
        for (const b of events) {
          if (a === b || a.ackedAt === undefined || a.ackedAt >= b.firstSentAt) continue;
          if ((firstEffect.get(b.key) ?? 0) < (firstEffect.get(a.key) ?? 0))
            orderViolations.push(`${entity}: ${b.key} before ${a.key}`);
        }
      }
    }
    return {
      sent: this.events.size,
      acknowledged: acknowledged.length,
      sideEffects: byKey.size,
      lost,
      duplicated,
      redelivered,
      orderViolations,
      unexpected,
    };
  }
}

export interface InvariantReport {
  readonly sent: number;
  readonly acknowledged: number;
  readonly sideEffects: number;
  readonly lost: readonly string[];
  readonly duplicated: readonly string[];
  readonly redelivered: readonly string[];
  readonly orderViolations: readonly string[];
  readonly unexpected: readonly string[];
}

/** The part of a report every scenario asserts is empty. */
export const violations = (report: InvariantReport) => ({
  lost: report.lost,
  duplicated: report.duplicated,
  orderViolations: report.orderViolations,
  unexpected: report.unexpected,
});

export interface SinkDelivery {
  /** `provider:externalId` of the event delivered. */
  readonly key: string;
  readonly path: string;
  readonly webhookId: string;
  readonly entity: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly receivedAt: string;
  /** Arrival order at the sink. */
  readonly seq: number;
  readonly at: number;
}

/** What the sink answers a request: a status, optionally after a delay. */
export type SinkAnswer = number | { readonly status: number; readonly delayMs: number };
export type SinkBehaviour = (delivery: SinkDelivery, attempt: number) => SinkAnswer;

interface DeliveredEvent {
  readonly provider: string;
  readonly externalId: string;
  readonly entity: { readonly id: string };
  readonly type: string;
  readonly occurredAt: string;
  readonly receivedAt: string;
}

/**
 * The HTTP target of the fault stack's routes. It records every request (attempts) and every
 * accepted one (side effects, keyed by the event's provider and external id, with the
 * downstream key RelayFlow sends as `webhook-id`), and answers what the scenario says.
 */
export class FaultSink {
  private readonly accepted: SinkDelivery[] = [];
  private readonly attempts = new Map<string, number>();
  private server: Server | undefined;
  private seq = 0;
  behaviour: SinkBehaviour = () => 200;
  port = 0;

  /** Binds 127.0.0.1 on a free port (or `port`). */
  async start(port = 0): Promise<number> {
    this.server = createServer((request, response) => {
      void this.receive(request).then(
        (status) => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end('{}');
        },
        () => {
          response.writeHead(400);
          response.end();
        },
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  private async receive(request: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as DeliveredEvent;
    const arrived: SinkDelivery = {
      key: `${event.provider}:${event.externalId}`,
      path: request.url ?? '',
      webhookId: String(request.headers['webhook-id']),
      entity: event.entity.id,
      type: event.type,
      occurredAt: event.occurredAt,
      receivedAt: event.receivedAt,
      seq: 0,
      at: 0,
    };
    const attempt = (this.attempts.get(arrived.webhookId) ?? 0) + 1;
    this.attempts.set(arrived.webhookId, attempt);
    const answer = this.behaviour(arrived, attempt);
    const { status, delayMs } = typeof answer === 'number' ? { status: answer, delayMs: 0 } : answer;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (status >= 200 && status < 300) {
      this.seq += 1;
      this.accepted.push({ ...arrived, seq: this.seq, at: Date.now() });
    }
    return status;
  }

  /** Accepted deliveries (optionally to one path), in arrival order. */
  sideEffects(path?: string): SinkDelivery[] {
    return path === undefined ? [...this.accepted] : this.accepted.filter((d) => d.path === path);
  }

  /** Requests that reached the sink for one event (any answer), by its downstream key. */
  attemptsOf(webhookId: string): number {
    return this.attempts.get(webhookId) ?? 0;
  }

  /** Total requests received, any answer. */
  totalAttempts(): number {
    let total = 0;
    for (const n of this.attempts.values()) total += n;
    return total;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}

/** Polls until `check` holds or the time runs out; returns whether it held. */
export const waitFor = async (
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return check();
};

/** Messages in a queue: visible, in flight and delayed. */
export const queueDepth = async (runtime: LocalRuntime, queueUrl: string): Promise<number> => {
  const { Attributes = {} } = await runtime.emulators.sqs.getQueueAttributes({
    QueueUrl: queueUrl,
    AttributeNames: [
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed',
    ],
  });
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
  );
};

/**
 * Drains the pipeline: waits until `done` holds and the main queue has stayed empty for
 * `quietMs` (nothing visible, in flight or delayed). Returns whether it drained in time.
 */
export const drain = async (
  runtime: LocalRuntime,
  options: {
    readonly timeoutMs: number;
    readonly done?: () => boolean | Promise<boolean>;
    readonly quietMs?: number;
  },
): Promise<boolean> => {
  const quietMs = options.quietMs ?? 500;
  const deadline = Date.now() + options.timeoutMs;
  const mainQueue = runtime.outputs.MainQueueUrl ?? '';
  let emptySince: number | undefined;
  while (Date.now() < deadline) {
    const done = (await options.done?.()) ?? true;
    const empty = done && (await queueDepth(runtime, mainQueue)) === 0;
    if (!empty) emptySince = undefined;
    else {
      emptySince ??= Date.now();
      if (Date.now() - emptySince >= quietMs) return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
};

/**
 * Signed provider deliveries to the fault stack, each with the ledger items it carries. The
 * same arguments give the same body: sending one twice is a provider retry. Signatures come
 * from the providers' own libraries or their documented algorithms, never from our verifiers.
 * They are timestamped on the runtime's clock, as a provider's clock agrees with AWS's.
 */
export class Webhooks {
  constructor(
    private readonly api: string,
    private readonly sendgridPrivateKey: KeyObject | undefined,
    private readonly now: () => number,
  ) {}

  static for(runtime: LocalRuntime): Webhooks {
    const sendgrid = runtime.secrets.find((s) => s.provider === 'sendgrid')?.value.signingPrivateKey;
    const key = sendgrid
      ? createPrivateKey({ key: Buffer.from(sendgrid, 'base64'), format: 'der', type: 'pkcs8' })
      : undefined;
    return new Webhooks(runtime.endpoints.api, key, () => runtime.clock.now());
  }

  /** A Stripe event about `customer` (its entity), `created` seconds after a fixed epoch. */
  stripe(options: {
    readonly id: string;
    readonly customer: string;
    readonly created: number;
    readonly type?: string;
    /** Stripe metadata on the object, e.g. to bring a body to a given size. */
    readonly metadata?: Readonly<Record<string, string>>;
  }): Delivery {
    const type = options.type ?? 'payment_intent.succeeded';
    const metadata = options.metadata ?? {};
    const object = type.startsWith('customer.')
      ? { id: options.customer, object: 'customer', metadata }
      : { id: `pi_${options.id}`, object: 'payment_intent', customer: options.customer, metadata };
    const body = JSON.stringify({
      id: options.id,
      object: 'event',
      created: STRIPE_EPOCH + options.created,
      type,
      data: { object },
    });
    return {
      items: [{ key: `stripe:${options.id}`, entity: options.customer }],
      bytes: Buffer.byteLength(body),
      request: () =>
        fetch(`${this.api}/webhooks/stripe`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'stripe-signature': officialStripe.webhooks.generateTestHeaderString({
              payload: body,
              secret: FAULT_SECRETS.stripe,
              timestamp: Math.floor(this.now() / 1000),
            }),
          },
          body,
        }),
    };
  }

  /** A HubSpot batch: one JSON array of CRM events, signed (v3) by HubSpot's own client. */
  hubspot(
    events: readonly { readonly eventId: number; readonly objectId: number; readonly occurredAt: number }[],
  ): Delivery {
    const body = JSON.stringify(
      events.map((e) => ({
        eventId: e.eventId,
        subscriptionId: 1,
        portalId: 62515,
        appId: 1,
        occurredAt: e.occurredAt,
        subscriptionType: 'contact.propertyChange',
        attemptNumber: 0,
        objectId: e.objectId,
        propertyName: 'lifecyclestage',
        propertyValue: 'customer',
        changeSource: 'CRM',
      })),
    );
    return {
      items: events.map((e) => ({ key: `hubspot:${e.eventId}`, entity: `contact:${e.objectId}` })),
      bytes: Buffer.byteLength(body),
      request: () => {
        const timestamp = this.now();
        const signature = officialHubspotSignature({
          url: `${FAULT_PUBLIC_BASE_URL}/webhooks/hubspot`,
          body,
          timestamp,
          secret: FAULT_SECRETS.hubspot,
        });
        return fetch(`${this.api}/webhooks/hubspot`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hubspot-signature-v3': signature,
            'x-hubspot-request-timestamp': String(timestamp),
          },
          body,
        });
      },
    };
  }

  /** A SendGrid Event Webhook batch, signed as SendGrid documents it (ECDSA P-256 over timestamp + body). */
  sendgrid(
    events: readonly { readonly sgEventId: string; readonly messageId: string; readonly timestamp: number }[],
  ): Delivery {
    const key = this.sendgridPrivateKey;
    if (!key) throw new Error('the runtime has no SendGrid signing key');
    const body = Buffer.from(
      JSON.stringify(
        events.map((e) => ({
          email: 'someone@example.com',
          timestamp: e.timestamp,
          event: 'delivered',
          sg_event_id: e.sgEventId,
          sg_message_id: `${e.messageId}.filter0001.1-1-0`,
          'smtp-id': `<${e.messageId}@example.com>`,
          response: '250 OK',
        })),
      ),
    );
    return {
      items: events.map((e) => ({ key: `sendgrid:${e.sgEventId}`, entity: e.messageId })),
      bytes: body.length,
      request: () => {
        const timestamp = String(Math.floor(this.now() / 1000));
        return fetch(`${this.api}/webhooks/sendgrid`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-twilio-email-event-webhook-signature': specSign(key, timestamp, body),
            'x-twilio-email-event-webhook-timestamp': timestamp,
          },
          body,
        });
      },
    };
  }
}

/** Stripe `created` times in these tests count seconds from here. */
export const STRIPE_EPOCH = 1_790_000_000;

/** One signed request and the ledger items (events) it carries. */
export interface Delivery {
  readonly items: readonly LedgerItem[];
  /** Body size. */
  readonly bytes: number;
  readonly request: () => Promise<Response>;
}

/** Sends a delivery through the ledger. */
export const deliver = (ledger: Ledger, delivery: Delivery): Promise<Response> =>
  ledger.send(delivery.items, delivery.request);
