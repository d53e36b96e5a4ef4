import fc from 'fast-check';
import type { MessageStatus, ReceiptStatus } from '#shared/channels/contract';
import { afterReceipt, FINAL_MESSAGE_STATUSES } from '#shared/channels/status';

const RECEIPTS: readonly ReceiptStatus[] = ['delivered', 'opened', 'bounced', 'failed'];
const STARTS: readonly MessageStatus[] = ['SENDING', 'UNCERTAIN', 'SENT', 'RECEIPT_MISSING'];

/** The rank the precedence order gives each status a receipt can lead to, written out again here. */
const RANK: Readonly<Record<ReceiptStatus, number>> = { delivered: 2, opened: 3, bounced: 4, failed: 4 };
const STATUS_OF: Readonly<Record<ReceiptStatus, MessageStatus>> = {
  delivered: 'DELIVERED',
  opened: 'OPENED',
  bounced: 'BOUNCED',
  failed: 'FAILED',
};

/** How far each status is along the order. */
const LEVEL: Readonly<Record<MessageStatus, number>> = {
  SENDING: 0,
  UNCERTAIN: 0,
  SENT: 1,
  RECEIPT_MISSING: 1,
  DELIVERED: 2,
  OPENED: 3,
  BOUNCED: 4,
  FAILED: 4,
};

const fold = (start: MessageStatus, receipts: readonly ReceiptStatus[]) =>
  receipts.reduce(afterReceipt, start);

/** A set of receipts with at most one of rank 4 (a message bounces or fails, not both), and its orders. */
const receiptSet = fc
  .record({
    delivered: fc.boolean(),
    opened: fc.boolean(),
    terminal: fc.constantFrom<ReceiptStatus | undefined>(undefined, 'bounced', 'failed'),
    repeats: fc.array(fc.constantFrom('delivered', 'opened') as fc.Arbitrary<ReceiptStatus>, {
      maxLength: 3,
    }),
  })
  .map(({ delivered, opened, terminal, repeats }) => [
    ...(delivered ? (['delivered'] as const) : []),
    ...(opened ? (['opened'] as const) : []),
    ...(terminal ? [terminal] : []),
    ...repeats,
  ]);

describe('the precedence order of receipts', () => {
  it('ends in the same status, the highest ranked, whatever order the receipts arrive in', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STARTS),
        receiptSet.chain((set) =>
          fc.tuple(
            fc.constant(set),
            fc.shuffledSubarray(set, { minLength: set.length, maxLength: set.length }),
          ),
        ),
        (start, [set, shuffled]) => {
          const top = set.reduce<ReceiptStatus | undefined>(
            (a, b) => (a === undefined || RANK[b] > RANK[a] ? b : a),
            undefined,
          );
          expect(fold(start, shuffled)).toBe(fold(start, set));
          expect(fold(start, set)).toBe(top === undefined ? start : STATUS_OF[top]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never moves a message down, whatever receipt comes next', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STARTS),
        fc.array(fc.constantFrom(...RECEIPTS), { maxLength: 8 }),
        (start, receipts) => {
          const steps = receipts.reduce<{ from: MessageStatus; to: MessageStatus }[]>((done, receipt) => {
            const from = done.at(-1)?.to ?? start;
            return [...done, { from, to: afterReceipt(from, receipt) }];
          }, []);
          // No step goes down the order; a bounced or failed message never moves again.
          expect(steps.filter(({ from, to }) => LEVEL[to] < LEVEL[from])).toEqual([]);
          expect(
            steps.filter(({ from, to }) => (from === 'BOUNCED' || from === 'FAILED') && to !== from),
          ).toEqual([]);
          expect(FINAL_MESSAGE_STATUSES.has(steps.at(-1)?.to ?? start)).toBe(
            steps.some(({ to }) => FINAL_MESSAGE_STATUSES.has(to)),
          );
        },
      ),
    );
  });

  it.each(['BOUNCED', 'OPENED', 'FAILED'] as const)('a late delivered never undoes %s', (status) => {
    expect(afterReceipt(status, 'delivered')).toBe(status);
  });

  it('an open after a bounce or a failure is kept as it was; an open after delivery moves it', () => {
    expect(afterReceipt('BOUNCED', 'opened')).toBe('BOUNCED');
    expect(afterReceipt('FAILED', 'opened')).toBe('FAILED');
    expect(afterReceipt('DELIVERED', 'opened')).toBe('OPENED');
    expect(afterReceipt('OPENED', 'bounced')).toBe('BOUNCED');
  });

  it('a receipt moves a message that is still sending, uncertain or missing its receipt', () => {
    for (const start of STARTS) expect(afterReceipt(start, 'delivered')).toBe('DELIVERED');
  });

  it('bounced and failed rank the same: the first one stays', () => {
    expect(fold('SENT', ['bounced', 'failed'])).toBe('BOUNCED');
    expect(fold('SENT', ['failed', 'bounced'])).toBe('FAILED');
  });
});
