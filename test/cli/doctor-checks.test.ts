import { resolve } from 'node:path';
import { loadRequest } from '../../cli/commands/send';
import {
  alarmChecks,
  apiCheck,
  deadLetterCheck,
  freshTestRequest,
  lineOf,
  mappingCheck,
  secretCheck,
  secretFix,
  stateMachineCheck,
  subscriptionCheck,
  testEventCheck,
  type Remedies,
} from '../../cli/doctor-checks';
import { resolveProvider, type ResolvedEntry } from '#shared/providers/registry';
import type { WebhookRequest } from '#shared/providers/types';

const ROOT = resolve(__dirname, '../..');

const deployed: Remedies = {
  local: false,
  relayflow: (args) => `relayflow ${args} --stack Prod`,
  redeploy: 'deploy this version of RelayFlow: npx cdk deploy',
};
const local: Remedies = {
  local: true,
  relayflow: (args) => `relayflow ${args} --local`,
  redeploy: 'restart npm start',
};
const fixes = { set: 'SET', redeploy: 'REDEPLOY' };

const entryOf = (id: string): ResolvedEntry => {
  const resolved = resolveProvider({ id, kind: 'builtin', options: {} });
  if (!resolved.success) throw new Error(`no provider ${id}`);
  return resolved.data;
};

/** The event ids a provider's normalizer reads from a request. */
const idsOf = (entry: ResolvedEntry, request: { headers: Record<string, string>; body: Buffer }) => {
  const webhook: WebhookRequest = {
    method: 'POST',
    url: `https://hooks.example.com/webhooks/${entry.id}`,
    path: `/webhooks/${entry.id}`,
    rawQueryString: '',
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: request.body,
    sourceIp: '127.0.0.1',
  };
  return entry.provider
    .normalize(webhook, entry.options)
    .flatMap((item) => (item.kind === 'event' ? [item.draft.externalId] : []));
};

describe('secretCheck', () => {
  it.each([
    ['{"signingSecrets":["whsec_a"]}', true, '1 signing secret set'],
    [
      '{"signingSecrets":["whsec_new","","whsec_old"]}',
      true,
      '2 signing secrets set (a rotation is under way)',
    ],
    [
      '{"signingSecrets":[]}',
      false,
      'RelayFlow-stripe holds no signing secret: every delivery is answered 503 and retried by the provider',
    ],
    ['{"signingSecrets":[""]}', false, expect.stringContaining('holds no signing secret')],
    [
      'whsec_pasted_bare',
      false,
      'RelayFlow-stripe is not {"signingSecrets": [...]}: every delivery is answered 503',
    ],
  ])('reads %s as ok=%s: %s', (stored, ok, detail) => {
    expect(secretCheck('secret stripe', 'RelayFlow-stripe', stored, fixes)).toEqual({
      name: 'secret stripe',
      ok,
      detail,
      ...(ok ? {} : { fix: 'SET' }),
    });
  });

  it('says a secret that does not exist needs a redeploy', () => {
    expect(secretCheck('secret stripe', 'RelayFlow-stripe', undefined, fixes)).toEqual({
      name: 'secret stripe',
      ok: false,
      detail: 'RelayFlow-stripe does not exist',
      fix: 'REDEPLOY',
    });
  });

  it('never repeats the value it read', () => {
    const checks = ['{"signingSecrets":["whsec_do_not_print"]}', '"whsec_do_not_print"'].map((stored) =>
      secretCheck('secret stripe', 'RelayFlow-stripe', stored, fixes),
    );

    expect(JSON.stringify(checks)).not.toContain('whsec_do_not_print');
  });
});

describe('secretFix', () => {
  it('on AWS, runs relayflow secrets set from a variable, for the tenant when it has its own secret', () => {
    expect(secretFix('stripe', undefined, deployed)).toBe(
      "put stripe's signing secret in RELAYFLOW_SECRET_STRIPE, then run relayflow secrets set stripe --from-env RELAYFLOW_SECRET_STRIPE --stack Prod",
    );
    expect(secretFix('standard-webhooks', 'acme', deployed)).toBe(
      "put standard-webhooks's signing secret in RELAYFLOW_SECRET_STANDARD_WEBHOOKS_ACME, then run relayflow secrets set standard-webhooks --tenant acme --from-env RELAYFLOW_SECRET_STANDARD_WEBHOOKS_ACME --stack Prod",
    );
  });

  it("locally, restarts npm start with the provider's variable, which its tenants' secrets take too", () => {
    expect(secretFix('standard-webhooks', 'acme', local)).toBe(
      "restart npm start with RELAYFLOW_SECRET_STANDARD_WEBHOOKS=<standard-webhooks's signing secret>",
    );
  });
});

describe('subscriptionCheck', () => {
  it('passes on a confirmed subscription, even beside a pending one', () => {
    expect(
      subscriptionCheck(
        [
          { protocol: 'email', endpoint: 'new@example.com', confirmed: false },
          { protocol: 'https', endpoint: 'https://pager.example.com/sns', confirmed: true },
        ],
        deployed,
      ),
    ).toEqual({
      name: 'alarm topic subscription',
      ok: true,
      detail: 'confirmed: https https://pager.example.com/sns',
    });
  });

  it('names a subscription waiting for confirmation and where its confirmation went', () => {
    expect(
      subscriptionCheck([{ protocol: 'email', endpoint: 'oncall@example.com', confirmed: false }], deployed),
    ).toEqual({
      name: 'alarm topic subscription',
      ok: false,
      detail: '1 subscription waits for confirmation (email oncall@example.com): alarms reach no one',
      fix: 'follow the Confirm subscription link in the message AWS Notifications sent to oncall@example.com',
    });
  });

  it('asks for alarmEmail and a deploy when nobody is subscribed', () => {
    expect(subscriptionCheck([], deployed).fix).toBe(
      'set alarmEmail in relayflow.config.ts and deploy: npx cdk deploy',
    );
  });
});

describe('deadLetterCheck', () => {
  const deadLettered = (lastError: string) => ({
    claimed: true,
    state: { status: 'DEAD_LETTERED' as const, lastError },
  });

  it('passes on an empty queue', () => {
    expect(deadLetterCheck({ visible: 0, inFlight: 0 }, [], deployed)).toEqual({
      name: 'dead-letter queue',
      ok: true,
      detail: 'empty',
    });
  });

  it('passes when every message is a DEAD_LETTERED event, counted by error class, and names the replay', () => {
    const read = [
      deadLettered('http-503: ledger answered 503'),
      deadLettered('http-400: ledger refused it'),
      deadLettered('http-503: ledger answered 503'),
    ];

    expect(deadLetterCheck({ visible: 3, inFlight: 0 }, read, deployed)).toEqual({
      name: 'dead-letter queue',
      ok: true,
      detail:
        '3 messages: 3 DEAD_LETTERED events (2 http-503, 1 http-400); once the cause is fixed, replay them: relayflow replay --from dlq --reason "<why>" --stack Prod (a dry run; add --execute)',
    });
  });

  it('fails on unexplained messages, saying what each kind needs', () => {
    const read = [
      deadLettered('http-503: down'),
      { claimed: false },
      { claimed: true },
      { claimed: true, state: { status: 'PROCESSED' as const } },
      { claimed: true, state: { status: 'DEAD_LETTERED' as const } },
    ];

    expect(deadLetterCheck({ visible: 5, inFlight: 0 }, read, deployed)).toEqual({
      name: 'dead-letter queue',
      ok: false,
      detail:
        '5 messages: 1 DEAD_LETTERED event (1 http-503), 4 unexplained (1 event not in the store, 1 event PROCESSED, 1 no error recorded, 1 not a claim check)',
      fix: 'read them with relayflow dlq --stack Prod; a DLQ replay deletes the messages of events already queued or processed again, and replays the DEAD_LETTERED ones: relayflow replay --from dlq --reason "<why>" --stack Prod (a dry run; add --execute); delete a message that names no stored event by hand once understood (aws sqs delete-message)',
    });
  });

  it('fails, asking to look again, when every message is held by a replay', () => {
    expect(deadLetterCheck({ visible: 0, inFlight: 2 }, [], deployed)).toEqual({
      name: 'dead-letter queue',
      ok: false,
      detail: '2 messages: 2 not read (in flight)',
      fix: 'run relayflow doctor --stack Prod again once the replay (or other reader) holding them is done',
    });
  });

  it('says how many it did not read in a queue deeper than its sample', () => {
    const read = Array.from({ length: 100 }, () => deadLettered('http-503: down'));

    expect(deadLetterCheck({ visible: 250, inFlight: 0 }, read, deployed)).toMatchObject({
      ok: true,
      detail: expect.stringMatching(
        /^250 messages: 100 DEAD_LETTERED events \(100 http-503\), 150 not read \(in flight, or past the first 100\);/,
      ),
    });
  });
});

describe('alarmChecks', () => {
  const alarm = (name: string, state: string, reason?: string) => ({
    name: `Prod-${name}`,
    description: `The replay Lambda failed or was throttled. Runbook: docs/operations.md#functionfaults`,
    state,
    ...(reason ? { reason } : {}),
  });

  it('passes when none of them fires (INSUFFICIENT_DATA is not firing)', () => {
    expect(alarmChecks([alarm('A', 'OK'), alarm('B', 'INSUFFICIENT_DATA')], 'Prod', deployed)).toEqual([
      { name: 'alarms', ok: true, detail: 'none of 2 alarms is firing' },
    ]);
  });

  it('gives each firing alarm its own line: its reason, what it means and its runbook', () => {
    expect(
      alarmChecks(
        [alarm('FunctionFaults-replay', 'ALARM', 'Threshold Crossed: 1 datapoint.'), alarm('B', 'OK')],
        'Prod',
        deployed,
      ),
    ).toEqual([
      {
        name: 'alarm FunctionFaults-replay',
        ok: false,
        detail: 'firing (Threshold Crossed: 1 datapoint): The replay Lambda failed or was throttled',
        fix: 'follow docs/operations.md#functionfaults',
      },
    ]);
  });

  it('points at the alarms section for an alarm whose description names no runbook', () => {
    expect(alarmChecks([{ name: 'Prod-Custom', state: 'ALARM' }], 'Prod', deployed)).toEqual([
      { name: 'alarm Custom', ok: false, detail: 'firing', fix: 'follow docs/operations.md#alarms' },
    ]);
  });

  it('fails when no alarm notifies the topic: the stack lost them', () => {
    expect(alarmChecks([], 'Prod', deployed)).toEqual([
      {
        name: 'alarms',
        ok: false,
        detail: 'no alarm notifies the alarm topic',
        fix: 'deploy this version of RelayFlow: npx cdk deploy',
      },
    ]);
  });
});

describe('mappingCheck', () => {
  it.each([
    [{ state: 'Enabled' }, { ok: true, detail: 'enabled' }],
    [
      { state: 'Disabled', reason: 'USER_INITIATED' },
      {
        ok: false,
        detail: 'disabled (USER_INITIATED): the consumer reads nothing and the main queue grows',
        fix: 'aws lambda update-event-source-mapping --uuid 6d2c --enabled',
      },
    ],
    [
      { state: 'Enabling' },
      {
        ok: false,
        detail: 'Enabling: it is changing',
        fix: 'run relayflow doctor --stack Prod again in a minute',
      },
    ],
    [
      undefined,
      {
        ok: false,
        detail: 'no event source mapping 6d2c',
        fix: 'deploy this version of RelayFlow: npx cdk deploy',
      },
    ],
  ])('reads %j', (mapping, expected) => {
    expect(mappingCheck('6d2c', mapping, deployed)).toEqual({
      name: 'consumer event source mapping',
      ...expected,
    });
  });
});

describe('stateMachineCheck and apiCheck', () => {
  it('passes an ACTIVE machine and fails a missing one with a redeploy', () => {
    expect(stateMachineCheck('arn:replay', 'ACTIVE', deployed).ok).toBe(true);
    expect(stateMachineCheck('arn:replay', undefined, deployed)).toEqual({
      name: 'replay state machine',
      ok: false,
      detail: 'arn:replay does not exist',
      fix: 'deploy this version of RelayFlow: npx cdk deploy',
    });
  });

  it("passes the API's own 404 and fails any other answer, or none", () => {
    expect(apiCheck('https://api.example.com', { status: 404 }, deployed).ok).toBe(true);
    expect(apiCheck('https://api.example.com', { status: 403 }, deployed)).toEqual({
      name: 'api',
      ok: false,
      detail: "an unknown provider's URL was answered 403, not 404",
      fix: "check that ApiUrl (https://api.example.com) is this stack's API and that nothing in front of it answers for it",
    });
    expect(apiCheck('http://127.0.0.1:3000', { error: 'connect ECONNREFUSED.' }, local)).toEqual({
      name: 'api',
      ok: false,
      detail: 'http://127.0.0.1:3000 could not be reached: connect ECONNREFUSED',
      fix: 'start the local runtime: npm start',
    });
  });
});

describe('freshTestRequest', () => {
  const url = (provider: string) => `https://hooks.example.com/webhooks/${provider}`;

  it("gives a Stripe fixture's event id (in the body) the suffix, so the normalizer reads a new event", () => {
    const stripe = entryOf('stripe');
    const fixture = loadRequest(ROOT, 'stripe', undefined);

    const fresh = freshTestRequest(stripe, fixture, url('stripe'), '-doctor-1a2b');

    const [before] = idsOf(stripe, fixture);
    expect(fresh && idsOf(stripe, fresh)).toEqual([`${before}-doctor-1a2b`]);
  });

  it("gives a Standard Webhooks fixture's signed webhook-id header the suffix", () => {
    const standard = entryOf('standard-webhooks');
    const fixture = loadRequest(ROOT, 'standard-webhooks', undefined);

    const fresh = freshTestRequest(standard, fixture, url('standard-webhooks'), '-doctor-1a2b');

    expect(fresh?.headers['webhook-id']).toBe(`${fixture.headers['webhook-id']}-doctor-1a2b`);
    expect(fresh?.body).toEqual(fixture.body);
  });

  it("refuses GitHub's: its id is an unsigned header, and the same signed body is a duplicate", () => {
    expect(
      freshTestRequest(entryOf('github'), loadRequest(ROOT, 'github', undefined), url('github'), '-x'),
    ).toBeUndefined();
  });

  it("refuses Twilio's: its event id is made of two fields, found verbatim nowhere", () => {
    expect(
      freshTestRequest(entryOf('twilio'), loadRequest(ROOT, 'twilio', undefined), url('twilio'), '-x'),
    ).toBeUndefined();
  });
});

describe('testEventCheck', () => {
  const state = (status: 'PROCESSED' | 'RETRYING' | 'DEAD_LETTERED' | 'STALE', lastError?: string) => ({
    eventId: 'ev_1',
    status,
    ...(lastError ? { lastError } : {}),
  });

  it('passes when the event reached PROCESSED, saying how long it took', () => {
    expect(testEventCheck('stripe', state('PROCESSED'), 1234, false, deployed)).toEqual({
      name: 'test event',
      ok: true,
      detail: 'stripe event ev_1 reached PROCESSED in 1.2 s',
    });
  });

  it('says where the event stood when the wait ran out, and what that status means', () => {
    expect(testEventCheck('stripe', state('RETRYING', 'http-503: down'), 60_000, true, deployed)).toEqual({
      name: 'test event',
      ok: false,
      detail: 'stripe event ev_1 was still RETRYING after 60.0 s (http-503: down)',
      fix: 'follow it with relayflow events show ev_1 --stack Prod: RECEIVED or QUEUED means the consumer does not read the queue (see the event source mapping line), RETRYING that a target fails (docs/operations.md#oldestmessagetooold)',
    });
  });

  it('names the runbook of the status the event ended in', () => {
    expect(testEventCheck('stripe', state('DEAD_LETTERED', 'http-400: no'), 900, false, deployed)).toEqual({
      name: 'test event',
      ok: false,
      detail: 'stripe event ev_1 ended DEAD_LETTERED: http-400: no',
      fix: 'relayflow events show ev_1 --stack Prod says why; then follow docs/operations.md#deadletterqueuenotempty',
    });
    expect(testEventCheck('stripe', state('STALE'), 900, false, deployed).fix).toBe(
      "its route skips events older than its entity's latest (onStale: 'skip'); test with another provider: relayflow doctor --send-test <provider> --stack Prod",
    );
  });
});

describe('lineOf', () => {
  it('prints a pass without its fix and a failure with it', () => {
    expect(lineOf({ name: 'api', ok: true, detail: 'fine', fix: 'unused' })).toBe('✓ api: fine');
    expect(lineOf({ name: 'api', ok: false, detail: 'broken', fix: 'mend it' })).toBe(
      '✗ api: broken. Fix: mend it',
    );
  });
});
