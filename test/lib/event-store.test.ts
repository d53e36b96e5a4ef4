import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventStore } from '../../lib/constructs/event-store';

// The construct alone: no functions, so nothing to bundle. One template for the file.
const stack = new Stack();
new EventStore(stack, 'EventStore', { removalPolicy: RemovalPolicy.DESTROY });
const template = Template.fromStack(stack);

describe('EventStore', () => {
  it('indexes every event by its day of receipt, sharded, and its receivedAt', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      AttributeDefinitions: Match.arrayWith([{ AttributeName: 'receivedDay', AttributeType: 'S' }]),
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: 'byReceived',
          KeySchema: [
            { AttributeName: 'receivedDay', KeyType: 'HASH' },
            { AttributeName: 'receivedAt', KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: ['tenant', 'provider', 'type', 'externalId', 'entityKind', 'entityId'],
          },
        },
      ]),
    });
  });

  it('keeps the other two lookups keys-only, with no index by correlation id (decision 0045)', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: 'byEntity', Projection: { ProjectionType: 'KEYS_ONLY' } }),
        Match.objectLike({ IndexName: 'byAttention', Projection: { ProjectionType: 'KEYS_ONLY' } }),
        Match.objectLike({ IndexName: 'byReceived' }),
      ],
    });
  });
});
