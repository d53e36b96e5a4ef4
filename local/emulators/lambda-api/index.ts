import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AwsError } from '../aws-json';
import { FaultHooks } from '../fault-schedule';
import type { RunningEmulator } from '../loopback';
import { RestJsonAnswer, serveRestJson, type RestJsonRoute } from '../rest-json';
import type { InvokeOutcome } from '../../lambda/types';

/**
 * Lambda API emulator: the event source mapping actions `relayflow doctor` uses
 * (ListEventSourceMappings, GetEventSourceMapping) and UpdateEventSourceMapping's `Enabled`,
 * which really starts or stops the runtime's poller, and the synchronous Invoke that
 * `relayflow reconcile run` makes, over Lambda's REST-JSON protocol
 * (https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html). The runtime's own callers
 * (pollers, Scheduler, Step Functions) invoke functions in process, not through here.
 */

const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';
const BASE = '/2015-03-31/event-source-mappings';
const INVOCATIONS = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const DEFAULT_PAGE = 100;

/** What a mapping's UpdateEventSourceMapping acts on: the runtime's poller of its queue. */
export interface Poller {
  readonly running: boolean;
  start(): void;
  /** Resolves once every batch already received has been invoked and settled. */
  stop(): Promise<void>;
}

export interface EventSourceMappingDefinition {
  /** What `Ref` gives the mapping in the template, as the stack's outputs name it. */
  readonly uuid: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly eventSourceArn: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly maximumConcurrency?: number;
  readonly functionResponseTypes: readonly string[];
  readonly poller: Poller;
}

interface Mapping extends EventSourceMappingDefinition {
  lastModified: Date;
  /** The poller's stop, while it winds down (the mapping is Disabling until it settles). */
  stopping?: Promise<void>;
}

const ListInput = z.strictObject({
  FunctionName: z.string().min(1).optional(),
  EventSourceArn: z.string().min(1).optional(),
  Marker: z.string().regex(/^\d+$/).optional(),
  MaxItems: z.coerce.number().int().min(1).max(10_000).optional(),
});
/** Only `Enabled` can be changed here: the other settings are the template's, fixed for the run. */
const UpdateInput = z.strictObject({ Enabled: z.boolean().optional() });

export class LambdaApiEmulator extends FaultHooks {
  private readonly mappings = new Map<string, Mapping>();

  constructor(
    private readonly options: {
      readonly now?: () => Date;
      /** Runs a function synchronously (the runtime's LambdaService): what Invoke serves. */
      readonly invoke?: (functionName: string, event: unknown) => Promise<InvokeOutcome>;
    } = {},
  ) {
    super();
  }

  /**
   * Invoke, RequestResponse: the handler's result as the body; a function error answered 200
   * with `X-Amz-Function-Error: Unhandled` and Lambda's error document; a refusal before any code
   * ran (unknown function, throttle) as the service error it is.
   */
  async invokeFunction(functionName: string, event: unknown): Promise<RestJsonAnswer> {
    if (!this.options.invoke)
      throw new AwsError('ServiceException', 'This Lambda API emulator runs no functions.', 500);
    const outcome = await this.options.invoke(functionName, event);
    const version = { 'X-Amz-Executed-Version': '$LATEST' };
    if (!('error' in outcome)) return new RestJsonAnswer(outcome.result ?? null, version);
    if (outcome.kind === 'service')
      throw new AwsError(outcome.error.errorType, outcome.error.errorMessage, outcome.statusCode ?? 500);
    return new RestJsonAnswer(outcome.error, { ...version, 'X-Amz-Function-Error': 'Unhandled' });
  }

  registerEventSourceMapping(definition: EventSourceMappingDefinition): void {
    this.mappings.set(definition.uuid, { ...definition, lastModified: this.now() });
  }

  /** The mappings, filtered by function (name or ARN) and event source, a page at a time. */
  listEventSourceMappings(input: unknown) {
    const request = parse(ListInput, input);
    const matching = [...this.mappings.values()].filter(
      (m) =>
        (!request.FunctionName ||
          request.FunctionName === m.functionName ||
          request.FunctionName === m.functionArn) &&
        (!request.EventSourceArn || request.EventSourceArn === m.eventSourceArn),
    );
    const start = Number(request.Marker ?? 0);
    const size = request.MaxItems ?? DEFAULT_PAGE;
    return {
      EventSourceMappings: matching.slice(start, start + size).map((m) => this.describe(m)),
      ...(start + size < matching.length ? { NextMarker: String(start + size) } : {}),
    };
  }

  getEventSourceMapping(uuid: string) {
    return this.describe(this.mapping(uuid));
  }

  /**
   * Starts or stops the mapping's poller. A stopping mapping is Disabling until the batches it
   * holds are settled, then Disabled; a started one polls at once.
   */
  updateEventSourceMapping(uuid: string, input: unknown) {
    const mapping = this.mapping(uuid);
    const request = parse(UpdateInput, input);
    if (mapping.stopping) {
      throw new AwsError(
        'ResourceInUseException',
        `Cannot update the event source mapping ${uuid}: it is being disabled.`,
      );
    }
    if (request.Enabled === false && mapping.poller.running) {
      const stopping = mapping.poller.stop().finally(() => {
        mapping.stopping = undefined;
      });
      mapping.stopping = stopping;
    }
    if (request.Enabled === true) mapping.poller.start();
    mapping.lastModified = this.now();
    return this.describe(mapping);
  }

  start(options: { port?: number } = {}): Promise<RunningEmulator> {
    return serveRestJson(
      {
        service: 'Lambda',
        route: (method, path) => this.route(method, path),
        internalError: 'ServiceException',
        throttle: (code) => new AwsError(code ?? 'TooManyRequestsException', 'Rate exceeded', 429),
        errorBody: (error) => ({ Type: error.status >= 500 ? 'Service' : 'User', message: error.message }),
        invalidBody: new AwsError('InvalidRequestContentException', 'Could not parse request body into json'),
      },
      this.faults,
      options.port,
    );
  }

  private route(method: string, path: string): RestJsonRoute | undefined {
    const invocation = INVOCATIONS.exec(path);
    if (invocation) {
      const name = decodeURIComponent(invocation[1] ?? '');
      return method === 'POST'
        ? { action: 'Invoke', run: ({ body }) => this.invokeFunction(name, body) }
        : undefined;
    }
    if (path === BASE || path === `${BASE}/`) {
      return method === 'GET'
        ? {
            action: 'ListEventSourceMappings',
            run: ({ query }) => this.listEventSourceMappings(Object.fromEntries(query)),
          }
        : undefined;
    }
    const uuid = path.startsWith(`${BASE}/`) ? decodeURIComponent(path.slice(BASE.length + 1)) : '';
    if (!uuid || uuid.includes('/')) return undefined;
    if (method === 'GET')
      return { action: 'GetEventSourceMapping', run: () => this.getEventSourceMapping(uuid) };
    if (method === 'PUT') {
      return {
        action: 'UpdateEventSourceMapping',
        run: ({ body }) => this.updateEventSourceMapping(uuid, body),
        // Lambda answers an update 202 Accepted: the mapping changes state after the answer.
        status: 202,
      };
    }
    return undefined;
  }

  private mapping(uuid: string): Mapping {
    const mapping = this.mappings.get(uuid);
    if (!mapping) {
      throw new AwsError(
        'ResourceNotFoundException',
        `The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: ${randomUUID()})`,
        404,
      );
    }
    return mapping;
  }

  private describe(mapping: Mapping) {
    return {
      UUID: mapping.uuid,
      EventSourceMappingArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:event-source-mapping:${mapping.uuid}`,
      EventSourceArn: mapping.eventSourceArn,
      FunctionArn: mapping.functionArn,
      BatchSize: mapping.batchSize,
      MaximumBatchingWindowInSeconds: mapping.maximumBatchingWindowSeconds,
      FunctionResponseTypes: [...mapping.functionResponseTypes],
      ...(mapping.maximumConcurrency === undefined
        ? {}
        : { ScalingConfig: { MaximumConcurrency: mapping.maximumConcurrency } }),
      // REST-JSON carries timestamps as epoch seconds.
      LastModified: mapping.lastModified.getTime() / 1000,
      State: mapping.stopping ? 'Disabling' : mapping.poller.running ? 'Enabled' : 'Disabled',
      StateTransitionReason: 'USER_INITIATED',
    };
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const detail = result.error.issues.map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`);
  throw new AwsError('InvalidParameterValueException', detail.join('; '));
}
