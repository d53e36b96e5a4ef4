import { Logger } from '@aws-lambda-powertools/logger';
import type { TargetError } from '#shared/targets/errors';
import { PermanentWorkflowError } from '#shared/targets/errors';
import type { DeliveryContext } from '#shared/targets/types';
import { WorkflowDelivery } from '#shared/targets/workflow';
import type { SagaRuntime } from '#shared/workflows/saga';
import { anIntegrationEvent } from '../../helpers/sqs-events';

const ctx: DeliveryContext = {
  idempotencyKey: 'rf_key',
  correlationId: 'corr-workflow-1234',
  logger: new Logger({ logLevel: 'SILENT' }),
  rawBody: () => Promise.resolve(Buffer.from('raw')),
};

/** One-step workflows record nothing and emit nothing: the saga runtime is never reached. */
const unused: SagaRuntime = {
  records: {
    sagaProgress: () => Promise.reject(new Error('unused')),
    markStepDone: () => Promise.reject(new Error('unused')),
    markStepCompensated: () => Promise.reject(new Error('unused')),
  },
  audit: { append: () => Promise.reject(new Error('unused')) },
  publisher: { publish: () => Promise.reject(new Error('unused')) },
  now: () => new Date(),
};

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as TargetError,
  );

describe('workflow target', () => {
  it('hands the workflow the event and the derived idempotency key and correlation id', async () => {
    const seen: unknown[] = [];
    const delivery = new WorkflowDelivery(
      new Map([
        ['w', (event, c) => Promise.resolve(void seen.push([event.id, c.idempotencyKey, c.correlationId]))],
      ]),
      unused,
    );
    const event = anIntegrationEvent();

    await delivery.deliver({ kind: 'workflow', id: 'workflow:w', name: 'w' }, event, ctx);

    expect(seen).toEqual([[event.id, 'rf_key', 'corr-workflow-1234']]);
  });

  it('retries a workflow that throws, but not one that says its failure is permanent', async () => {
    const delivery = new WorkflowDelivery(
      new Map([
        ['flaky', () => Promise.reject(new Error('timeout'))],
        ['strict', () => Promise.reject(new PermanentWorkflowError('bad data'))],
      ]),
      unused,
    );

    const flaky = await failureOf(
      delivery.deliver({ kind: 'workflow', id: 'a', name: 'flaky' }, anIntegrationEvent(), ctx),
    );
    const strict = await failureOf(
      delivery.deliver({ kind: 'workflow', id: 'b', name: 'strict' }, anIntegrationEvent(), ctx),
    );

    expect(flaky).toMatchObject({ retryable: true, errorClass: 'workflow-failed' });
    expect(strict).toMatchObject({ retryable: false, errorClass: 'workflow-rejected' });
  });

  it('treats a workflow that does not exist as permanent', async () => {
    const error = await failureOf(
      new WorkflowDelivery(new Map(), unused).deliver(
        { kind: 'workflow', id: 'x', name: 'gone' },
        anIntegrationEvent(),
        ctx,
      ),
    );

    expect(error).toMatchObject({ retryable: false, errorClass: 'workflow-unknown' });
  });
});
