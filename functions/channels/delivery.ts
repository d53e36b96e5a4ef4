import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { MessageTarget } from '#shared/routing/routes';
import { TargetError } from '#shared/targets/errors';
import {
  ChannelError,
  type AdapterContext,
  type ChannelAdapter,
  type Message,
  type MessageStatus,
} from '#shared/channels/contract';
import type { MessageRecord, MessageStore } from '#shared/channels/message-store';
import { contentOf, messageIdOf, renderMessage, RenderError } from '#shared/channels/render';
import type { AdapterSet } from '#shared/channels/registry';
import type { ChannelTemplates } from '#shared/channels/templates/index';

/** What a message counts, per channel, adapter and tenant (lib/constructs/observability.ts). */
export type MessageMetric =
  | 'MessageSent'
  | 'MessageDelivered'
  | 'MessageOpened'
  | 'MessageBounced'
  | 'MessageFailed'
  | 'MessageUncertain'
  | 'MessageDeliveryLatency';

export type MessageMetricSink = (
  name: MessageMetric,
  message: Pick<MessageRecord, 'channel' | 'via' | 'tenant'>,
  value?: number,
) => void;

/**
 * Error classes after which the provider may have taken the message: no answer came back, or a
 * 2xx that names no message (functions/channels/http.ts `unreadableAnswer`). Any other failure is
 * an answer (429, 5xx, a refusal), after which sending again cannot duplicate.
 */
const OUTCOME_UNKNOWN: ReadonlySet<string> = new Set(['timeout', 'network', 'unreadable-answer']);

export interface MessageDeliveryDependencies {
  readonly store: MessageStore;
  readonly adapters: AdapterSet;
  /** The adapter's credentials for the tenant (its own secret, else the adapter's). */
  readonly credentials: (via: string, tenant: string) => Promise<unknown>;
  /** The adapter's API base URL (configuration, else the adapter's default). */
  readonly baseUrl: (adapter: ChannelAdapter<unknown>) => string;
  /** Where the provider posts this tenant's status callbacks, for providers that take one per send. */
  readonly statusCallbackUrl: (via: string, tenant: string) => string | undefined;
  readonly templates: Readonly<Record<string, ChannelTemplates>>;
  readonly fetch: typeof fetch;
  readonly now: () => Date;
  readonly timeoutMs: number;
  readonly metric: MessageMetricSink;
}

/** A ChannelError as the consumer's retry rules read it, under the target's id; anything else as it is. */
const asTargetError = (target: MessageTarget, error: unknown): unknown =>
  error instanceof ChannelError
    ? new TargetError(target.id, error.errorClass, error.retryable, error.message, {
        cause: error,
        retryAfterSeconds: error.retryAfterSeconds,
      })
    : error;

/**
 * Sends a `message` target's message exactly once where the provider allows it, and says so where
 * it cannot know (decision 0054): the intent is recorded (SENDING) before the call, SENT with the
 * provider's id after. A retry that finds SENDING after a call with no answer asks the provider
 * (`find`) or, where it cannot, holds the message UNCERTAIN (`onUncertain: 'hold'`) or sends again
 * (`'resend'`). A refusal for good (an invalid recipient) marks it FAILED and fails the event.
 */
export class MessageDelivery {
  constructor(private readonly deps: MessageDeliveryDependencies) {}

  /** The adapter, or a permanent failure naming the ones there are. */
  private async adapterOf(target: MessageTarget): Promise<ChannelAdapter<unknown>> {
    const adapter = await this.deps.adapters.get(target.via);
    if (!adapter || !adapter.channels.includes(target.channel))
      throw new TargetError(
        target.id,
        'channel-unknown',
        false,
        adapter
          ? `adapter ${target.via} does not send ${target.channel}`
          : `no channel adapter ${target.via} in this stack (configured: ${this.deps.adapters.ids.join(', ') || 'none'})`,
      );
    return adapter;
  }

  /** The message the target sends for the event: rendered, and checked by its adapter. */
  async render(target: MessageTarget, event: IntegrationEvent, downstreamKey: string): Promise<Message> {
    const adapter = await this.adapterOf(target);
    const content = contentOf(target, this.deps.templates);
    if (typeof content === 'string') throw new TargetError(target.id, 'template-missing', false, content);
    let message: Message;
    try {
      message = renderMessage(
        { channel: target.channel, via: target.via, to: target.to, content, metadata: target.metadata },
        event,
        { messageId: messageIdOf(downstreamKey) },
      );
    } catch (error) {
      if (error instanceof RenderError)
        throw new TargetError(target.id, 'render-failed', false, error.message);
      throw error;
    }
    const invalid = adapter.validate(message);
    if (invalid) throw new TargetError(target.id, 'invalid-message', false, invalid);
    return message;
  }

  async deliver(target: MessageTarget, event: IntegrationEvent, downstreamKey: string): Promise<void> {
    const adapter = await this.adapterOf(target);
    const message = await this.render(target, event, downstreamKey);
    const { store } = this.deps;
    const begun = await store.begin(message, this.deps.now());
    const record = begun.record;
    if (begun.kind === 'exists') {
      const next = await this.resume(target, adapter, message, record);
      if (next === 'done') return;
    }
    await this.send(target, adapter, message);
  }

  /**
   * A message that exists from an earlier attempt: done with when it was sent or is an
   * operator's; sent (again) when the last call was refused; otherwise the last call's outcome is
   * unknown, and the provider is asked or the route's `onUncertain` decides.
   */
  private async resume(
    target: MessageTarget,
    adapter: ChannelAdapter<unknown>,
    message: Message,
    record: MessageRecord,
  ): Promise<'done' | 'send'> {
    const settled: readonly MessageStatus[] = ['SENT', 'DELIVERED', 'OPENED', 'BOUNCED', 'RECEIPT_MISSING'];
    if (settled.includes(record.status) || record.status === 'UNCERTAIN') return 'done';
    if (record.status === 'FAILED')
      throw new TargetError(
        target.id,
        'message-failed',
        false,
        `message ${message.id} failed: ${record.lastError ?? 'no reason'}`,
      );
    const now = this.deps.now();
    if (record.lastCall === 'refused') {
      // This call's outcome is unknown until recorded: a refusal licenses one more call, not every
      // later one (a call after it that gets no answer must be asked about or held, not repeated).
      await this.deps.store.calling(message.id, now);
      return 'send';
    }
    const find = adapter.find?.bind(adapter);
    if (find) {
      const found = await this.call(target, async () =>
        find(message, await this.contextFor(adapter, message)),
      );
      if (found.kind === 'found') {
        await this.deps.store.sent(record, found.providerMessageId, now, 'adopted');
        this.deps.metric('MessageSent', record);
        return 'done';
      }
      return 'send';
    }
    if (target.onUncertain === 'resend') {
      await this.deps.store.calling(message.id, now, 'resend');
      return 'send';
    }
    await this.deps.store.uncertain(
      message.id,
      `an earlier call got no answer and ${adapter.id} cannot be asked; held for an operator (onUncertain: hold)`,
      now,
    );
    this.deps.metric('MessageUncertain', record);
    return 'done';
  }

  private async contextFor(
    adapter: ChannelAdapter<unknown>,
    message: Message,
  ): Promise<AdapterContext<unknown>> {
    return {
      credentials: await this.deps.credentials(adapter.id, message.tenant),
      fetch: this.deps.fetch,
      baseUrl: this.deps.baseUrl(adapter),
      statusCallbackUrl: this.deps.statusCallbackUrl(adapter.id, message.tenant),
      signal: AbortSignal.timeout(this.deps.timeoutMs),
    };
  }

  /** Runs an adapter call, its ChannelErrors as the consumer's TargetErrors. */
  private async call<T>(target: MessageTarget, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw asTargetError(target, error);
    }
  }

  private async send(
    target: MessageTarget,
    adapter: ChannelAdapter<unknown>,
    message: Message,
  ): Promise<void> {
    const { store } = this.deps;
    let ctx: AdapterContext<unknown>;
    try {
      ctx = await this.contextFor(adapter, message);
    } catch (error) {
      // No call was made (the credentials are missing): the next attempt may send, and must not
      // find the message as if a call had got no answer.
      await store.refused(
        message.id,
        error instanceof Error ? error.message : String(error),
        this.deps.now(),
      );
      throw asTargetError(target, error);
    }
    let providerMessageId: string;
    try {
      ({ providerMessageId } = await adapter.send(message, ctx));
    } catch (error) {
      const now = this.deps.now();
      if (error instanceof ChannelError && !OUTCOME_UNKNOWN.has(error.errorClass)) {
        if (error.retryable) await store.refused(message.id, error.message, now);
        else {
          await store.failed(message.id, error.message, now);
          this.deps.metric('MessageFailed', message);
        }
      }
      throw asTargetError(target, error);
    }
    await store.sent({ messageId: message.id, via: message.via }, providerMessageId, this.deps.now());
    this.deps.metric('MessageSent', message);
    if (message.channel === 'webhook') await this.deliveredByAnswer(message);
  }

  /** A partner webhook's 2xx is its delivery: there is no other receipt to wait for. */
  private async deliveredByAnswer(message: Message): Promise<void> {
    const record = await this.deps.store.get(message.id);
    if (!record) return;
    const at = this.deps.now().toISOString();
    const result = await this.deps.store.applyReceipt(record, { status: 'delivered', at }, this.deps.now());
    if (result.moved) {
      this.deps.metric('MessageDelivered', record);
      this.deps.metric('MessageDeliveryLatency', record, 0);
    }
  }
}
