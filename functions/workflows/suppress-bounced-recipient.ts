import * as z from 'zod/mini';
import { sha256Hex } from '#shared/store/records';
import { PermanentWorkflowError } from '#shared/targets/errors';
import type { Workflow } from '#shared/targets/types';
import { defineWorkflow } from '#shared/workflows/define';
import { DynamoDbSuppressionList, type SuppressionList } from '#shared/workflows/suppression-list';

/**
 * The canonical `email.*` data every email provider (SendGrid, Postmark, Mailgun) normalizes
 * into, which `message.bounced` (a receipt matched to a message RelayFlow sent) carries too: this
 * workflow reads nothing provider-specific.
 */
const BouncedEmailSchema = z.object({
  recipient: z.string().check(z.minLength(3)),
  reason: z.optional(z.string()),
  messageId: z.optional(z.string()),
});

/** `"Ann <Ann@Example.com> "` → `ann@example.com`. */
export const bareAddress = (recipient: string): string | undefined => {
  const inAngles = /<([^<>]+)>/.exec(recipient)?.[1];
  const address = (inAngles ?? recipient).trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+$/.test(address) ? address : undefined;
};

/** The bounces this workflow takes: any provider's, and those of messages RelayFlow sent. */
const BOUNCES: ReadonlySet<string> = new Set(['email.bounced', 'message.bounced']);

/**
 * On `email.bounced` (a permanent bounce, whichever provider reported it) or `message.bounced`, adds the recipient to
 * the tenant's suppression list, so that senders can check it before mailing the address again.
 * Safe to run twice: the list keeps the first bounce.
 */
export const suppressBouncedRecipient =
  (list: SuppressionList): Workflow =>
  async (event, ctx) => {
    if (!BOUNCES.has(event.type)) {
      throw new PermanentWorkflowError(
        `suppress-bounced-recipient handles email.bounced and message.bounced, not ${event.type}; check the route`,
      );
    }
    const data = BouncedEmailSchema.safeParse(event.data);
    const address = data.success ? bareAddress(data.data.recipient) : undefined;
    if (!data.success || !address)
      throw new PermanentWorkflowError('the bounce names no usable recipient address');
    const result = await list.add({
      tenant: event.tenant,
      address,
      reason: data.data.reason?.slice(0, 300) ?? 'bounced',
      provider: event.provider,
      eventId: event.id,
      occurredAt: event.occurredAt,
    });
    // The address itself stays out of the logs: its digest is enough to find the item's event.
    ctx.logger.info(result === 'added' ? 'recipient suppressed' : 'recipient was already suppressed', {
      recipientSha256: sha256Hex(address).slice(0, 16),
    });
  };

/** The registry's entry: a one-step workflow, so its step keeps the target's downstream key. */
export const suppressBouncedRecipientWorkflow = defineWorkflow({
  name: 'suppress-bounced-recipient',
  dependencies: (shared) =>
    suppressBouncedRecipient(new DynamoDbSuppressionList(shared.documentClient, shared.eventTable)),
  steps: [{ name: 'suppress', run: (event, ctx, suppress) => suppress(event, ctx) }],
});
