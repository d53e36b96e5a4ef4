import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TableLimiter } from '../functions/flow/shared-limit';
import { startEventTable } from '../test/helpers/event-table';

/**
 * What a target's shared rate limit costs per call (decisions 0051 and 0062): consumer instances,
 * each with its own `TableLimiter` on one in-memory event table (dynalite), call one key in a
 * loop: take a slot, sleep the wait, spend the delivery's time, then a random pause before the
 * next record. Every request is an `UpdateItem` (a failed condition is billed as a write), so
 * writes per call is the limit's WRU per delivery.
 */
export interface SharedLimitScenario {
  readonly name: string;
  readonly instances: number;
  readonly ratePerSecond: number;
  readonly deliveryMs: number;
  /** Each call is followed by a pause drawn uniformly from [0, pauseMs). */
  readonly pauseMs: number;
}

export interface SharedLimitFigures extends SharedLimitScenario {
  readonly calls: number;
  readonly writesPerCall: number;
  readonly failedPerCall: number;
  readonly achievedPerSecond: number;
}

export const SHARED_LIMIT_SCENARIOS: readonly SharedLimitScenario[] = [
  {
    name: 'saturated: slots queue, each instance sees the key again after its delivery',
    instances: 10,
    ratePerSecond: 20,
    deliveryMs: 150,
    pauseMs: 50,
  },
  {
    name: 'below the rate, a slow target',
    instances: 10,
    ratePerSecond: 50,
    deliveryMs: 100,
    pauseMs: 300,
  },
  {
    name: 'many instances, each calling every second or so',
    instances: 40,
    ratePerSecond: 50,
    deliveryMs: 10,
    pauseMs: 2000,
  },
  { name: 'at the rate, a fast target', instances: 20, ratePerSecond: 50, deliveryMs: 10, pauseMs: 600 },
];

const SECONDS = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const measureScenario = async (scenario: SharedLimitScenario): Promise<SharedLimitFigures> => {
  const table = await startEventTable();
  let writes = 0;
  let failed = 0;
  let calls = 0;
  const counting = {
    send: async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
      writes += 1;
      try {
        return await table.documentClient.send(command as never);
      } catch (error) {
        failed += 1;
        throw error;
      }
    },
  } as unknown as DynamoDBDocumentClient;
  const end = Date.now() + SECONDS * 1000;
  try {
    await Promise.all(
      Array.from({ length: scenario.instances }, async (_, index) => {
        const limiter = new TableLimiter(counting, { tableName: table.tableName });
        // Instances start spread out, as consumer containers do.
        await sleep((index * 1000) / scenario.instances);
        while (Date.now() < end) {
          const wait = await limiter.take('target#bench', scenario.ratePerSecond);
          calls += 1;
          await sleep(wait + scenario.deliveryMs + Math.random() * scenario.pauseMs);
        }
      }),
    );
  } finally {
    await table.stop();
  }
  return {
    ...scenario,
    calls,
    writesPerCall: writes / calls,
    failedPerCall: failed / calls,
    achievedPerSecond: calls / SECONDS,
  };
};

export const measureSharedLimit = async (): Promise<SharedLimitFigures[]> => {
  const figures = [];
  for (const scenario of SHARED_LIMIT_SCENARIOS) figures.push(await measureScenario(scenario));
  return figures;
};

export const sharedLimitSection = (figures: readonly SharedLimitFigures[]): string[] => [
  `A target's shared rate limit (decisions 0051, 0062): consumer instances, each with its own limiter on one`,
  `in-memory event table (dynalite), call one key for ${SECONDS} s: take a slot, sleep the wait, spend the`,
  "delivery's time, pause a random share of the pause before the next call. Every request is an `UpdateItem`;",
  'a failed condition (a wrong guess between a busy and an idle key) is billed as a write. Command:',
  '`npx tsx bench/shared-limit.ts`.',
  '',
  '| load | instances | limit | delivery | pause up to | calls/s | writes per call | of them failed |',
  '|---|---|---|---|---|---|---|---|',
  ...figures.map(
    (f) =>
      `| ${f.name} | ${f.instances} | ${f.ratePerSecond}/s | ${f.deliveryMs} ms | ${f.pauseMs} ms | ${f.achievedPerSecond.toFixed(1)} | ${f.writesPerCall.toFixed(2)} | ${f.failedPerCall.toFixed(2)} |`,
  ),
];

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  void measureSharedLimit().then((figures) => console.log(sharedLimitSection(figures).join('\n')));
}
