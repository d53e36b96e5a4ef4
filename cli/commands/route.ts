import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  IntegrationEventSchema,
  SPEC_VERSION,
  type IntegrationEvent,
} from '../../functions/contract/integration-event';
import { contentOf, messageIdOf, renderMessage, RenderError } from '../../functions/channels/render';
import { templates } from '../../functions/channels/templates/index';
import { readIdPath } from '../../functions/json/path';
import { INTERNAL_PROVIDER_ID } from '../../functions/providers/internal/index';
import { resolveProvider } from '../../functions/providers/registry';
import { formatIssue } from '../../functions/providers/types';
import { describeFilter } from '../../functions/routing/filters';
import { matchResult, resolveRoutes, Router, type Route } from '../../functions/routing/routes';
import { EventStore } from '../../functions/store/event-store';
import { eventIdOf, idempotencyKeyOf } from '../../functions/store/records';
import { downstreamKeyOf } from '../../functions/targets/index';
import { TargetError } from '../../functions/targets/errors';
import { messagePlanOf, planDelivery, type DeliveryPlan } from '../../functions/targets/plan';
import { Transforms } from '../../functions/targets/transform';
import { validatePayload } from '../../functions/targets/validate';
import { workflowCatalog, workflowNames } from '../../functions/workflows/index';
import type { RelayFlowConfig } from '../../lib/config';
import { CliError } from '../environment';
import { json } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';
import { loadRequest, resolvedFor } from './send';

/** Where a provider's own fixtures live: the path names the provider. */
const PROVIDER_FIXTURE = /functions[/\\]providers[/\\]([^/\\]+)[/\\]fixtures[/\\]/;

/** The correlation id of an event built from a fixture: it was never received. */
const TEST_CORRELATION_ID = 'route-test';

/** Where an event would go: the route it takes, each target's rendered request, in order. */
export interface RouteTest {
  readonly event: Pick<IntegrationEvent, 'id' | 'tenant' | 'provider' | 'type' | 'entity'>;
  /** The route that fires (first match wins), or none: the event would be PROCESSED `unrouted`. */
  readonly route?: Pick<Route, 'index' | 'match' | 'mode' | 'onStale'>;
  /** `refused`: its transform fails or its request could never succeed; the consumer would dead-letter the event. */
  readonly targets: readonly (
    | (DeliveryPlan & { readonly mode: 'live' | 'dry-run' })
    | {
        readonly kind: 'refused';
        readonly targetId: string;
        readonly reason: string;
        readonly mode: 'live' | 'dry-run';
      }
  )[];
  /** Later routes that match too, and never run for it. */
  readonly shadowed: readonly number[];
  /** The routes before the one that fires (all of them when none does), and why each did not match. */
  readonly skipped: readonly { readonly route: number; readonly why: string }[];
  /**
   * For each type a workflow of the route may emit, the route that would take it. `filtered`:
   * earlier routes whose filter decides on the emitted event's data, unknown until it is emitted.
   */
  readonly emitted: readonly {
    readonly type: string;
    readonly route?: number;
    readonly filtered?: readonly number[];
  }[];
}

/**
 * Routes an event as the consumer would, and renders what each target would be sent, with the
 * consumer's own router and the targets' own request building: nothing is called or written.
 */
export const testRoute = async (
  event: IntegrationEvent,
  routes: readonly Route[],
  at: Date,
  transforms: Transforms = new Transforms(),
): Promise<RouteTest> => {
  const router = new Router(routes);
  const route = router.match(event);
  const results = routes.map((r) => ({ route: r.index, result: matchResult(r.match, event) }));
  const matching = results.filter(({ result }) => result.matched).map(({ route: index }) => index);
  const skipped = results.flatMap(({ route: index, result }) =>
    !result.matched && (route === undefined || index < route.index)
      ? [{ route: index, why: result.why }]
      : [],
  );
  const emits = new Set(
    (route?.targets ?? []).flatMap((target) =>
      target.kind === 'workflow' ? (workflowCatalog.get(target.name)?.emits ?? []) : [],
    ),
  );
  return {
    event: {
      id: event.id,
      tenant: event.tenant,
      provider: event.provider,
      type: event.type,
      entity: event.entity,
    },
    ...(route
      ? { route: { index: route.index, match: route.match, mode: route.mode, onStale: route.onStale } }
      : {}),
    targets: await Promise.all(
      (route?.targets ?? []).map(async (target) => {
        const mode = target.mode ?? 'live';
        const idempotencyKey = downstreamKeyOf(event.id, target.id);
        if (target.kind === 'message') {
          const content = contentOf(target, templates);
          try {
            if (typeof content === 'string') throw new RenderError(content);
            const message = renderMessage(
              { channel: target.channel, via: target.via, to: target.to, content, metadata: target.metadata },
              event,
              { messageId: messageIdOf(idempotencyKey) },
            );
            return { ...messagePlanOf(target.id, message), mode };
          } catch (error) {
            if (!(error instanceof RenderError)) throw error;
            return { kind: 'refused' as const, targetId: target.id, reason: error.message, mode };
          }
        }
        let payload: unknown = event;
        if (target.kind !== 'workflow' && target.transform !== undefined) {
          try {
            payload = await transforms.payloadOf(target, event);
            validatePayload(target, payload);
          } catch (error) {
            if (!(error instanceof TargetError)) throw error;
            return { kind: 'refused' as const, targetId: target.id, reason: error.message, mode };
          }
        }
        const plan = planDelivery(
          target,
          event,
          {
            idempotencyKey,
            correlationId: event.correlationId,
            at,
            workflowOf: (name) => workflowCatalog.get(name),
          },
          payload,
        );
        return { ...plan, mode };
      }),
    ),
    shadowed: matching.filter((index) => index !== route?.index),
    skipped,
    emitted: [...emits].map((type) => {
      const emitted = { tenant: event.tenant, provider: INTERNAL_PROVIDER_ID, type };
      const next = new Router(routes.filter((r) => r.match.filter === undefined)).match(emitted);
      const filtered = routes
        .filter(
          (r) =>
            r.match.filter !== undefined &&
            (next === undefined || r.index < next.index) &&
            matchResult({ ...r.match, filter: undefined }, emitted).matched,
        )
        .map((r) => r.index);
      return { type, ...(next ? { route: next.index } : {}), ...(filtered.length ? { filtered } : {}) };
    }),
  };
};

const targetLines = (plan: RouteTest['targets'][number], position: number): string[] => {
  const heading = `  ${position}. ${plan.targetId} (${plan.kind}${plan.mode === 'dry-run' ? ', dry run: records this, sends nothing' : ''})`;
  switch (plan.kind) {
    case 'refused':
      return [
        heading,
        `     refused before any call (the consumer would dead-letter the event): ${plan.reason}`,
      ];
    case 'http':
      return [
        heading,
        `     ${plan.method} ${plan.url}`,
        ...Object.entries(plan.headers).map(([name, value]) => `     ${name}: ${value}`),
        `     body: sha256:${plan.bodySha256} (${plan.bodyBytes} bytes)`,
      ];
    case 'eventbridge':
      return [
        heading,
        `     PutEvents on ${plan.eventBusName}: source ${plan.source}, detail-type ${plan.detailType}, time ${plan.time}`,
        `     detail: sha256:${plan.detailSha256} (${plan.entryBytes} bytes)`,
      ];
    case 'message':
      return [
        heading,
        `     ${plan.channel} message ${plan.messageId} via ${plan.via} to ${plan.to}`,
        `     content: sha256:${plan.contentSha256} (${plan.contentBytes} bytes)`,
      ];
    case 'workflow':
      return [
        heading,
        plan.steps.length > 0
          ? `     steps: ${plan.steps.join(' → ')}`
          : `     steps: none: workflow ${plan.workflow} has no step for this type (the consumer would dead-letter it)`,
        ...(plan.emits.length > 0 ? [`     may emit: ${plan.emits.join(', ')}`] : []),
      ];
  }
};

/** The test as a person reads it. */
export const formatRouteTest = (test: RouteTest): string => {
  const { event, route } = test;
  const about = `Event ${event.id}: ${event.provider} ${event.type}, tenant ${event.tenant}, entity ${event.entity.kind}:${event.entity.id}`;
  const skipped = test.skipped.map((s) => `Route #${s.route} skipped: ${s.why}.`);
  if (!route)
    return [
      about,
      ...skipped,
      'No route matches: the consumer would mark it PROCESSED, outcome unrouted.',
    ].join('\n');
  const match = Object.entries(route.match)
    .map(([key, value]) =>
      key === 'filter' && route.match.filter
        ? `filter ${describeFilter(route.match.filter)}`
        : `${key} ${String(value)}`,
    )
    .join(', ');
  return [
    about,
    ...skipped,
    `Route #${route.index} fires (${match}${route.mode === 'dry-run' ? '; dry run' : ''}${route.onStale === 'skip' ? "; onStale: 'skip'" : ''}), its targets in order:`,
    ...test.targets.flatMap((plan, i) => targetLines(plan, i + 1)),
    ...test.emitted.map(
      (e) =>
        `Emitted ${e.type} would take ${e.filtered ? `${e.filtered.map((i) => `route #${i}`).join(', ')} if its filter holds, else ` : ''}${e.route === undefined ? 'no route (PROCESSED unrouted)' : `route #${e.route}`}.`,
    ),
    ...(test.shadowed.length > 0
      ? [
          `Also matching, never run for it (the first match wins): ${test.shadowed.map((i) => `route #${i}`).join(', ')}.`,
        ]
      : []),
  ].join('\n');
};

/** Builds the events a provider's fixture normalizes to, as the ingest would for `tenant`. */
const eventsFromFixture = async (
  deps: CliDependencies,
  config: RelayFlowConfig,
  provider: string,
  fixture: string,
  tenant: string,
  at: Date,
): Promise<IntegrationEvent[]> => {
  const enabled = config.enabledProviders.find((p) => p.id === provider);
  const resolved = enabled ? resolveProvider(enabled) : undefined;
  if (resolved && !resolved.success)
    throw new CliError(`${provider}: ${resolved.issues.map((issue) => formatIssue([], issue)).join('; ')}.`);
  const entry = resolved?.data ?? (await resolvedFor(deps, provider));
  const request = loadRequest(deps.projectRoot, provider, fixture);
  const items = entry.provider.normalize(
    {
      method: 'POST',
      url: `https://hooks.example.com/webhooks/${provider}`,
      path: `/webhooks/${provider}`,
      rawQueryString: '',
      headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
      body: request.body,
      sourceIp: '127.0.0.1',
    },
    entry.options,
  );
  const events = items.flatMap((item): IntegrationEvent[] => {
    if (item.kind !== 'event') return [];
    const { draft } = item;
    const idempotencyKey = idempotencyKeyOf(tenant, provider, draft.providerType, draft.externalId);
    const id = eventIdOf(idempotencyKey);
    const override = entry.entityOverride;
    const overridden = override ? readIdPath(draft.data, override.path) : undefined;
    return [
      {
        specVersion: SPEC_VERSION,
        id,
        idempotencyKey,
        tenant,
        provider,
        type: draft.type,
        providerType: draft.providerType,
        externalId: draft.externalId,
        entity:
          override && overridden
            ? { kind: override.kind, id: overridden }
            : (draft.entity ?? { kind: 'event', id }),
        occurredAt: draft.occurredAt ?? at.toISOString(),
        receivedAt: at.toISOString(),
        correlationId: TEST_CORRELATION_ID,
        data: draft.data,
      },
    ];
  });
  if (events.length === 0) {
    const reasons = items.flatMap((item) => (item.kind === 'unreadable' ? [item.reason] : []));
    throw new CliError(
      `${request.name} normalizes to no event${reasons.length ? `: ${reasons.join('; ')}` : ''} (it would be QUARANTINED).`,
    );
  }
  return events;
};

/** A canonical event written to a file (`relayflow events show --json` gives one), when the file holds one. */
const canonicalEventIn = (file: string): IntegrationEvent | undefined => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const event = IntegrationEventSchema.safeParse(parsed);
  return event.success ? event.data : undefined;
};

export const registerRoute = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  const route = program.command('route').description("Try the configuration's routes on an event");
  route
    .command('test [fixture]')
    .description(
      'Show which route and targets an event would fire, in order, with each rendered request; calls nothing',
    )
    .option('--event <id>', 'a stored event, by event id (with --local, from the local runtime)')
    .option('--provider <id>', "the fixture's provider, when its path does not name one")
    .option('--tenant <tenant>', 'the tenant a fixture is received for', 'default')
    .addHelpText(
      'after',
      [
        '',
        'The fixture is a provider fixture (functions/providers/<id>/fixtures/<name>.json, or a',
        'fixture name with --provider) or a canonical IntegrationEvent in a JSON file. Routes come',
        'from the configuration (relayflow.config.ts or RELAYFLOW_CONFIG).',
        '',
        'Examples:',
        '  relayflow route test functions/providers/stripe/fixtures/invoice.payment_failed.json',
        '  relayflow route test invoice.paid --provider stripe --tenant acme',
        '  relayflow route test --event ev_0123… --local',
      ].join('\n'),
    )
    .action(
      async (fixture: string | undefined, options: { event?: string; provider?: string; tenant: string }) => {
        if ((fixture === undefined) === (options.event === undefined))
          throw new CliError('Give a fixture or --event <id>, not both and not neither.');
        const config = await deps.loadConfig();
        const resolved = resolveRoutes(config.routes, workflowNames);
        const at = deps.now();
        let events: IntegrationEvent[];
        if (options.event !== undefined) {
          const env = await deps.connect(globals());
          const store = new EventStore(env.dynamodb, {
            tableName: env.output('EventTableName'),
            retentionDays: 1,
          });
          const payload = await store.getPayload(options.event);
          if (!payload) throw new CliError(`No event ${options.event} in stack ${env.stackName}.`);
          if (!payload.event)
            throw new CliError(
              payload.quarantineReason
                ? `Event ${options.event} is QUARANTINED (${payload.quarantineReason}): it routes nowhere.`
                : `Event ${options.event} is stored in S3 (${payload.eventLocation?.key ?? 'claim check'}); read it with relayflow events show.`,
            );
          events = [payload.event];
        } else {
          const file = resolve(fixture ?? '');
          const canonical = existsSync(file) ? canonicalEventIn(file) : undefined;
          if (canonical) events = [canonical];
          else {
            const provider = options.provider ?? PROVIDER_FIXTURE.exec(file)?.[1];
            if (!provider)
              throw new CliError(
                `${fixture ?? ''} is neither a canonical event nor in a provider's fixtures folder: name its provider with --provider.`,
              );
            events = await eventsFromFixture(deps, config, provider, fixture ?? '', options.tenant, at);
          }
        }
        const tests = await Promise.all(events.map((event) => testRoute(event, resolved.routes, at)));
        deps.output.out(globals().json ? json({ events: tests }) : tests.map(formatRouteTest).join('\n\n'));
      },
    );
};
