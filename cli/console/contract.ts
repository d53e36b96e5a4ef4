/*
 * The console's HTTP API (docs/console.md): what the server (cli/console/server.ts) answers and
 * the UI (cli/console/ui) reads. Types only, so the UI bundle imports nothing of the server.
 *
 * Every request carries the session token: the `relayflow_console` cookie, or the
 * `x-relayflow-token` header; state-changing calls are POSTs and need the header (a cookie alone
 * is what a cross-site form would send). Errors answer `{ error: string }` with 4xx/5xx.
 */
import type { MessageRecord } from '../../functions/channels/message-store';
import type { Pause } from '../../functions/flow/pauses';
import type { Plan, Summary } from '../../functions/replay/state';
import type { AuditEntry, EventStatus } from '../../functions/store/records';

export const TOKEN_COOKIE = 'relayflow_console';
export const TOKEN_HEADER = 'x-relayflow-token';

export interface ApiError {
  readonly error: string;
}

/** GET /api/session: which stack the console shows, and whether it is reachable. */
export interface SessionAnswer {
  readonly stack: string;
  readonly local: boolean;
  readonly region: string;
  /** False when the stack is not deployed (or the local runtime is not running): `problem` says why. */
  readonly connected: boolean;
  readonly problem?: string;
  /** What the filters offer: the stack's providers, tenants, channels and targets. */
  readonly providers: readonly string[];
  readonly tenants: readonly string[];
  readonly channels: readonly string[];
  readonly targets: readonly string[];
}

export const WINDOWS = ['15m', '1h', '6h', '24h', '7d'] as const;
export type Window = (typeof WINDOWS)[number];

/** One point of a series: the window is cut into equal buckets, `t` is a bucket's start (epoch ms). */
export interface Point {
  readonly t: number;
  readonly v: number;
}

export interface QueueHealth {
  readonly visible: number;
  readonly inFlight: number;
  /** Age of the oldest message, seconds; undefined when the queue is empty. */
  readonly oldestAgeSeconds?: number;
}

/** What GET /api/overview asks for: a window, and at most one slice of the stack (or none). */
export interface OverviewQuery {
  readonly window: Window;
  readonly tenant?: string;
  readonly provider?: string;
  readonly channel?: string;
  readonly target?: string;
}

/**
 * GET /api/overview?window=1h[&tenant=][&provider=][&channel=][&target=]: live health over the
 * window, for the whole stack or one slice of it.
 */
export interface OverviewAnswer {
  readonly window: Window;
  readonly bucketSeconds: number;
  readonly series: {
    readonly received: readonly Point[];
    readonly processed: readonly Point[];
    readonly failed: readonly Point[];
    readonly retried: readonly Point[];
  };
  readonly totals: {
    readonly received: number;
    readonly processed: number;
    readonly failed: number;
    readonly retried: number;
  };
  /** retried ÷ processed over the window (0 when nothing was processed). */
  readonly retryRate: number;
  readonly queues: { readonly main: QueueHealth; readonly deadLetter: QueueHealth };
  /** Replays that started in the window, newest first. */
  readonly replays: readonly ReplayRun[];
  /** Per channel adapter: messages by status in the window. */
  readonly channels: readonly {
    readonly via: string;
    readonly channel: string;
    readonly counts: Readonly<Record<string, number>>;
  }[];
  /** Per target: delivered and failed in the window, and whether it is disabled (a pause). */
  readonly targets: readonly {
    readonly target: string;
    readonly delivered: number;
    readonly failed: number;
    readonly disabled: boolean;
  }[];
  readonly pauses: readonly Pause[];
  /** What the answer could not slice or measure (a slice with no such dimension), in words for the page. */
  readonly notes?: readonly string[];
}

/** One event as a search lists it. */
export interface EventSummary {
  readonly eventId: string;
  readonly correlationId: string;
  readonly tenant: string;
  readonly provider: string;
  readonly type: string;
  readonly entity: string;
  readonly status: EventStatus;
  readonly receivedAt: string;
  readonly statusAt: string;
  readonly attempts: number;
  readonly lastError?: string;
}

/**
 * GET /api/events?[id=][&correlationId=][&entity=kind:id][&type=][&provider=][&tenant=]
 * [&status=S1,S2][&since=ISO][&until=ISO][&field=data.path][&value=v][&cursor=][&limit=50]:
 * a page of events, newest first. `id` finds by our event id or the provider's.
 */
export interface EventsAnswer {
  readonly items: readonly EventSummary[];
  /** Pass back as `cursor` for the next page; absent on the last. */
  readonly next?: string;
  /** Index entries read to fill the page: searches by payload field walk the store and say so. */
  readonly scanned: number;
}

/** GET /api/events/:id: everything about one event. 404 `{ error }` when there is no such event. */
export interface EventDetailAnswer {
  readonly event: EventSummary & {
    readonly idempotencyKey: string;
    readonly externalId: string;
    readonly providerType: string;
    readonly occurredAt?: string;
    readonly heldBy?: string;
  };
  /** Every audit entry, oldest first. */
  readonly timeline: readonly AuditEntry[];
  /** The request as received: headers and body, redacted with the logs' rules. */
  readonly raw?: {
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
    readonly truncated: boolean;
  };
  /** The normalized IntegrationEvent, redacted the same way. */
  readonly normalized?: Readonly<Record<string, unknown>>;
  /** Why the event is QUARANTINED, when it is (no normalized event then). */
  readonly quarantineReason?: string;
  /** Messages the event caused. */
  readonly messages: readonly MessageRecord[];
}

/** A group of the DLQ inbox. */
export interface DeadLetterGroup {
  readonly errorClass: string;
  readonly provider: string;
  readonly entity: string;
  readonly count: number;
  readonly latest: string;
  readonly example: string;
  readonly eventIds: readonly string[];
}

/** GET /api/dead-letters: dead-lettered and quarantined events, grouped. */
export interface DeadLettersAnswer {
  readonly depth: QueueHealth;
  readonly groups: readonly DeadLetterGroup[];
  /** Events read to build the groups (capped). */
  readonly scanned: number;
}

/**
 * POST /api/replay/plan and POST /api/replay: a selection, as `relayflow replay` takes it. `plan`
 * answers {@link PlanAnswer} and changes nothing; `replay` starts the state machine and answers
 * {@link ReplayStarted}. `force` and `renormalize` need `confirm: true`.
 */
export interface ReplaySelection {
  readonly eventIds?: readonly string[];
  readonly source?: 'dlq' | 'store';
  readonly statuses?: readonly string[];
  readonly provider?: string;
  readonly tenant?: string;
  readonly type?: string;
  readonly entity?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly force?: boolean;
  readonly renormalize?: boolean;
  readonly confirm?: boolean;
  /** Why: written to every replayed event's audit timeline. Required to replay (3 to 500 characters); a plan may leave it out. */
  readonly reason?: string;
  /** Events per second (default 10, at most 100). */
  readonly ratePerSecond?: number;
}

export interface PlanAnswer {
  readonly plan: Plan;
}

export interface ReplayStarted {
  readonly executionId: string;
}

/** GET /api/replay/:executionId: live progress, then the outcome per event. */
export interface ReplayRun {
  readonly executionId: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
  readonly startedAt: string;
  readonly stoppedAt?: string;
  readonly plan?: Plan;
  readonly summary?: Summary;
  /** Why the execution did not succeed, when it failed, timed out or was aborted. */
  readonly error?: string;
  /** Each selected event's status now, once known. */
  readonly outcomes?: readonly { readonly eventId: string; readonly status: EventStatus }[];
}

/** GET /api/pauses: active pauses; POST /api/pauses { scope, id, reason } pauses; POST /api/resume { scope, id, reason, rate? } resumes. */
export interface PausesAnswer {
  readonly pauses: readonly Pause[];
}

/** What POST /api/pauses and POST /api/resume answer: the pause as stored (`resuming` while a resume releases). */
export interface PauseAnswer {
  readonly pause: Pause;
}

export interface PauseRequest {
  readonly scope: Pause['scope'];
  readonly id: string;
  /** Required: an operator's reason goes into the audit. */
  readonly reason: string;
  /** Resume only: events released per second. */
  readonly rate?: number;
}
