import type { EventQueries } from '../../../functions/operator/event-queries';
import { walkStore } from '../../../functions/operator/store-walk';
import type { EventState } from '../../../functions/store/records';
import { groupFailures } from '../../error-class';
import type { DeadLettersAnswer, DeadLetterGroup, QueueHealth } from '../contract';
import type { PayloadRedactor } from './redact';

/** Events the inbox reads at most, newest status change first: enough to triage, bounded in cost. */
export const MAX_DEAD_LETTERS = 1000;

/** The inbox's groups: by error class (cli/error-class.ts), provider and entity, the largest first. */
export const deadLetterGroups = (
  states: readonly EventState[],
  redactor: Pick<PayloadRedactor, 'value'>,
): DeadLetterGroup[] =>
  groupFailures(states, (s) => `${s.provider}\u0000${s.entityKind}:${s.entityId}`).map((group) => {
    const first = group.members[0];
    return {
      errorClass: group.errorClass,
      provider: first?.provider ?? '',
      entity: first ? `${first.entityKind}:${first.entityId}` : '',
      count: group.count,
      latest: group.latest,
      example: redactor.value(group.example),
      eventIds: group.members.map((s) => s.eventId),
    };
  });

/** DEAD_LETTERED and QUARANTINED events, grouped, with the dead-letter queue's depth and oldest age. */
export const deadLetters = async (
  deps: {
    readonly queries: EventQueries;
    /** The queue's depth and oldest age, as the overview reads them (overview.ts). */
    readonly queueHealth: () => Promise<QueueHealth>;
    readonly redactor: Pick<PayloadRedactor, 'value'>;
  },
  max = MAX_DEAD_LETTERS,
): Promise<DeadLettersAnswer> => {
  const states: EventState[] = [];
  for await (const { state } of walkStore(deps.queries, {
    statuses: ['DEAD_LETTERED', 'QUARANTINED'],
    newestFirst: true,
  })) {
    states.push(state);
    if (states.length === max) break;
  }
  const depth = await deps.queueHealth();
  return { depth, groups: deadLetterGroups(states, deps.redactor), scanned: states.length };
};
