import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { PublishError, publishEvents, type DomainEvent } from '../../functions/producer/client';
import { CliError, type Environment } from '../environment';
import { json, table } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';

interface EmitOptions {
  readonly entity: string;
  readonly data: string;
  readonly tenant?: string;
  readonly key?: string;
  readonly occurredAt?: string;
}

/** `kind:id`; the id may hold colons (`order:eu:1001`). */
const entityOf = (value: string): DomainEvent['entity'] => {
  const at = value.indexOf(':');
  if (at < 1 || at === value.length - 1)
    throw new CliError(`--entity must be kind:id (order:ord_1001), not "${value}".`);
  return { kind: value.slice(0, at), id: value.slice(at + 1) };
};

/** `--data`: JSON, or `@` and a file holding it; an object either way. */
const dataOf = (value: string): Record<string, unknown> => {
  const source = value.startsWith('@') ? resolve(value.slice(1)) : undefined;
  let text = value;
  if (source) {
    try {
      text = readFileSync(source, 'utf8');
    } catch {
      throw new CliError(`--data ${value}: cannot read ${source}.`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`--data ${source ? `${source} does not hold` : 'is not'} JSON.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CliError('--data must be a JSON object.');
  return parsed as Record<string, unknown>;
};

/** Publishes one domain event to the stack's producer API with the environment's credentials. */
export const publishOne = async (
  deps: Pick<CliDependencies, 'fetch' | 'sleep'>,
  env: Environment,
  event: DomainEvent,
  tenant: string | undefined,
) => {
  const url = env.output('ProducerUrl');
  try {
    const result = await publishEvents(event, {
      url,
      ...(tenant ? { tenant } : {}),
      region: env.region,
      // The operator's credentials as every client of the environment resolves them (the
      // local runtime's with --local).
      credentials: () => env.secrets.config.credentials(),
      // The local runtime answers at once or not at all.
      maxAttempts: env.local ? 1 : 3,
      fetch: deps.fetch,
      sleep: (ms) => deps.sleep(ms),
    });
    return { url, result };
  } catch (error) {
    if (error instanceof PublishError) throw new CliError(`${error.message.replace(/\.$/, '')}.`);
    throw error;
  }
};

export const registerEmit = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  program
    .command('emit <type>')
    .description(
      "Publish one domain event to the stack's producer API, signed with your AWS credentials (the local runtime's with --local)",
    )
    .requiredOption('--entity <kind:id>', 'what orders the event (order:ord_1001)')
    .option('--data <json|@file>', 'the event data: a JSON object, or @ and a file holding one', '{}')
    .option('--tenant <id>', "publish for the tenant (the producer's /events/<tenant>)")
    .option(
      '--key <key>',
      'idempotency key: the same key (and type) again is a duplicate (default: generated)',
    )
    .option('--occurred-at <time>', 'when it happened, ISO 8601 (default: when the stack receives it)')
    .action(async (type: string, options: EmitOptions) => {
      const event: DomainEvent = {
        type,
        entity: entityOf(options.entity),
        data: dataOf(options.data),
        ...(options.key ? { idempotencyKey: options.key } : {}),
        ...(options.occurredAt ? { occurredAt: options.occurredAt } : {}),
      };
      const env = await deps.connect(globals());
      const { url, result } = await publishOne(deps, env, event, options.tenant);
      if (globals().json) deps.output.out(json({ url, ...result }));
      else
        deps.output.out(
          `POST ${url}${options.tenant ? `/${options.tenant}` : ''} → ${result.status}  correlation id ${result.correlationId}\n${table(
            ['outcome', 'idempotency key', 'event id', 'error'],
            result.events.map((e) => [e.outcome, e.idempotencyKey, e.eventId, e.error]),
          )}`,
        );
      const refused = result.events.find((e) => e.outcome === 'rejected');
      if (refused) throw new CliError(`The event was refused: ${refused.error ?? 'no reason given'}.`);
    });
};
