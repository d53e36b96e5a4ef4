import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RelayFlowConfigInput } from '../../lib/config';
import { EventStore } from '#shared/store/event-store';
import { downstreamKeyOf } from '#shared/targets/index';
import { fakeEnvironment, linesOf, runAgainst, type CliStack } from '../helpers/cli-run';
import { startEventTable, type LocalEventTable } from '../helpers/event-table';
import { aStoredEvent, anIntegrationEvent } from '../helpers/sqs-events';

const FIXTURE = 'functions/providers/stripe/fixtures/invoice.payment_failed.json';
/** The event Stripe's fixture normalizes to for the default tenant. */
const FIXTURE_EVENT = 'ev_5367b07d657b8b7165ee9220135b9077';
/** 2025-06-01T12:00:00Z, the CLI harness's clock. */
const NOW_SECONDS = '1748779200';

const CONFIG: RelayFlowConfigInput = {
  providers: { stripe: {} },
  routes: [
    {
      match: { provider: 'stripe', type: 'invoice.*' },
      targets: [
        { kind: 'workflow', name: 'dunning' },
        { kind: 'http', id: 'ledger', url: 'https://ledger.example.com/hooks', mode: 'dry-run' },
      ],
    },
    { match: { type: 'dunning.*' }, targets: [{ kind: 'eventbridge', eventBusName: 'billing' }] },
    { match: { type: '*' }, targets: [{ kind: 'http', id: 'all', url: 'https://sink.example.com/all' }] },
  ],
};
const STACK: CliStack = { outputs: { EventTableName: 'events' }, config: CONFIG };

describe('relayflow route test', () => {
  it('shows the route a provider fixture takes and each target’s rendered request, in order, calling nothing', async () => {
    const result = await runAgainst(STACK, ['route', 'test', FIXTURE]);

    const key = downstreamKeyOf(FIXTURE_EVENT, 'ledger');
    expect(result.code).toBe(0);
    expect(result.connects).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      `Event ${FIXTURE_EVENT}: stripe invoice.payment_failed, tenant default, entity customer:cus_NZbFQAsc0ptasX`,
      'Route #0 fires (provider stripe, type invoice.*), its targets in order:',
      '  1. workflow:dunning (workflow)',
      '     steps: mark-past-due → request-reminder',
      '     may emit: dunning.reminder_requested, dunning.restored',
      '  2. ledger (http, dry run: records this, sends nothing)',
      '     POST https://ledger.example.com/hooks',
      '     content-type: application/json',
      '     user-agent: RelayFlow',
      `     webhook-id: ${key}`,
      `     webhook-timestamp: ${NOW_SECONDS}`,
      `     idempotency-key: ${key}`,
      '     x-correlation-id: route-test',
      '     webhook-signature: (signed with the target signing secret when sent)',
      expect.stringMatching(/^ {5}body: sha256:[0-9a-f]{64} \(\d+ bytes\)$/),
      'Emitted dunning.reminder_requested would take route #1.',
      'Emitted dunning.restored would take route #1.',
      'Also matching, never run for it (the first match wins): route #2.',
    ]);
  });

  it('prints the same as data with --json', async () => {
    const result = await runAgainst(STACK, [
      '--json',
      'route',
      'test',
      'invoice.paid',
      '--provider',
      'stripe',
      '--tenant',
      'acme',
    ]);

    const { events } = JSON.parse(result.stdout) as {
      events: {
        event: { tenant: string; type: string };
        route: { index: number };
        targets: { kind: string; steps?: string[] }[];
      }[];
    };
    expect(events).toEqual([
      expect.objectContaining({
        event: expect.objectContaining({ tenant: 'acme', type: 'invoice.paid' }),
        route: expect.objectContaining({ index: 0 }),
        targets: [
          expect.objectContaining({ kind: 'workflow', steps: ['restore'] }),
          expect.objectContaining({ kind: 'http', targetId: 'ledger', mode: 'dry-run' }),
        ],
        shadowed: [2],
      }),
    ]);
  });

  it('routes a canonical event written to a file, and says when no route matches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relayflow-route-'));
    try {
      const file = join(dir, 'event.json');
      writeFileSync(
        file,
        JSON.stringify(anIntegrationEvent({ type: 'crm.contact.created', provider: 'hubspot' })),
      );

      const result = await runAgainst(
        {
          ...STACK,
          config: { providers: { stripe: {} }, routes: [CONFIG.routes?.[0] ?? {}] } as RelayFlowConfigInput,
        },
        ['route', 'test', file],
      );

      expect(linesOf(result.stdout).at(-1)).toBe(
        'No route matches: the consumer would mark it PROCESSED, outcome unrouted.',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says which route fired and why each earlier route did not, filters included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relayflow-route-'));
    try {
      const file = join(dir, 'event.json');
      writeFileSync(
        file,
        JSON.stringify(anIntegrationEvent({ type: 'payment.succeeded', data: { amount: 5 } })),
      );
      const config: RelayFlowConfigInput = {
        providers: { stripe: {} },
        routes: [
          { match: { type: 'refund.*' }, targets: [{ kind: 'eventbridge' }] },
          {
            match: { type: 'payment.*', filter: { path: 'data.amount', '>=': 1000 } },
            targets: [{ kind: 'eventbridge', id: 'large' }],
          },
          {
            match: { type: 'payment.*', filter: { not: { path: 'data.amount', '>=': 1000 } } },
            targets: [{ kind: 'eventbridge', id: 'small' }],
          },
        ],
      };

      const result = await runAgainst({ ...STACK, config }, ['route', 'test', file]);

      expect(linesOf(result.stdout).slice(1, 4)).toEqual([
        'Route #0 skipped: type payment.succeeded does not match refund.*.',
        'Route #1 skipped: data.amount >= 1000 does not hold (data.amount is 5).',
        'Route #2 fires (type payment.*, filter not (data.amount >= 1000)), its targets in order:',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders a target’s transformed body, and says when a transform would refuse the request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relayflow-route-'));
    try {
      const file = join(dir, 'event.json');
      writeFileSync(
        file,
        JSON.stringify(anIntegrationEvent({ type: 'payment.succeeded', data: { amount: 5 } })),
      );
      const config: RelayFlowConfigInput = {
        providers: { stripe: {} },
        routes: [
          {
            match: { type: '*' },
            targets: [
              {
                kind: 'http',
                id: 'small',
                url: 'https://a.example.com',
                transform: '{ "amount": data.amount }',
              },
              { kind: 'eventbridge', id: 'bus', transform: 'data.amount' },
            ],
          },
        ],
      };

      const result = await runAgainst({ ...STACK, config }, ['route', 'test', file]);

      const body = JSON.stringify({ amount: 5 });
      expect(linesOf(result.stdout)).toContain(
        `     body: sha256:${createHash('sha256').update(body).digest('hex')} (${body.length} bytes)`,
      );
      expect(linesOf(result.stdout).slice(-2)).toEqual([
        '  2. bus (refused)',
        '     refused before any call (the consumer would dead-letter the event): EventBridge takes a JSON object as detail; the transform yielded number',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a stored event with --event', async () => {
    const table: LocalEventTable = await startEventTable();
    try {
      const event = anIntegrationEvent({ type: 'dunning.restored', provider: 'internal' });
      await new EventStore(table.documentClient, {
        tableName: table.tableName,
        retentionDays: 1,
      }).putPayloadIfAbsent(aStoredEvent(event).payload, new Date());
      const stack: CliStack = { outputs: { EventTableName: table.tableName }, config: CONFIG };

      const result = await runAgainst(stack, ['route', 'test', '--event', event.id, '--local'], () =>
        Promise.resolve({ ...fakeEnvironment(stack), dynamodb: table.documentClient }),
      );

      expect(result.connects).toBe(1);
      expect(result.stdout.split('\n').slice(1, 4)).toEqual([
        'Route #0 skipped: provider is internal, not stripe.',
        'Route #1 fires (type dunning.*), its targets in order:',
        expect.stringMatching(/^ {2}1\. eventbridge:billing:[0-9a-f]{8} \(eventbridge\)$/),
      ]);
    } finally {
      await table.stop();
    }
  });

  it('asks for a fixture or an event id, in one sentence', async () => {
    const neither = await runAgainst(STACK, ['route', 'test']);
    const both = await runAgainst(STACK, ['route', 'test', FIXTURE, '--event', 'ev_1']);

    expect([neither.code, both.code]).toEqual([1, 1]);
    expect(linesOf(neither.stderr)).toEqual([
      'relayflow: Give a fixture or --event <id>, not both and not neither.',
    ]);
    expect(linesOf(both.stderr)).toEqual([
      'relayflow: Give a fixture or --event <id>, not both and not neither.',
    ]);
  });
});
