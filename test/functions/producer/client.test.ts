import type { DomainEventInput, PublishedEvent as ContractPublishedEvent } from '#shared/producer/contract';
import { PublishError, publishEvents, type DomainEvent, type PublishedEvent } from '#shared/producer/client';
import { LOCAL_CREDENTIALS, verifyIamRequest } from '../../../local/apigateway/iam';

/** True only when A and B are the same type (each assignable to the other). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const CREDENTIALS = LOCAL_CREDENTIALS[0] ?? { accessKeyId: 'local', secretAccessKey: 'local' };
const URL_ = 'https://abcde12345.execute-api.eu-west-1.amazonaws.com/events';

interface Received {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A producer API stand-in: checks each request's signature as API Gateway does, then answers as scripted. */
const aProducerApi = (answers: (Response | Error)[], region = 'eu-west-1') => {
  const received: Received[] = [];
  const signatures: boolean[] = [];
  // publishEvents calls fetch(url: URL, { method, headers: Record, body: string }).
  const fetch = async (
    input: URL,
    init: { method: string; headers: Record<string, string>; body: string },
  ) => {
    const url = new URL(input);
    const { headers, body } = init;
    received.push({ url: url.href, headers, body });
    const verdict = await verifyIamRequest(
      {
        method: init.method,
        target: `${url.pathname}${url.search}`,
        rawHeaders: Object.entries(headers).flat(),
        body: Buffer.from(body),
      },
      { credentials: LOCAL_CREDENTIALS, accountId: '000000000000', region },
      new Date(),
    );
    signatures.push(verdict.ok);
    const next = answers.shift() ?? new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch: fetch as unknown as typeof globalThis.fetch, received, signatures };
};

const answered = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const accepted = (events: readonly PublishedEvent[]) => answered(202, { correlationId: 'c-1', events });

const anEvent = (overrides: Partial<DomainEvent> = {}): DomainEvent => ({
  type: 'order.paid',
  entity: { kind: 'order', id: 'ord_1' },
  data: { amount: 1 },
  ...overrides,
});

const sentEvents = (request: Received | undefined) =>
  (JSON.parse(request?.body ?? '{}') as { events: DomainEvent[] }).events;

const options = (api: ReturnType<typeof aProducerApi>, overrides: Record<string, unknown> = {}) => ({
  url: URL_,
  credentials: CREDENTIALS,
  fetch: api.fetch,
  sleep: () => Promise.resolve(),
  newKey: () => 'generated-1',
  ...overrides,
});

describe('publishEvents', () => {
  it('spells out the contract: its event and answer types are the contract’s', () => {
    const event: Same<DomainEvent, DomainEventInput> = true;
    const answer: Same<PublishedEvent, ContractPublishedEvent> = true;

    expect([event, answer]).toEqual([true, true]);
  });

  it('signs for execute-api in the region of the URL, so that IAM authorization accepts the request', async () => {
    const api = aProducerApi([accepted([])]);

    await publishEvents(anEvent(), options(api));

    expect(api.signatures).toEqual([true]);
    expect(api.received[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
  });

  it('settles every key before sending and returns each event with its outcome', async () => {
    const events: PublishedEvent[] = [
      { index: 0, idempotencyKey: 'mine', eventId: 'ev_1', outcome: 'accepted' },
      { index: 1, idempotencyKey: 'generated-1', eventId: 'ev_2', outcome: 'accepted' },
    ];
    const api = aProducerApi([accepted(events)]);

    const result = await publishEvents([anEvent({ idempotencyKey: 'mine' }), anEvent()], options(api));

    expect(result).toEqual({ status: 202, correlationId: 'c-1', events });
    expect(sentEvents(api.received[0]).map((e) => e.idempotencyKey)).toEqual(['mine', 'generated-1']);
  });

  it('retries a 503, a throttle and a network failure with the same keys, signed again each time', async () => {
    const delays: number[] = [];
    const api = aProducerApi([
      answered(503, { message: 'Temporarily unavailable; please retry.' }),
      new TypeError('fetch failed'),
      answered(429, { message: 'Too Many Requests' }),
      answered(200, { correlationId: 'c-2', events: [] }),
    ]);

    const result = await publishEvents(
      anEvent(),
      options(api, {
        maxAttempts: 4,
        random: () => 1,
        sleep: (ms: number) => {
          delays.push(ms);
          return Promise.resolve();
        },
      }),
    );

    expect(result.status).toBe(200);
    expect(new Set(api.received.map((r) => r.body)).size).toBe(1);
    expect(api.signatures).toEqual([true, true, true, true]);
    expect(delays).toEqual([200, 400, 800]);
  });

  it.each([400, 403, 404, 413])('does not retry a %i: the stack refused the publish', async (status) => {
    const api = aProducerApi([answered(status, { message: 'no' }), accepted([])]);

    const failure = publishEvents(anEvent(), options(api));

    await expect(failure).rejects.toThrow(
      new PublishError(`the producer API answered ${status}: no`, status),
    );
    expect(api.received).toHaveLength(1);
  });

  it("names each event's reason when every event was refused", async () => {
    const refused: PublishedEvent[] = [
      { index: 0, idempotencyKey: 'k', outcome: 'rejected', error: 'type: bad' },
    ];
    const api = aProducerApi([answered(400, { correlationId: 'c', events: refused })]);

    const error = (await publishEvents(anEvent(), options(api)).catch((e: unknown) => e)) as PublishError;

    expect(error.message).toBe('the producer API answered 400: type: bad');
    expect(error.events).toEqual(refused);
  });

  it('gives up after its attempts, saying what the last one met', async () => {
    const api = aProducerApi([new TypeError('fetch failed'), new TypeError('fetch failed')]);

    await expect(publishEvents(anEvent(), options(api, { maxAttempts: 2 }))).rejects.toThrow(
      'could not reach https://abcde12345.execute-api.eu-west-1.amazonaws.com: fetch failed (after 2 attempts)',
    );
  });

  it("publishes for a tenant at the tenant's path", async () => {
    const api = aProducerApi([accepted([])]);

    await publishEvents(anEvent(), options(api, { tenant: 'acme' }));

    expect(api.received[0]?.url).toBe(`${URL_}/acme`);
    expect(api.signatures).toEqual([true]);
  });

  it('asks for a region when the URL does not name one', async () => {
    const api = aProducerApi([accepted([])]);
    const { AWS_REGION, AWS_DEFAULT_REGION } = process.env;
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      await expect(
        publishEvents(anEvent(), options(api, { url: 'https://events.example.com/events' })),
      ).rejects.toThrow(/No region to sign for/);
    } finally {
      if (AWS_REGION !== undefined) process.env.AWS_REGION = AWS_REGION;
      if (AWS_DEFAULT_REGION !== undefined) process.env.AWS_DEFAULT_REGION = AWS_DEFAULT_REGION;
    }
  });
});
