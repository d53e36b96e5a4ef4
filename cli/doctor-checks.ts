import { z } from 'zod';
import type { QueueDepth } from '../functions/operator/dead-letter-queue';
import type { ResolvedEntry } from '../functions/providers/registry';
import type { WebhookRequest } from '../functions/providers/types';
import type { EventState, EventStatus } from '../functions/store/records';
import { secretVariableFor } from './commands/secrets';
import { errorClassOf } from './error-class';

/**
 * What `relayflow doctor` concludes from what it read: one pure function per check, from plain
 * readings to a line with its fix (cli/commands/doctor.ts does the reading).
 */

/** One line of the report: what was checked, whether it holds, and how to make it hold. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** For a failure: the command to run or the setting to change. */
  readonly fix?: string;
}

/** How an operator acts on this stack: the CLI with the options that reach it, and a redeploy. */
export interface Remedies {
  readonly local: boolean;
  /** `relayflow <args>`, with `--local` or `--stack` as this run was given. */
  relayflow(args: string): string;
  /** How the stack gets what this version of RelayFlow creates. */
  readonly redeploy: string;
}

/** Dead-letter messages read (and released at once) to explain them; a deeper queue is sampled. */
export const DEAD_LETTER_SAMPLE = 100;

/** `1 check`, `3 checks`. */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `2 http-400, 1 timeout`, most frequent first. */
const counted = (items: readonly string[]): string => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([item, count]) => `${count} ${item}`)
    .join(', ');
};

const SecretDocumentSchema = z.object({ signingSecrets: z.array(z.string()) });

/**
 * A provider's (or dedicated tenant's) signing secret: set when it holds at least one non-empty
 * secret. `stored` is the secret's string, undefined when the secret does not exist. Its value
 * is never part of the answer.
 */
export const secretCheck = (
  name: string,
  secretId: string,
  stored: string | undefined,
  fixes: { readonly set: string; readonly redeploy: string },
): Check => {
  if (stored === undefined)
    return { name, ok: false, detail: `${secretId} does not exist`, fix: fixes.redeploy };
  let document: z.infer<typeof SecretDocumentSchema> | undefined;
  try {
    document = SecretDocumentSchema.parse(JSON.parse(stored));
  } catch {
    document = undefined;
  }
  if (!document)
    return {
      name,
      ok: false,
      detail: `${secretId} is not {"signingSecrets": [...]}: every delivery is answered 503`,
      fix: fixes.set,
    };
  const active = document.signingSecrets.filter((secret) => secret.length > 0).length;
  if (active === 0)
    return {
      name,
      ok: false,
      detail: `${secretId} holds no signing secret: every delivery is answered 503 and retried by the provider`,
      fix: fixes.set,
    };
  return {
    name,
    ok: true,
    detail: active === 1 ? '1 signing secret set' : `${active} signing secrets set (a rotation is under way)`,
  };
};

/**
 * How to put a signing secret in place. On AWS: `relayflow secrets set`, reading the value from
 * a variable (never an argument, which the shell history keeps). Locally: the variable npm start
 * reads at start-up, one per provider, which a tenant's own secret also takes.
 */
export const secretFix = (provider: string, tenant: string | undefined, remedies: Remedies): string => {
  const variable = secretVariableFor(provider, remedies.local ? undefined : tenant);
  return remedies.local
    ? `restart npm start with ${variable}=<${provider}'s signing secret>`
    : `put ${provider}'s signing secret in ${variable}, then run ${remedies.relayflow(
        `secrets set ${provider}${tenant ? ` --tenant ${tenant}` : ''} --from-env ${variable}`,
      )}`;
};

export interface TopicSubscription {
  readonly protocol: string;
  readonly endpoint: string;
  /** SNS lists a subscription its endpoint has not confirmed as `PendingConfirmation`. */
  readonly confirmed: boolean;
}

/** The alarm topic reaches someone: at least one subscription is confirmed. */
export const subscriptionCheck = (subscriptions: readonly TopicSubscription[], remedies: Remedies): Check => {
  const name = 'alarm topic subscription';
  const described = (list: readonly TopicSubscription[]) =>
    list.map((s) => `${s.protocol} ${s.endpoint}`).join(', ');
  const confirmed = subscriptions.filter((s) => s.confirmed);
  if (confirmed.length > 0) return { name, ok: true, detail: `confirmed: ${described(confirmed)}` };
  if (subscriptions.length > 0) {
    return {
      name,
      ok: false,
      detail: `${plural(subscriptions.length, 'subscription waits', 'subscriptions wait')} for confirmation (${described(subscriptions)}): alarms reach no one`,
      fix: `follow the Confirm subscription link in the message AWS Notifications sent to ${subscriptions.map((s) => s.endpoint).join(' and ')}`,
    };
  }
  return {
    name,
    ok: false,
    detail: 'the alarm topic has no subscription: alarms reach no one',
    fix: `set alarmEmail in relayflow.config.ts and ${remedies.local ? 'restart npm start' : 'deploy: npx cdk deploy'}`,
  };
};

/** A dead-lettered message as the store explains it (or does not). */
export interface DeadLetterReading {
  /** Whether the body is a claim check naming an event. */
  readonly claimed: boolean;
  /** The event it names, when the store has it. */
  readonly state?: Pick<EventState, 'status' | 'lastError'>;
}

/** Why a dead-lettered message is not explained by its event; undefined when it is. */
const unexplained = ({ claimed, state }: DeadLetterReading): string | undefined => {
  if (!claimed) return 'not a claim check';
  if (!state) return 'event not in the store';
  // A failed compensation's message goes to the DLQ too, for the replay that resumes it.
  if (state.status !== 'DEAD_LETTERED' && state.status !== 'COMPENSATION_FAILED')
    return `event ${state.status}`;
  return state.lastError ? undefined : 'no error recorded';
};

/**
 * The dead-letter queue is empty, or explained: every message read names an event that the store
 * holds DEAD_LETTERED with the error that put it there. A message whose event moved on (replayed
 * from the store), is gone, or that is no claim check at all is unexplained.
 */
export const deadLetterCheck = (
  depth: QueueDepth,
  read: readonly DeadLetterReading[],
  remedies: Remedies,
): Check => {
  const name = 'dead-letter queue';
  const total = depth.visible + depth.inFlight;
  if (total === 0) return { name, ok: true, detail: 'empty' };
  const replay = remedies.relayflow('replay --from dlq --reason "<why>"');
  const classes = read.flatMap((r) =>
    unexplained(r) === undefined ? [errorClassOf(r.state?.lastError)] : [],
  );
  const reasons = read.flatMap((r) => unexplained(r) ?? []);
  const notRead = Math.max(0, total - read.length);
  const parts = [
    ...(classes.length > 0 ? [`${plural(classes.length, 'DEAD_LETTERED event')} (${counted(classes)})`] : []),
    ...(reasons.length > 0 ? [`${reasons.length} unexplained (${counted(reasons)})`] : []),
    ...(notRead > 0
      ? [
          `${notRead} not read (in flight${total > DEAD_LETTER_SAMPLE ? `, or past the first ${DEAD_LETTER_SAMPLE}` : ''})`,
        ]
      : []),
  ];
  const detail = `${plural(total, 'message')}: ${parts.join(', ')}`;
  if (read.length === 0) {
    return {
      name,
      ok: false,
      detail,
      fix: `run ${remedies.relayflow('doctor')} again once the replay (or other reader) holding them is done`,
    };
  }
  if (reasons.length === 0)
    return {
      name,
      ok: true,
      detail: `${detail}; once the cause is fixed, replay them: ${replay} (a dry run; add --execute)`,
    };
  const fixes = [
    `read them with ${remedies.relayflow('dlq')}`,
    ...(reasons.some((r) => r.startsWith('event ') && r !== 'event not in the store')
      ? [
          `a DLQ replay deletes the messages of events already queued or processed again, and replays the DEAD_LETTERED ones: ${replay} (a dry run; add --execute)`,
        ]
      : []),
    ...(reasons.some((r) => r === 'not a claim check' || r === 'event not in the store')
      ? ['delete a message that names no stored event by hand once understood (aws sqs delete-message)']
      : []),
  ];
  return { name, ok: false, detail, fix: fixes.join('; ') };
};

export interface AlarmReading {
  readonly name: string;
  readonly description?: string;
  readonly state?: string;
  readonly reason?: string;
}

/**
 * No alarm of the stack is firing. A firing alarm is named with what it means and where its
 * runbook is, both read from the description the stack gives it (`… Runbook: docs/operations.md#…`).
 */
export const alarmChecks = (
  alarms: readonly AlarmReading[],
  stackName: string,
  remedies: Remedies,
): Check[] => {
  if (alarms.length === 0)
    return [
      { name: 'alarms', ok: false, detail: 'no alarm notifies the alarm topic', fix: remedies.redeploy },
    ];
  const firing = alarms.filter((alarm) => alarm.state === 'ALARM');
  if (firing.length === 0)
    return [{ name: 'alarms', ok: true, detail: `none of ${plural(alarms.length, 'alarm')} is firing` }];
  return firing.map((alarm) => {
    const [meaning = '', runbook] = (alarm.description ?? '').split(/\s*Runbook:\s*/);
    const short = alarm.name.startsWith(`${stackName}-`)
      ? alarm.name.slice(stackName.length + 1)
      : alarm.name;
    return {
      name: `alarm ${short}`,
      ok: false,
      detail: `firing${alarm.reason ? ` (${alarm.reason.replace(/\.$/, '')})` : ''}${meaning ? `: ${meaning.replace(/\.$/, '')}` : ''}`,
      fix: `follow ${runbook?.trim() || 'docs/operations.md#alarms'}`,
    };
  });
};

/** The consumer reads the main queue: its event source mapping is Enabled. */
export const mappingCheck = (
  uuid: string,
  mapping: { readonly state?: string; readonly reason?: string } | undefined,
  remedies: Remedies,
): Check => {
  const name = 'consumer event source mapping';
  if (!mapping) return { name, ok: false, detail: `no event source mapping ${uuid}`, fix: remedies.redeploy };
  if (mapping.state === 'Enabled') return { name, ok: true, detail: 'enabled' };
  if (mapping.state === 'Disabled') {
    return {
      name,
      ok: false,
      detail: `disabled${mapping.reason ? ` (${mapping.reason})` : ''}: the consumer reads nothing and the main queue grows`,
      fix: remedies.local
        ? 'restart npm start (it enables every event source mapping)'
        : `aws lambda update-event-source-mapping --uuid ${uuid} --enabled`,
    };
  }
  return {
    name,
    ok: false,
    detail: `${mapping.state ?? 'in no state'}: it is changing`,
    fix: `run ${remedies.relayflow('doctor')} again in a minute`,
  };
};

/** The replay state machine exists and can run. */
export const stateMachineCheck = (arn: string, status: string | undefined, remedies: Remedies): Check => {
  const name = 'replay state machine';
  if (status === 'ACTIVE') return { name, ok: true, detail: 'ACTIVE' };
  return {
    name,
    ok: false,
    detail: status ? `${arn} is ${status}` : `${arn} does not exist`,
    fix: remedies.redeploy,
  };
};

/** API Gateway itself answers a path naming no enabled provider: 404, before any verifier runs. */
export const apiCheck = (
  apiUrl: string,
  answer: { readonly status: number } | { readonly error: string },
  remedies: Remedies,
): Check => {
  const name = 'api';
  if ('error' in answer) {
    return {
      name,
      ok: false,
      detail: `${apiUrl} could not be reached: ${answer.error.replace(/\.$/, '')}`,
      fix: remedies.local
        ? 'start the local runtime: npm start'
        : `check the network path from here to ${apiUrl}`,
    };
  }
  if (answer.status === 404) return { name, ok: true, detail: "an unknown provider's URL is answered 404" };
  return {
    name,
    ok: false,
    detail: `an unknown provider's URL was answered ${answer.status}, not 404`,
    fix: `check that ApiUrl (${apiUrl}) is this stack's API and that nothing in front of it answers for it`,
  };
};

/** Every string value in a JSON value, through `rename` (keys stay as they are). */
const renameStrings = (value: unknown, rename: (text: string) => string): unknown => {
  if (typeof value === 'string') return rename(value);
  if (Array.isArray(value)) return value.map((item) => renameStrings(item, rename));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renameStrings(item, rename)]));
  return value;
};

/** A body read as JSON; undefined when it is not JSON (a form, say). */
export const parsedJson = (body: Buffer): { readonly value: unknown } | undefined => {
  try {
    return { value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
};

export interface TestRequest {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/**
 * The fixture as a new event, so that each run tests the whole path instead of meeting its earlier
 * self as a duplicate: every string the provider's normalizer reads an event id from (a value in
 * the JSON body, or a header) gets `suffix`. Undefined when that makes no new event: an id that is
 * no such string, or a provider that binds the signed bytes to the first event they produced (its
 * identity travels in unsigned headers) when the body did not change.
 */
export const freshTestRequest = (
  entry: ResolvedEntry,
  request: TestRequest,
  url: string,
  suffix: string,
): TestRequest | undefined => {
  const idsOf = ({ headers, body }: TestRequest): Set<string> => {
    const webhook: WebhookRequest = {
      method: 'POST',
      url,
      path: new URL(url).pathname,
      rawQueryString: '',
      headers: Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value])),
      body,
      sourceIp: '127.0.0.1',
    };
    return new Set(
      entry.provider
        .normalize(webhook, entry.options)
        .flatMap((item) => (item.kind === 'event' ? [item.draft.externalId] : (item.externalId ?? []))),
    );
  };
  const before = idsOf(request);
  if (before.size === 0) return undefined;
  let renamed = 0;
  const rename = (text: string) => {
    if (!before.has(text)) return text;
    renamed += 1;
    return `${text}${suffix}`;
  };
  const json = parsedJson(request.body);
  const body = json ? renameStrings(json.value, rename) : undefined;
  const bodyChanged = renamed > 0;
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([key, value]) => [key, rename(value)]),
  );
  const fresh = { headers, body: bodyChanged ? Buffer.from(JSON.stringify(body)) : request.body };
  const after = idsOf(fresh);
  const isNew = after.size > 0 && [...after].every((id) => !before.has(id));
  const bound = entry.provider.identityFromUnsignedHeaders(entry.options);
  return isNew && (bodyChanged || !bound) ? fresh : undefined;
};

/** Where waiting for the test event ends: it will not move again without an operator or a provider. */
export const SETTLED: ReadonlySet<EventStatus> = new Set([
  'PROCESSED',
  'STALE',
  'DEAD_LETTERED',
  'QUARANTINED',
  'COMPENSATED',
  'COMPENSATION_FAILED',
  'HELD',
]);

/** The test event's line, once it settled or the wait ran out. */
export const testEventCheck = (
  provider: string,
  state: Pick<EventState, 'eventId' | 'status' | 'lastError'>,
  waitedMs: number,
  timedOut: boolean,
  remedies: Remedies,
): Check => {
  const name = 'test event';
  const seconds = (waitedMs / 1000).toFixed(1);
  const event = `${provider} event ${state.eventId}`;
  const show = remedies.relayflow(`events show ${state.eventId}`);
  if (state.status === 'PROCESSED')
    return { name, ok: true, detail: `${event} reached PROCESSED in ${seconds} s` };
  const error = state.lastError ? `: ${state.lastError}` : '';
  if (timedOut) {
    return {
      name,
      ok: false,
      detail: `${event} was still ${state.status} after ${seconds} s${state.lastError ? ` (${state.lastError})` : ''}`,
      fix: `follow it with ${show}: RECEIVED or QUEUED means the consumer does not read the queue (see the event source mapping line), RETRYING that a target fails (docs/operations.md#oldestmessagetooold)`,
    };
  }
  const runbook: Partial<Record<EventStatus, string>> = {
    DEAD_LETTERED: 'docs/operations.md#deadletterqueuenotempty',
    QUARANTINED: 'docs/operations.md#quarantined',
    COMPENSATION_FAILED: 'docs/operations.md#compensationfailed',
    HELD: 'docs/flow-control.md#pause-and-resume (relayflow status lists the pauses)',
  };
  return {
    name,
    ok: false,
    detail: `${event} ended ${state.status}${error}`,
    fix:
      state.status === 'STALE'
        ? `its route skips events older than its entity's latest (onStale: 'skip'); test with another provider: ${remedies.relayflow('doctor --send-test <provider>')}`
        : `${show} says why; then follow ${runbook[state.status] ?? 'docs/operations.md'}`,
  };
};

/** `✓ name: detail`, or `✗ name: detail. Fix: …`. */
export const lineOf = (check: Check): string =>
  `${check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}${check.ok || !check.fix ? '' : `. Fix: ${check.fix}`}`;
