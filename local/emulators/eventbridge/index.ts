import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { matchesPattern, validatePattern, type EventPattern } from './pattern';
import { AwsError, serveAwsJson, type AwsJsonProtocol } from '../aws-json';
import { FaultHooks } from '../fault-schedule';
import type { RunningEmulator } from '../loopback';

export { InvalidEventPatternError, matchesPattern, type EventPattern } from './pattern';

/**
 * EventBridge emulator: `PutEvents` over the AWS JSON 1.1 protocol (`X-Amz-Target:
 * AWSEvents.PutEvents`), event buses, and rules registered in process whose targets are
 * functions called with each matching event after PutEvents has answered, as EventBridge
 * delivers asynchronously.
 */

const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';
const DEFAULT_BUS = 'default';
const MAX_ENTRIES = 10;
/** PutEvents limit on the summed entry sizes of one request ("Calculating PutEvents event entry size"). */
export const MAX_REQUEST_ENTRY_BYTES = 256 * 1024;

const PROTOCOL: AwsJsonProtocol = {
  service: 'EventBridge',
  targetPrefix: 'AWSEvents.',
  version: '1.1',
  internalError: 'InternalException',
};

/** An event as EventBridge hands it to a rule's targets. */
export interface EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

export interface RuleDefinition {
  readonly name: string;
  /** @default 'default' */
  readonly busName?: string;
  readonly eventPattern: EventPattern;
  readonly targets: (event: EventBridgeEvent) => Promise<void>;
}

export interface FailedDelivery {
  readonly rule: string;
  readonly eventId: string;
  readonly error: unknown;
}

const PutEventsInput = z.object({
  Entries: z.array(
    z.object({
      Source: z.string().optional(),
      DetailType: z.string().optional(),
      Detail: z.string().optional(),
      EventBusName: z.string().optional(),
      Resources: z.array(z.string()).optional(),
      // On the wire a timestamp is epoch seconds; in process it may be a Date.
      Time: z.union([z.number(), z.date()]).optional(),
      TraceHeader: z.string().optional(),
    }),
  ),
  EndpointId: z.string().optional(),
});
export type PutEventsInput = z.input<typeof PutEventsInput>;
type PutEventsEntry = z.output<typeof PutEventsInput>['Entries'][number];

export interface PutEventsResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export interface PutEventsOutput {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

interface Rule {
  readonly name: string;
  readonly busName: string;
  readonly eventPattern: EventPattern;
  readonly targets: (event: EventBridgeEvent) => Promise<void>;
}

function utf8Length(text: string | undefined): number {
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}

function entrySize(entry: PutEventsEntry): number {
  return (
    (entry.Time !== undefined ? 14 : 0) +
    utf8Length(entry.Source) +
    utf8Length(entry.DetailType) +
    utf8Length(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + utf8Length(resource), 0)
  );
}

function busNameOf(nameOrArn: string | undefined): string {
  if (nameOrArn === undefined || nameOrArn === '') return DEFAULT_BUS;
  const arn = /^arn:aws:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return arn?.[1] ?? nameOrArn;
}

function isoSeconds(date: Date): string {
  // EventBridge event times carry whole seconds.
  return `${date.toISOString().slice(0, 19)}Z`;
}

function parseDetail(detail: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(detail);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export class EventBridgeEmulator extends FaultHooks {
  private readonly buses = new Map<string, EventBridgeEvent[]>([[DEFAULT_BUS, []]]);
  private readonly rules = new Map<string, Rule>();
  private readonly pending = new Set<Promise<void>>();
  private readonly failures: FailedDelivery[] = [];

  createEventBus(input: { Name: string }): { EventBusArn: string } {
    if (this.buses.has(input.Name))
      throw new AwsError('ResourceAlreadyExistsException', `Event bus ${input.Name} already exists.`);
    this.buses.set(input.Name, []);
    return { EventBusArn: this.busArn(input.Name) };
  }

  /** Registers a rule whose targets receive every later event on its bus that matches its pattern. */
  addRule(definition: RuleDefinition): { RuleArn: string } {
    const busName = definition.busName ?? DEFAULT_BUS;
    if (!this.buses.has(busName))
      throw new AwsError('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
    validatePattern(definition.eventPattern);
    this.rules.set(`${busName}/${definition.name}`, { ...definition, busName });
    const path = busName === DEFAULT_BUS ? definition.name : `${busName}/${definition.name}`;
    return { RuleArn: `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/${path}` };
  }

  putEvents(input: PutEventsInput): PutEventsOutput {
    const parsed = PutEventsInput.safeParse(input);
    if (!parsed.success)
      throw new AwsError('ValidationException', parsed.error.issues.map((issue) => issue.message).join('; '));
    const entries = parsed.data.Entries;
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      );
    }
    if (entries.reduce((sum, entry) => sum + entrySize(entry), 0) > MAX_REQUEST_ENTRY_BYTES) {
      throw new AwsError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }
    const results = entries.map((entry) => this.accept(entry));
    return {
      FailedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length,
      Entries: results,
    };
  }

  /** Events accepted on a bus (every bus when omitted), oldest first. */
  events(busName?: string): EventBridgeEvent[] {
    if (busName !== undefined) return [...(this.buses.get(busNameOf(busName)) ?? [])];
    return [...this.buses.values()].flat();
  }

  /** Target invocations that threw, with the error. */
  failedDeliveries(): FailedDelivery[] {
    return [...this.failures];
  }

  /** Resolves once every target invocation started so far has settled. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  start(options: { port?: number } = {}): Promise<RunningEmulator> {
    return serveAwsJson(
      PROTOCOL,
      { PutEvents: (input) => this.putEvents(input as PutEventsInput) },
      this.faults,
      options.port,
    );
  }

  private busArn(name: string): string {
    return `arn:aws:events:${REGION}:${ACCOUNT_ID}:event-bus/${name}`;
  }

  private accept(entry: PutEventsEntry): PutEventsResultEntry {
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      if (entry[field] === undefined || entry[field] === '') {
        return {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
        };
      }
    }
    const detail = parseDetail(entry.Detail ?? '');
    if (!detail) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const busName = busNameOf(entry.EventBusName);
    const bus = this.buses.get(busName);
    if (!bus)
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };

    const time =
      entry.Time === undefined
        ? new Date()
        : entry.Time instanceof Date
          ? entry.Time
          : new Date(entry.Time * 1000);
    const event: EventBridgeEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType ?? '',
      source: entry.Source ?? '',
      account: ACCOUNT_ID,
      time: isoSeconds(time),
      region: REGION,
      resources: entry.Resources ?? [],
      detail,
    };
    bus.push(event);
    for (const rule of this.rules.values()) {
      if (rule.busName === busName && matchesPattern(rule.eventPattern, event)) this.deliver(rule, event);
    }
    return { EventId: event.id };
  }

  private deliver(rule: Rule, event: EventBridgeEvent): void {
    // Targets run after PutEvents answers, never inside the caller's request.
    const delivery = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => rule.targets(structuredClone(event)))
      .catch((error: unknown) => {
        this.failures.push({ rule: rule.name, eventId: event.id, error });
      })
      .finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }
}
