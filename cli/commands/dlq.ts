import type { Command } from 'commander';
import { DeadLetterQueue } from '../../functions/operator/dead-letter-queue';
import { EventQueries } from '../../functions/operator/event-queries';
import { age, json, positiveInt, table } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';

export const registerDlq = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  program
    .command('dlq')
    .description("Dead-letter queue: depth, oldest message age and a sample with each event's status")
    .option(
      '--sample <n>',
      'messages to read (they are made visible again at once)',
      positiveInt('--sample', 1000),
      10,
    )
    .action(async (options: { sample: number }) => {
      const env = await deps.connect(globals());
      const deadLetters = new DeadLetterQueue(env.sqs, env.output('DeadLetterQueueUrl'));
      const queries = new EventQueries(env.dynamodb, env.output('EventTableName'));
      const depth = await deadLetters.depth();
      const messages = await deadLetters.peek(options.sample);
      const states = new Map(
        (await queries.states(messages.flatMap((m) => (m.claim ? [m.claim.eventId] : [])))).map((s) => [
          s.eventId,
          s,
        ]),
      );
      const now = deps.now();
      const oldest = messages
        .map((m) => m.sentAt)
        .filter((t): t is string => Boolean(t))
        .sort()[0];
      const sample = messages.map((m) => {
        const state = m.claim ? states.get(m.claim.eventId) : undefined;
        return {
          messageId: m.messageId,
          groupId: m.groupId,
          sentAt: m.sentAt,
          eventId: m.claim?.eventId,
          status: state?.status ?? (m.claim ? 'NOT IN STORE' : 'NOT A CLAIM CHECK'),
          type: state?.type,
          lastError: state?.lastError,
        };
      });
      if (globals().json) {
        deps.output.out(json({ depth, oldestSentAt: oldest, sample }));
        return;
      }
      const lines = [
        `Dead-letter queue: ${depth.visible} visible, ${depth.inFlight} in flight.${oldest ? ` Oldest sampled message was first sent ${age(oldest, now)} ago (${oldest}).` : ''}`,
      ];
      if (sample.length > 0) {
        lines.push(
          '',
          table(
            ['EVENT', 'STATUS', 'TYPE', 'GROUP', 'SENT', 'LAST ERROR'],
            sample.map((s) => [s.eventId ?? s.messageId, s.status, s.type, s.groupId, s.sentAt, s.lastError]),
          ),
        );
        lines.push('', 'Replay them: relayflow replay --reason "…" (a dry run; add --execute).');
      }
      deps.output.out(lines.join('\n'));
    });
};
