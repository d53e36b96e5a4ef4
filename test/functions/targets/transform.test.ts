import { noMessageDelivery } from '../../helpers/no-channels';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import jsonata from 'jsonata';
import { resolveRoutes, RoutesSchema, type Target } from '#shared/routing/routes';
import { TargetError } from '#shared/targets/errors';
import { EventBridgeDelivery } from '#shared/targets/eventbridge';
import { HttpDelivery, signerFor } from '#shared/targets/http';
import { Deliveries } from '#shared/targets/index';
import { Transforms, transformProblem } from '#shared/targets/transform';
import type { DeliveryContext } from '#shared/targets/types';
import { WorkflowDelivery } from '#shared/targets/workflow';
import { aRecordingLimiter } from '../../helpers/limiter';
import { anIntegrationEvent } from '../../helpers/sqs-events';

const client = new EventBridgeClient({ region: 'us-east-1' });
const eventBridge = mockClient(client);
const SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;

const ctx: DeliveryContext = {
  idempotencyKey: 'rf_0123456789abcdef',
  correlationId: 'corr-transform-1234',
  logger: new Logger({ logLevel: 'SILENT' }),
  rawBody: () => Promise.resolve(Buffer.alloc(0)),
};

const aTarget = (target: Record<string, unknown>): Target =>
  resolveRoutes(RoutesSchema.parse([{ match: { type: '*' }, targets: [target] }]), new Set()).routes[0]
    ?.targets[0] as Target;

/** Deliveries whose http target answers 204 and records each body it was sent. */
const deliveriesSending = (bodies: string[], transforms = new Transforms()) =>
  new Deliveries(
    {
      http: new HttpDelivery({
        signer: () => Promise.resolve(signerFor([SECRET])),
        limiter: aRecordingLimiter().limiter,
        fetch: (_url, init) => {
          bodies.push(typeof init?.body === 'string' ? init.body : '');
          return Promise.resolve(new Response(null, { status: 204 }));
        },
      }),
      eventbridge: new EventBridgeDelivery(client),
      workflow: new WorkflowDelivery(new Map(), {
        records: { completedSteps: () => Promise.reject(new Error('unused')) } as never,
        audit: { append: () => Promise.resolve() } as never,
        publisher: { publish: () => Promise.reject(new Error('unused')) },
        now: () => new Date(),
      }),
      message: noMessageDelivery(),
    },
    transforms,
  );

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as TargetError,
  );

const event = anIntegrationEvent({ type: 'payment.succeeded', data: { amount: 1200, currency: 'eur' } });

afterEach(() => eventBridge.reset());

describe('target transforms', () => {
  it('sends the transformed body to an http target', async () => {
    const bodies: string[] = [];
    const target = aTarget({
      kind: 'http',
      url: 'https://x.example.com/hook',
      transform: '{ "amount": data.amount / 100, "kind": type }',
    });

    await deliveriesSending(bodies).deliver(target, event, ctx);

    expect(bodies.map((b) => JSON.parse(b) as unknown)).toEqual([{ amount: 12, kind: 'payment.succeeded' }]);
  });

  it('puts the transformed detail on EventBridge', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const target = aTarget({ kind: 'eventbridge', transform: '{ "id": id, "currency": data.currency }' });

    await deliveriesSending([]).deliver(target, event, ctx);

    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(JSON.parse(entry?.Detail ?? '')).toEqual({ id: event.id, currency: 'eur' });
  });

  it('fails permanently with the expression’s message when a transform throws at run time', async () => {
    const bodies: string[] = [];
    const target = aTarget({
      kind: 'http',
      url: 'https://x.example.com/hook',
      transform: '$error("no plan")',
    });

    const error = await failureOf(deliveriesSending(bodies).deliver(target, event, ctx));

    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({
      errorClass: 'transform-failed',
      retryable: false,
      message: 'transform failed: no plan',
    });
    expect(bodies).toEqual([]);
  });

  it('fails permanently when a transform yields nothing', async () => {
    const target = aTarget({ kind: 'http', url: 'https://x.example.com/hook', transform: 'data.missing' });

    const error = await failureOf(deliveriesSending([]).deliver(target, event, ctx));

    expect(error).toMatchObject({ errorClass: 'transform-failed', retryable: false });
  });

  it('refuses before the call an EventBridge detail that is not an object', async () => {
    const target = aTarget({ kind: 'eventbridge', transform: 'data.amount' });

    const error = await failureOf(deliveriesSending([]).deliver(target, event, ctx));

    expect(error).toMatchObject({
      errorClass: 'invalid-request',
      retryable: false,
      message: 'EventBridge takes a JSON object as detail; the transform yielded number',
    });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('refuses before the call a body JSON cannot hold', async () => {
    const bodies: string[] = [];
    const target = aTarget({
      kind: 'http',
      url: 'https://x.example.com/hook',
      transform: 'function($x) { $x }',
    });

    const error = await failureOf(deliveriesSending(bodies).deliver(target, event, ctx));

    expect(error).toMatchObject({ errorClass: 'invalid-request', retryable: false });
    expect(bodies).toEqual([]);
  });

  it('loads jsonata only for a target with a transform, once, and compiles each expression once', async () => {
    const load = jest.fn(() => Promise.resolve(jsonata));
    const transforms = new Transforms(load);
    const deliveries = deliveriesSending([], transforms);

    await deliveries.deliver(aTarget({ kind: 'http', url: 'https://x.example.com/a' }), event, ctx);
    expect(load).not.toHaveBeenCalled();

    const target = aTarget({ kind: 'http', url: 'https://x.example.com/b', transform: 'id' });
    await deliveries.deliver(target, event, ctx);
    await deliveries.deliver(target, event, ctx);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('names what does not compile', () => {
    expect(transformProblem(jsonata, '{ "a": }')).toMatch(
      /^is not a JSONata expression: .+ at character \d+$/,
    );
    expect(transformProblem(jsonata, 'data.amount * 2')).toBeUndefined();
  });
});
