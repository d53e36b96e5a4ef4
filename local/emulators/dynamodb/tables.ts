import { z } from 'zod';

/**
 * Turns the Properties of a CloudFormation `AWS::DynamoDB::Table` into a CreateTable request
 * that dynalite accepts. Properties with no local effect (encryption, point-in-time recovery,
 * deletion protection, tags, contributor insights, streams, time to live) are dropped:
 * nothing local reads them.
 */

const keySchema = z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) })).min(1);
const projection = z.object({
  ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']).optional(),
  NonKeyAttributes: z.array(z.string()).optional(),
});
const throughput = z.object({ ReadCapacityUnits: z.coerce.number(), WriteCapacityUnits: z.coerce.number() });

export const CfnTableProperties = z.object({
  KeySchema: keySchema,
  AttributeDefinitions: z
    .array(z.object({ AttributeName: z.string(), AttributeType: z.enum(['S', 'N', 'B']) }))
    .min(1),
  BillingMode: z.enum(['PROVISIONED', 'PAY_PER_REQUEST']).optional(),
  ProvisionedThroughput: throughput.optional(),
  GlobalSecondaryIndexes: z
    .array(
      z.object({
        IndexName: z.string(),
        KeySchema: keySchema,
        Projection: projection,
        ProvisionedThroughput: throughput.optional(),
      }),
    )
    .optional(),
  LocalSecondaryIndexes: z
    .array(z.object({ IndexName: z.string(), KeySchema: keySchema, Projection: projection }))
    .optional(),
  TimeToLiveSpecification: z
    .object({ AttributeName: z.string().optional(), Enabled: z.boolean() })
    .optional(),
});
export type CfnTableProperties = z.input<typeof CfnTableProperties>;

export interface TableResource {
  /** The physical table name the runtime chose (CloudFormation would generate one). */
  readonly tableName: string;
  /** `Properties` of the `AWS::DynamoDB::Table` resource in the synthesized template. */
  readonly properties: unknown;
}

// dynalite, like DynamoDB, wants throughput on PROVISIONED tables; any number works locally.
const DEFAULT_THROUGHPUT = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };

export function createTableRequest(resource: TableResource): Record<string, unknown> {
  const parsed = CfnTableProperties.safeParse(resource.properties);
  if (!parsed.success) {
    throw new Error(
      `Table ${resource.tableName}: unsupported AWS::DynamoDB::Table properties: ${z.prettifyError(parsed.error)}`,
    );
  }
  const props = parsed.data;
  const onDemand = props.BillingMode === 'PAY_PER_REQUEST';
  const request: Record<string, unknown> = {
    TableName: resource.tableName,
    KeySchema: props.KeySchema,
    AttributeDefinitions: props.AttributeDefinitions,
    BillingMode: onDemand ? 'PAY_PER_REQUEST' : 'PROVISIONED',
    ...(onDemand ? {} : { ProvisionedThroughput: props.ProvisionedThroughput ?? DEFAULT_THROUGHPUT }),
  };
  if (props.GlobalSecondaryIndexes?.length) {
    request.GlobalSecondaryIndexes = props.GlobalSecondaryIndexes.map((index) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: index.Projection,
      ...(onDemand ? {} : { ProvisionedThroughput: index.ProvisionedThroughput ?? DEFAULT_THROUGHPUT }),
    }));
  }
  if (props.LocalSecondaryIndexes?.length) request.LocalSecondaryIndexes = props.LocalSecondaryIndexes;
  return request;
}
