import { SPEC_VERSION, type IntegrationEvent } from '#shared/contract/integration-event';
import type { EmailContent } from '#shared/channels/contract';
import type { EventDraft, NormalizedItem } from '#shared/providers/types';
import { aMessage } from './recording-server';

/** An email message as the delivery code builds it. */
export const anEmail = (
  content: Partial<EmailContent> = {},
  overrides: Parameters<typeof aMessage>[0] = {},
) =>
  aMessage({
    channel: 'email',
    via: 'test',
    to: 'receiver@example.com',
    content: { subject: 'Your receipt', text: 'Thanks for your order.', ...content },
    ...overrides,
  });

/** The events of normalized items, as the ingest stores them (the fields receipts read). */
export const eventsOf = (provider: string, items: readonly NormalizedItem[]): IntegrationEvent[] =>
  items.map((item, index) => {
    if (item.kind !== 'event') throw new Error(`Expected an event, got ${JSON.stringify(item)}`);
    return eventOf(provider, item.draft, index);
  });

export const eventOf = (provider: string, draft: EventDraft, index = 0): IntegrationEvent => ({
  specVersion: SPEC_VERSION,
  id: `evt-${provider}-${index}`,
  idempotencyKey: `default:${provider}:${draft.providerType}:${draft.externalId}`,
  tenant: 'default',
  provider,
  type: draft.type,
  providerType: draft.providerType,
  externalId: draft.externalId,
  entity: draft.entity ?? { kind: 'event', id: `evt-${provider}-${index}` },
  occurredAt: draft.occurredAt ?? '2024-01-01T00:00:00.000Z',
  receivedAt: '2024-01-01T00:00:01.000Z',
  correlationId: 'corr-receipt',
  data: draft.data,
});
