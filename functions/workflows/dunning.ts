import * as z from 'zod/mini';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import { PermanentWorkflowError } from '#shared/targets/errors';
import { defineWorkflow } from '#shared/workflows/define';
import { DynamoDbDunningAccounts } from '#shared/workflows/dunning-accounts';

/** Stripe's invoice events under their canonical names (functions/providers/stripe/normalize.ts). */
export const PAYMENT_FAILED = 'invoice.payment_failed';
export const PAID = 'invoice.paid';
/** What the dunning flow publishes, for routes to deliver (docs/workflows.md). */
export const REMINDER_REQUESTED = 'dunning.reminder_requested';
export const RESTORED = 'dunning.restored';

/**
 * The invoice in a Stripe `invoice.*` event: the canonical event's data is Stripe's event object
 * (docs/contract.md), so this reads `data.object`, and only the fields the flow needs.
 */
const InvoiceEventSchema = z.object({
  data: z.object({
    object: z.object({
      id: z.string().check(z.minLength(1)),
      customer: z.string().check(z.minLength(1)),
      amount_due: z.optional(z.number()),
      currency: z.optional(z.string()),
      attempt_count: z.optional(z.number()),
    }),
  }),
});

const invoiceOf = (event: IntegrationEvent) => {
  const parsed = InvoiceEventSchema.safeParse(event.data);
  if (!parsed.success)
    throw new PermanentWorkflowError(`${event.type} ${event.id} names no invoice with a customer`);
  const invoice = parsed.data.data.object;
  return { ...invoice, account: invoice.customer };
};

const changeOf = (event: IntegrationEvent, account: string) => ({
  tenant: event.tenant,
  account,
  eventId: event.id,
  at: event.occurredAt,
});

/**
 * Dunning (issue 17's example saga). On `invoice.payment_failed`: mark the account past due,
 * then request a reminder by emitting `dunning.reminder_requested`, which routes deliver (an
 * HTTP target signs, retries and rate-limits it; a dry run shows it). If the reminder cannot be
 * requested for good, the mark is taken back: an account is never left past due without the
 * reminder that tells its owner. On `invoice.paid` for the invoice that opened the dunning:
 * restore the account and emit `dunning.restored`.
 */
export const dunningWorkflow = defineWorkflow({
  name: 'dunning',
  emits: [REMINDER_REQUESTED, RESTORED],
  dependencies: (shared) => new DynamoDbDunningAccounts(shared.documentClient, shared.eventTable),
  steps: [
    {
      name: 'mark-past-due',
      on: [PAYMENT_FAILED],
      run: async (event, ctx, accounts) => {
        const invoice = invoiceOf(event);
        const result = await accounts.markPastDue({
          ...changeOf(event, invoice.account),
          invoiceId: invoice.id,
        });
        ctx.logger.info(result === 'marked' ? 'account marked past due' : 'account was already past due', {
          invoiceId: invoice.id,
        });
      },
      compensate: async (event, ctx, accounts) => {
        const { account } = invoiceOf(event);
        const result = await accounts.unmarkPastDue(changeOf(event, account));
        ctx.logger.info(
          result === 'unmarked' ? 'past-due mark taken back' : 'no past-due mark of this event to take back',
        );
      },
    },
    {
      name: 'request-reminder',
      on: [PAYMENT_FAILED],
      run: async (event, ctx) => {
        const invoice = invoiceOf(event);
        await ctx.emit(REMINDER_REQUESTED, {
          account: invoice.account,
          invoiceId: invoice.id,
          ...(invoice.amount_due === undefined ? {} : { amountDue: invoice.amount_due }),
          ...(invoice.currency === undefined ? {} : { currency: invoice.currency }),
          ...(invoice.attempt_count === undefined ? {} : { attempt: invoice.attempt_count }),
        });
      },
    },
    {
      name: 'restore',
      on: [PAID],
      run: async (event, ctx, accounts) => {
        const invoice = invoiceOf(event);
        const result = await accounts.restore({ ...changeOf(event, invoice.account), invoiceId: invoice.id });
        if (result === 'not-past-due') return;
        await ctx.emit(RESTORED, { account: invoice.account, invoiceId: invoice.id });
      },
    },
  ],
});
