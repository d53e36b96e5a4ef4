import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Workflow } from '#shared/targets/types';
import { suppressBouncedRecipient } from '#shared/workflows/suppress-bounced-recipient';
import { DynamoDbSuppressionList } from '#shared/workflows/suppression-list';

export interface WorkflowDependencies {
  readonly documentClient: DynamoDBDocumentClient;
  readonly eventTable: string;
}

/** Every workflow a route may name, built once at cold start from shared clients. */
const factories: Readonly<Record<string, (deps: WorkflowDependencies) => Workflow>> = {
  'suppress-bounced-recipient': (deps) =>
    suppressBouncedRecipient(new DynamoDbSuppressionList(deps.documentClient, deps.eventTable)),
};

/** Names a route may use; the configuration and the Processing construct check routes against them at synth time. */
export const workflowNames: ReadonlySet<string> = new Set(Object.keys(factories));

export const createWorkflows = (deps: WorkflowDependencies): Map<string, Workflow> =>
  new Map(Object.entries(factories).map(([name, create]) => [name, create(deps)]));
