import { resourcesOfType, type LocalResource } from '../template';
import { physicalName, stringProperty, type Provisioner } from './context';

/** AWS::DynamoDB::Table, with its keys, indexes and billing, in the DynamoDB emulator. */
export const provisionTables: Provisioner = async (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const tables = resourcesOfType(template, 'AWS::DynamoDB::Table').map(([id, table]) => {
    const tableName = stringProperty(table, 'TableName') ?? physicalName(ctx.stackName, id, 255);
    const arn = `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${tableName}`;
    const streamed = (table.Properties as { StreamSpecification?: unknown } | undefined)?.StreamSpecification;
    resources.set(id, {
      ref: tableName,
      attributes: {
        Arn: arn,
        // The label is the stream's creation time in DynamoDB; any fixed one names it locally.
        ...(streamed ? { StreamArn: `${arn}/stream/1970-01-01T00:00:00.000` } : {}),
      },
    });
    return { tableName, properties: table.Properties };
  });
  await ctx.services.dynamodb.createTables(tables);
  return { resources };
};
