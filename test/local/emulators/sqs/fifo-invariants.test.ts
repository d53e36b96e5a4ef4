import fc from 'fast-check';
import { ManualClock, SqsEmulator } from '../../../../local/emulators/sqs';

type Operation =
  | { readonly kind: 'send'; readonly group: number }
  | { readonly kind: 'receive'; readonly max: number; readonly visibility: number }
  | { readonly kind: 'delete'; readonly pick: number }
  | { readonly kind: 'release'; readonly pick: number }
  | { readonly kind: 'advance'; readonly seconds: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('send' as const), group: fc.integer({ min: 0, max: 1 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('receive' as const),
      max: fc.integer({ min: 1, max: 4 }),
      visibility: fc.integer({ min: 0, max: 20 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 15 }) }),
  },
);

interface Held {
  readonly body: string;
  readonly group: string;
  readonly handle: string;
  readonly visibleUntil: number;
}

describe('SQS emulator: FIFO invariants under random operation sequences', () => {
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html
  // https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned
  // Whatever the interleaving of sends, receives, deletes, visibility changes and time: a message is
  // delivered only when every earlier message of its group is deleted or delivered before it in the
  // same receive, never while its group has a message in flight, and nothing is lost.
  it('delivers each group strictly in order, one batch in flight at a time, losing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 60 }), async (operations) => {
        const clock = new ManualClock();
        const sqs = new SqsEmulator({ clock });
        const { QueueUrl } = await sqs.createQueue({
          QueueName: 'model.fifo',
          Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
        });
        const sentByGroup = new Map<string, string[]>();
        const deleted = new Set<string>();
        let held: Held[] = [];
        let counter = 0;

        const receiveAll = async (max: number, visibility: number): Promise<void> => {
          const { Messages = [] } = await sqs.receiveMessage({
            QueueUrl,
            MaxNumberOfMessages: max,
            VisibilityTimeout: visibility,
            MessageSystemAttributeNames: ['MessageGroupId'],
          });
          const now = clock.now();
          const inFlight = held.filter((h) => h.visibleUntil > now && !deleted.has(h.body));
          const deliveredSoFar = new Set<string>();
          for (const message of Messages) {
            const body = message.Body ?? '';
            const group = message.Attributes?.MessageGroupId ?? '';
            expect(inFlight.some((h) => h.group === group)).toBe(false);
            const earlier = (sentByGroup.get(group) ?? []).slice(
              0,
              (sentByGroup.get(group) ?? []).indexOf(body),
            );
            expect(earlier.filter((b) => !deleted.has(b) && !deliveredSoFar.has(b))).toEqual([]);
            deliveredSoFar.add(body);
          }
          held = held.filter((h) => !deliveredSoFar.has(h.body));
          for (const message of Messages) {
            held.push({
              body: message.Body ?? '',
              group: message.Attributes?.MessageGroupId ?? '',
              handle: message.ReceiptHandle ?? '',
              visibleUntil: now + visibility * 1000,
            });
          }
        };

        for (const op of operations) {
          const live = held.filter((h) => h.visibleUntil > clock.now() && !deleted.has(h.body));
          if (op.kind === 'send') {
            const group = `g${op.group}`;
            const body = `m${counter++}`;
            await sqs.sendMessage({ QueueUrl, MessageBody: body, MessageGroupId: group });
            sentByGroup.set(group, [...(sentByGroup.get(group) ?? []), body]);
          } else if (op.kind === 'receive') {
            await receiveAll(op.max, op.visibility);
          } else if (op.kind === 'advance') {
            clock.advance(op.seconds * 1000);
          } else if (live.length > 0) {
            const target = live[op.pick % live.length];
            if (target === undefined) continue;
            if (op.kind === 'delete') {
              await sqs.deleteMessage({ QueueUrl, ReceiptHandle: target.handle });
              deleted.add(target.body);
            } else {
              await sqs.changeMessageVisibilityBatch({
                QueueUrl,
                Entries: [{ Id: 'release', ReceiptHandle: target.handle, VisibilityTimeout: 0 }],
              });
              held = held.map((h) => (h === target ? { ...h, visibleUntil: clock.now() } : h));
            }
          }
        }

        // Drain: everything not deleted must still come out, in order per group.
        for (let round = 0; round < 200; round += 1) {
          clock.advance(21_000);
          const { Messages = [] } = await sqs.receiveMessage({ QueueUrl, MaxNumberOfMessages: 10 });
          if (Messages.length === 0) break;
          for (const message of Messages) {
            await sqs.deleteMessage({ QueueUrl, ReceiptHandle: message.ReceiptHandle });
            deleted.add(message.Body ?? '');
          }
        }
        expect(deleted.size).toBe(counter);
      }),
      { numRuns: 400 },
    );
  });
});
