import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { EventStore } from '../../lib/constructs/event-store';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, number>) => Server;

/** The table definition exactly as the EventStore construct synthesizes it: one source of truth. */
export const eventTableDefinition = (tableName: string): CreateTableCommandInput => {
  const stack = new Stack();
  new EventStore(stack, 'EventStore', { removalPolicy: RemovalPolicy.DESTROY });
  const [table] = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table')) as {
    Properties: Omit<CreateTableCommandInput, 'TableName'>;
  }[];
  if (!table) throw new Error('EventStore synthesized no table');
  const { KeySchema, AttributeDefinitions, GlobalSecondaryIndexes } = table.Properties;
  return {
    TableName: tableName,
    KeySchema,
    AttributeDefinitions,
    GlobalSecondaryIndexes,
    BillingMode: 'PAY_PER_REQUEST',
  };
};

export interface LocalEventTable {
  readonly endpoint: string;
  readonly tableName: string;
  readonly documentClient: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

/** A fresh in-memory DynamoDB (dynalite) holding the event table. */
export const startEventTable = async (tableName = 'events'): Promise<LocalEventTable> => {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(new CreateTableCommand(eventTableDefinition(tableName)));
  return {
    endpoint,
    tableName,
    documentClient: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
