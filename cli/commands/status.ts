import type { Command } from 'commander';
import { queueDepth } from '../../functions/operator/dead-letter-queue';
import { EventQueries } from '../../functions/operator/event-queries';
import { ATTENTION_STATUSES, type EventState } from '../../functions/store/records';
import { PauseStore } from '../../functions/flow/pause-store';
import { isActive } from '../../functions/flow/pauses';
import { groupFailures } from '../error-class';
import { json, table } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';
import { pauseRows } from './pause';

/** Failures looked at for the by-class breakdown: the newest of each failing status. */
const RECENT = 100;

export const registerStatus = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  program
    .command('status')
    .description('Queue depths, events needing an operator by status, and recent failures by error class')
    .action(async () => {
      const env = await deps.connect(globals());
      const queries = new EventQueries(env.dynamodb, env.output('EventTableName'));
      const [main, deadLetter] = await Promise.all([
        queueDepth(env.sqs, env.output('MainQueueUrl')),
        queueDepth(env.sqs, env.output('DeadLetterQueueUrl')),
      ]);
      const pauses = (
        await new PauseStore(env.dynamodb, {
          tableName: env.output('EventTableName'),
          retentionDays: 1,
        }).list()
      ).filter(isActive);
      const counts: Record<string, number> = {};
      for (const status of ATTENTION_STATUSES) counts[status] = await queries.countInStatus(status);
      const failing: EventState[] = [];
      for (const status of ['DEAD_LETTERED', 'COMPENSATION_FAILED', 'RETRYING'] as const) {
        const page = await queries.attentionPage(status, { limit: RECENT, newestFirst: true });
        failing.push(...(await queries.states(page.entries.map((e) => e.eventId))));
      }
      const failures = groupFailures(failing).map(({ errorClass, count, latest, example }) => ({
        errorClass,
        count,
        latest,
        example,
      }));
      if (globals().json) {
        deps.output.out(
          json({
            stack: env.stackName,
            queues: { main, deadLetter },
            statuses: counts,
            pauses,
            recentFailures: failures,
          }),
        );
        return;
      }
      deps.output.out(
        [
          `Stack ${env.stackName} (${env.local ? 'local' : env.region})`,
          '',
          table(
            ['QUEUE', 'VISIBLE', 'IN FLIGHT'],
            [
              ['main', main.visible, main.inFlight],
              ['dead-letter', deadLetter.visible, deadLetter.inFlight],
            ],
          ),
          '',
          table(['STATUS', 'EVENTS'], Object.entries(counts)),
          '',
          pauses.length > 0
            ? `Pauses (relayflow resume <scope> <id> releases what they hold):\n${pauseRows(pauses)}`
            : 'No pauses.',
          '',
          failures.length > 0
            ? `Recent failures by error class (newest ${RECENT} dead-lettered and retrying):\n${table(
                ['ERROR CLASS', 'EVENTS', 'LATEST', 'EXAMPLE'],
                failures.map((f) => [f.errorClass, f.count, f.latest, f.example.slice(0, 80)]),
              )}`
            : 'No recent failures.',
        ].join('\n'),
      );
    });
};
