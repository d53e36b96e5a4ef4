import { resourcesOfType, type LocalResource } from '../template';
import { physicalName, stringProperty, type Provisioner } from './context';

/** AWS::DynamoDB::Table, with its keys, indexes and billing, in the DynamoDB emulator. */
export const provisionTables: Provisioner = async (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const tables = resourcesOfType(template, 'AWS::DynamoDB::Table').map(([id, table]) => {
    const tableName = stringProperty(table, 'TableName') ?? physicalName(ctx.stackName, id, 255);
    resources.set(id, {
      ref: tableName,
      attributes: { Arn: `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${tableName}` },
    });
    return { tableName, properties: table.Properties };
  });
  await ctx.services.dynamodb.createTables(tables);
  return { resources };
};
