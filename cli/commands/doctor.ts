import { randomBytes } from 'node:crypto';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import type { Command } from 'commander';
import { z } from 'zod';
import { DeadLetterQueue } from '../../functions/operator/dead-letter-queue';
import { EventQueries } from '../../functions/operator/event-queries';
import type { ResolvedEntry } from '../../functions/providers/registry';
import { EventStore } from '../../functions/store/event-store';
import {
  alarmChecks,
  apiCheck,
  DEAD_LETTER_SAMPLE,
  deadLetterCheck,
  freshTestRequest,
  lineOf,
  mappingCheck,
  parsedJson,
  plural,
  secretCheck,
  secretFix,
  SETTLED,
  stateMachineCheck,
  subscriptionCheck,
  testEventCheck,
  type AlarmReading,
  type Check,
  type Remedies,
  type TestRequest,
  type TopicSubscription,
} from '../doctor-checks';
import { CliError, sentenceOf, type Environment } from '../environment';
import { json, positiveInt } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';
import { showable, shownText, webhookRoutes } from './events';
import { outputId, secretTargetOf } from './secrets';
import { loadRequest, resolvedFor, signAndPost } from './send';

const ResponseSchema = z.object({
  correlationId: z.string().optional(),
  events: z.array(z.object({ id: z.string() })).optional(),
});

/** Asks AWS and folds "not found" into undefined; anything else stays an error. */
const unlessMissing = async <T>(codes: readonly string[], ask: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await ask();
  } catch (error) {
    if (error instanceof Error && codes.includes(error.name)) return undefined;
    throw error;
  }
};

/** The line of a check that could not run at all, saying what stopped it. */
const notChecked = (name: string, error: unknown, remedies: Remedies): Check => {
  // A missing output is a stack deployed by an older RelayFlow; anything else is access or reach.
  if (error instanceof CliError)
    return { name, ok: false, detail: error.message.replace(/\.$/, ''), fix: remedies.redeploy };
  return {
    name,
    ok: false,
    detail: `could not be checked: ${sentenceOf(error, remedies.local).replace(/\.$/, '')}`,
    fix: remedies.local
      ? 'restart npm start'
      : 'check that your credentials may read it, then run relayflow doctor again',
  };
};

/** Runs one check; a check that cannot run is a failed line too. */
const checked = async (
  name: string,
  remedies: Remedies,
  run: () => Promise<Check | Check[]>,
): Promise<Check[]> => {
  try {
    return [await run()].flat();
  } catch (error) {
    return [notChecked(name, error, remedies)];
  }
};

/** Why a provider cannot send the test event, and what would let it. */
interface Refusal {
  readonly reason: string;
  readonly fix: string;
}

interface TestEventOutcome {
  readonly check: Check;
  readonly shown?: Awaited<ReturnType<typeof showable>>;
}

const DEFAULT_STACK = 'RelayFlow';

/** Each signing secret the stack has: one per provider, one per provider and dedicated tenant. */
const secretTargets = (env: Environment) =>
  webhookRoutes(env.outputs)
    .sort(
      (a, b) =>
        a.provider.localeCompare(b.provider) ||
        (a.tenant === 'default' ? '' : a.tenant).localeCompare(b.tenant === 'default' ? '' : b.tenant),
    )
    .flatMap(({ provider, tenant }) => {
      const target = secretTargetOf(env, provider, tenant === 'default' ? undefined : tenant);
      if (target.shared) return [];
      return [
        {
          name: `secret ${provider}${target.tenant ? ` (tenant ${target.tenant})` : ''}`,
          provider,
          tenant: target.tenant,
          secretId: target.secretId,
        },
      ];
    });

const subscriptionsOf = async (env: Environment, topicArn: string): Promise<TopicSubscription[]> => {
  const found: TopicSubscription[] = [];
  let token: string | undefined;
  do {
    const page = await env.sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }),
    );
    for (const s of page.Subscriptions ?? []) {
      found.push({
        protocol: s.Protocol ?? '',
        endpoint: s.Endpoint ?? '',
        confirmed: Boolean(s.SubscriptionArn?.startsWith('arn:')),
      });
    }
    token = page.NextToken;
  } while (token);
  return found;
};

/** The stack's alarms: those that notify its alarm topic (ActionPrefix), so no other stack's. */
const alarmsOf = async (env: Environment, topicArn: string): Promise<AlarmReading[]> => {
  const found: AlarmReading[] = [];
  let token: string | undefined;
  do {
    const page = await env.cloudwatch.send(
      new DescribeAlarmsCommand({ ActionPrefix: topicArn, MaxRecords: 100, NextToken: token }),
    );
    for (const alarm of page.MetricAlarms ?? []) {
      if (!alarm.AlarmName) continue;
      found.push({
        name: alarm.AlarmName,
        description: alarm.AlarmDescription,
        state: alarm.StateValue,
        reason: alarm.StateReason,
      });
    }
    token = page.NextToken;
  } while (token);
  return found.sort((a, b) => a.name.localeCompare(b.name));
};

const readDeadLetters = async (env: Environment, remedies: Remedies): Promise<Check> => {
  const deadLetters = new DeadLetterQueue(env.sqs, env.output('DeadLetterQueueUrl'));
  const queries = new EventQueries(env.dynamodb, env.output('EventTableName'));
  const depth = await deadLetters.depth();
  if (depth.visible === 0 && depth.inFlight === 0) return deadLetterCheck(depth, [], remedies);
  const messages = await deadLetters.peek(DEAD_LETTER_SAMPLE);
  const states = new Map(
    (await queries.states(messages.flatMap((m) => (m.claim ? [m.claim.eventId] : [])))).map((s) => [
      s.eventId,
      s,
    ]),
  );
  return deadLetterCheck(
    depth,
    messages.map((m) => {
      const state = m.claim ? states.get(m.claim.eventId) : undefined;
      return { claimed: m.claim !== undefined, ...(state ? { state } : {}) };
    }),
    remedies,
  );
};

/**
 * The provider and request of the test event: the one asked for, else the first provider (by id)
 * whose secret is set and whose first fixture can be made a new event.
 */
const testRequest = async (
  deps: CliDependencies,
  env: Environment,
  remedies: Remedies,
  requested: string | undefined,
  secretsSet: ReadonlySet<string>,
  suffix: string,
): Promise<{ entry: ResolvedEntry; request: TestRequest } | { refused: Refusal[] }> => {
  const enabled = [...new Set(webhookRoutes(env.outputs).map((route) => route.provider))].sort();
  const refused: Refusal[] = [];
  const another = `test another provider: ${remedies.relayflow('doctor --send-test <provider>')}`;
  for (const provider of requested ? [requested] : enabled) {
    if (!enabled.includes(provider)) {
      refused.push({ reason: `${provider} is not enabled in this stack`, fix: another });
      continue;
    }
    if (!secretsSet.has(provider)) {
      refused.push({
        reason: `${provider} has no signing secret set`,
        fix: `set ${provider}'s signing secret (its secret line says how)`,
      });
      continue;
    }
    let entry: ResolvedEntry;
    let fixture: ReturnType<typeof loadRequest>;
    try {
      entry = await resolvedFor(deps, provider);
      fixture = loadRequest(deps.projectRoot, provider, undefined);
    } catch (error) {
      refused.push({
        reason: `${provider}: ${sentenceOf(error, env.local).replace(/\.$/, '')}`,
        fix: another,
      });
      continue;
    }
    const request = freshTestRequest(entry, fixture, env.output(`WebhookUrl${outputId(provider)}`), suffix);
    if (request) return { entry, request };
    refused.push({ reason: `${provider}'s fixtures cannot be made into a new event`, fix: another });
  }
  return { refused };
};

/** Sends the test event, waits (bounded) for it to settle, and reads it as `events show` does. */
const sendTestEvent = async (
  deps: CliDependencies,
  env: Environment,
  remedies: Remedies,
  options: { requested?: string; secretsSet: ReadonlySet<string>; timeoutMs: number },
): Promise<TestEventOutcome> => {
  const name = 'test event';
  const suffix = `-doctor-${randomBytes(4).toString('hex')}`;
  const chosen = await testRequest(deps, env, remedies, options.requested, options.secretsSet, suffix);
  if ('refused' in chosen) {
    // One provider asked for: its own fix. Otherwise a missing secret is the likeliest to fix.
    const first = chosen.refused.find((r) => r.reason.endsWith('no signing secret set')) ?? chosen.refused[0];
    return {
      check: {
        name,
        ok: false,
        detail: options.requested
          ? chosen.refused.map((r) => r.reason).join('; ')
          : `no provider can send a test event (${chosen.refused.map((r) => r.reason).join('; ')})`,
        fix: first?.fix ?? remedies.redeploy,
      },
    };
  }
  const { entry, request } = chosen;
  const answer = await signAndPost(deps, env, entry, request, {});
  if (answer.status !== 202) {
    return {
      check: {
        name,
        ok: false,
        detail: `${entry.id}'s webhook answered ${answer.status}, not 202: ${answer.body.slice(0, 200)}`,
        fix:
          answer.status >= 500
            ? 'follow docs/operations.md#apiservererrors'
            : `${remedies.relayflow(`send ${entry.id}`)} shows the whole answer`,
      },
    };
  }
  const tableName = env.output('EventTableName');
  const queries = new EventQueries(env.dynamodb, tableName);
  const parsed = ResponseSchema.safeParse(parsedJson(Buffer.from(answer.body))?.value);
  const listed = parsed.success ? (parsed.data.events ?? []).map((e) => e.id) : [];
  const correlationId = answer.correlationId ?? (parsed.success ? parsed.data.correlationId : undefined);
  const eventId = listed[0] ?? (correlationId ? (await queries.correlated(correlationId))[0] : undefined);
  if (!eventId) {
    return {
      check: {
        name,
        ok: false,
        detail: `${entry.id}'s webhook answered 202 but named no event`,
        fix: `${remedies.relayflow(`events show ${correlationId ?? '<correlation id>'}`)} finds it`,
      },
    };
  }
  const started = deps.now().getTime();
  let state = await queries.state(eventId);
  while (!(state && SETTLED.has(state.status)) && deps.now().getTime() - started < options.timeoutMs) {
    await deps.sleep(500);
    state = await queries.state(eventId);
  }
  const waited = deps.now().getTime() - started;
  if (!state) {
    return {
      check: {
        name,
        ok: false,
        detail: `${entry.id} event ${eventId} was accepted but is not in the store`,
        fix: 'follow docs/operations.md#apiservererrors',
      },
    };
  }
  const shown = await showable(new EventStore(env.dynamodb, { tableName, retentionDays: 1 }), state);
  return {
    check: testEventCheck(entry.id, state, waited, !SETTLED.has(state.status), remedies),
    shown,
  };
};

export const registerDoctor = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  program
    .command('doctor')
    .description(
      "Check the stack's health and say what to fix: signing secrets, alarm subscription, dead-letter queue, alarms, consumer, replay, API",
    )
    .option(
      '--send-test [provider]',
      "also send a signed test event (the provider's first fixture as a new event) and wait for it to be PROCESSED",
    )
    .option(
      '--timeout <seconds>',
      'how long --send-test waits for its event',
      positiveInt('--timeout', 900),
      60,
    )
    .action(async (options: { sendTest?: string | true; timeout: number }) => {
      const env = await deps.connect(globals());
      const { region } = globals();
      const stackArguments = env.local
        ? ' --local'
        : `${env.stackName === DEFAULT_STACK ? '' : ` --stack ${env.stackName}`}${region ? ` --region ${region}` : ''}`;
      const remedies: Remedies = {
        local: env.local,
        relayflow: (args) => `relayflow ${args}${stackArguments}`,
        redeploy: env.local ? 'restart npm start' : 'deploy this version of RelayFlow: npx cdk deploy',
      };

      const targets = secretTargets(env);
      const secretChecks = targets.map(({ name, provider, tenant, secretId }) =>
        checked(name, remedies, async () => {
          const value = await unlessMissing(['ResourceNotFoundException'], () =>
            env.secrets.send(new GetSecretValueCommand({ SecretId: secretId })),
          );
          return secretCheck(name, secretId, value ? (value.SecretString ?? '') : undefined, {
            set: secretFix(provider, tenant, remedies),
            redeploy: remedies.redeploy,
          });
        }),
      );
      const [secretResults, otherResults] = await Promise.all([
        Promise.all(secretChecks),
        Promise.all([
          checked('alarm topic subscription', remedies, async () =>
            subscriptionCheck(await subscriptionsOf(env, env.output('AlarmTopicArn')), remedies),
          ),
          checked('dead-letter queue', remedies, () => readDeadLetters(env, remedies)),
          checked('alarms', remedies, async () =>
            alarmChecks(await alarmsOf(env, env.output('AlarmTopicArn')), env.stackName, remedies),
          ),
          checked('consumer event source mapping', remedies, async () => {
            const uuid = env.output('ConsumerEventSourceMappingId');
            const mapping = await unlessMissing(['ResourceNotFoundException'], () =>
              env.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })),
            );
            return mappingCheck(
              uuid,
              mapping && { state: mapping.State, reason: mapping.StateTransitionReason },
              remedies,
            );
          }),
          checked('replay state machine', remedies, async () => {
            const arn = env.output('ReplayStateMachineArn');
            const machine = await unlessMissing(['StateMachineDoesNotExist'], () =>
              env.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn })),
            );
            return stateMachineCheck(arn, machine?.status, remedies);
          }),
          checked('api', remedies, async () => {
            const apiUrl = env.output('ApiUrl').replace(/\/$/, '');
            const unknown = `${apiUrl}/webhooks/relayflow-doctor-${randomBytes(6).toString('hex')}`;
            const answer = await deps.fetch(unknown).then(
              async (response) => {
                await response.body?.cancel();
                return { status: response.status };
              },
              (error: unknown) => ({ error: sentenceOf(error, env.local) }),
            );
            return apiCheck(apiUrl, answer, remedies);
          }),
        ]),
      ]);
      const checks = [...secretResults, ...otherResults].flat();

      let testEvent: TestEventOutcome | undefined;
      if (options.sendTest !== undefined) {
        const secretsSet = new Set(
          targets.flatMap((target, index) =>
            !target.tenant && secretResults[index]?.every((c) => c.ok) ? [target.provider] : [],
          ),
        );
        testEvent = await sendTestEvent(deps, env, remedies, {
          requested: options.sendTest === true ? undefined : options.sendTest,
          secretsSet,
          timeoutMs: options.timeout * 1000,
        }).catch((error: unknown) => ({ check: notChecked('test event', error, remedies) }));
        checks.push(testEvent.check);
      }

      const failed = checks.filter((c) => !c.ok).length;
      if (globals().json) {
        deps.output.out(
          json({
            checks: checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail, fix: c.fix ?? null })),
            ...(testEvent?.shown ? { testEvent: testEvent.shown } : {}),
          }),
        );
      } else {
        deps.output.out(
          [
            `Stack ${env.stackName} (${env.local ? 'local' : env.region})`,
            ...checks.map(lineOf),
            ...(testEvent?.shown ? ['', shownText(testEvent.shown)] : []),
            ...(failed === 0 ? ['', `All ${checks.length} checks passed.`] : []),
          ].join('\n'),
        );
      }
      if (failed > 0)
        throw new CliError(
          `${failed} of ${plural(checks.length, 'check')} failed; each ✗ line ends with its fix.`,
        );
    });
};
