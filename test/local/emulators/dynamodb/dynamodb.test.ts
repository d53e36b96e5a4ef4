import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand as DocumentQueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { DynamoDbEmulator } from '../../../../local/emulators/dynamodb';
import type { RunningEmulator } from '../../../../local/emulators/loopback';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Properties as they appear on an `AWS::DynamoDB::Table` in the synthesized template. */
const eventTableProperties = {
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byCorrelation',
      KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    },
  ],
  TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
  PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
  SSESpecification: { SSEEnabled: true },
};

function padded(bytes: number): string {
  return 'x'.repeat(bytes);
}

describe('DynamoDB emulator (dynalite behind the accounting proxy) through the AWS SDK v3 client', () => {
  let emulator: DynamoDbEmulator;
  let running: RunningEmulator;
  let client: DynamoDBClient;
  let documents: DynamoDBDocumentClient;

  beforeEach(async () => {
    emulator = new DynamoDbEmulator();
    running = await emulator.start();
    await emulator.createTables([{ tableName: 'Events', properties: eventTableProperties }]);
    client = new DynamoDBClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    documents = DynamoDBDocumentClient.from(client);
  });

  afterEach(async () => {
    client.destroy();
    await running.stop();
  });

  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html
  it('creates a table from CloudFormation properties with its keys, index and on-demand billing', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'Events' }));

    expect(Table).toMatchObject({
      TableName: 'Events',
      TableStatus: 'ACTIVE',
      KeySchema: eventTableProperties.KeySchema,
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      GlobalSecondaryIndexes: [expect.objectContaining({ IndexName: 'byCorrelation' })],
    });
  });

  it('stores and returns an item through the document client', async () => {
    await documents.send(
      new PutCommand({
        TableName: 'Events',
        Item: { pk: 'EVT#1', sk: 'META', status: 'RECEIVED', attempts: 1 },
      }),
    );

    const { Item } = await documents.send(
      new GetCommand({ TableName: 'Events', Key: { pk: 'EVT#1', sk: 'META' } }),
    );

    expect(Item).toEqual({ pk: 'EVT#1', sk: 'META', status: 'RECEIVED', attempts: 1 });
  });

  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html (ReturnValuesOnConditionCheckFailure)
  it('returns the existing item with a failed condition when ALL_OLD is asked for', async () => {
    await documents.send(
      new PutCommand({ TableName: 'Events', Item: { pk: 'EVT#2', sk: 'META', status: 'QUEUED' } }),
    );

    const attempt = client.send(
      new PutItemCommand({
        TableName: 'Events',
        Item: { pk: { S: 'EVT#2' }, sk: { S: 'META' }, status: { S: 'RECEIVED' } },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );

    await expect(attempt).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(attempt).rejects.toMatchObject({
      Item: { pk: { S: 'EVT#2' }, sk: { S: 'META' }, status: { S: 'QUEUED' } },
    });
  });

  it('counts requests by action', async () => {
    await documents.send(new PutCommand({ TableName: 'Events', Item: { pk: 'a', sk: 'b' } }));
    await documents.send(new GetCommand({ TableName: 'Events', Key: { pk: 'a', sk: 'b' } }));
    await documents.send(new GetCommand({ TableName: 'Events', Key: { pk: 'a', sk: 'b' } }));

    expect(emulator.counters()).toEqual({ PutItem: 1, GetItem: 2 });
  });

  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
  it('charges one write unit per started kilobyte of the item written', async () => {
    const item = { pk: { S: 'p' }, sk: { S: 's' }, body: { S: padded(1500) } };

    await client.send(new PutItemCommand({ TableName: 'Events', Item: item }));

    expect(emulator.writes()).toEqual([
      {
        action: 'PutItem',
        table: 'Events',
        keyShape: 'p/s',
        bytesBefore: 0,
        bytesAfter: 1510,
        tableWriteUnits: 2,
        indexWriteUnits: 0,
        conditionFailed: false,
      },
    ]);
    expect(emulator.capacity()).toMatchObject({
      writeRequestUnits: 2,
      readRequestUnits: 0,
      byTable: { Events: { writeRequestUnits: 2 } },
    });
  });

  it('names each write by the kind of item its key says it is, up to the first #', async () => {
    await documents.send(new PutCommand({ TableName: 'Events', Item: { pk: 'EVT#ev_1', sk: 'STATE' } }));
    await documents.send(
      new PutCommand({ TableName: 'Events', Item: { pk: 'LIMIT#target#sink', sk: 'GCRA' } }),
    );
    await documents.send(new PutCommand({ TableName: 'Events', Item: { pk: 'EVT#ev_1', sk: 'RUN#2#x' } }));
    await documents.send(
      new PutCommand({ TableName: 'Events', Item: { pk: 'a-key-without-any-hash-mark', sk: 'STATE' } }),
    );

    expect(emulator.writes().map((write) => write.keyShape)).toEqual([
      'EVT#/STATE',
      'LIMIT#/GCRA',
      'EVT#/RUN#',
      '…/STATE',
    ]);
  });

  it('names each read by the kind of item it was for: the key asked, or the index and the items a query evaluated', async () => {
    await documents.send(
      new PutCommand({ TableName: 'Events', Item: { pk: 'EVT#ev_1', sk: 'STATE', gsi1pk: 'CORR#c1' } }),
    );
    await documents.send(
      new PutCommand({ TableName: 'Events', Item: { pk: 'EVT#ev_1', sk: 'PAYLOAD', body: padded(5000) } }),
    );

    await documents.send(new GetCommand({ TableName: 'Events', Key: { pk: 'EVT#ev_1', sk: 'PAYLOAD' } }));
    await documents.send(
      new GetCommand({
        TableName: 'Events',
        Key: { pk: 'LIMIT#target#sink', sk: 'GCRA' },
        ConsistentRead: true,
      }),
    );
    await documents.send(
      new BatchGetCommand({
        RequestItems: {
          Events: {
            Keys: [
              { pk: 'EVT#ev_1', sk: 'STATE' },
              { pk: 'EVT#ev_2', sk: 'STATE' },
            ],
            ConsistentRead: true,
          },
        },
      }),
    );
    await documents.send(
      new DocumentQueryCommand({
        TableName: 'Events',
        IndexName: 'byCorrelation',
        KeyConditionExpression: 'gsi1pk = :c',
        ExpressionAttributeValues: { ':c': 'CORR#c1' },
      }),
    );

    expect(emulator.reads().map(({ action, keyShape, readUnits }) => [action, keyShape, readUnits])).toEqual([
      // 5 KB read eventually consistent: two 4 KB units at half price.
      ['GetItem', 'EVT#/PAYLOAD', 1],
      // Nothing there: still the minimum.
      ['GetItem', 'LIMIT#/GCRA', 1],
      ['BatchGetItem', 'EVT#/STATE', 1],
      ['BatchGetItem', 'EVT#/STATE', 1],
      ['Query', 'byCorrelation → EVT#/STATE', 0.5],
    ]);
    expect(emulator.capacity().readRequestUnits).toBe(4.5);
  });

  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html (UpdateItem: larger of before and after)
  it('charges an update the larger of the item sizes before and after it', async () => {
    await client.send(
      new PutItemCommand({
        TableName: 'Events',
        Item: { pk: { S: 'p' }, sk: { S: 's' }, body: { S: padded(3000) } },
      }),
    );
    emulator.resetCounters();

    await client.send(
      new UpdateItemCommand({
        TableName: 'Events',
        Key: { pk: { S: 'p' }, sk: { S: 's' } },
        UpdateExpression: 'SET #status = :status REMOVE body',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': { S: 'QUEUED' } },
      }),
    );

    expect(emulator.writes()).toEqual([
      expect.objectContaining({
        action: 'UpdateItem',
        bytesBefore: 3010,
        bytesAfter: 18,
        tableWriteUnits: 3,
      }),
    ]);
  });

  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes
  it('charges index writes only when the item enters, leaves or changes in the index', async () => {
    const key = { pk: { S: 'p' }, sk: { S: 's' } };
    await client.send(new PutItemCommand({ TableName: 'Events', Item: { ...key, gsi1pk: { S: 'corr-1' } } }));
    await client.send(
      new UpdateItemCommand({
        TableName: 'Events',
        Key: key,
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': { N: '1' } },
      }),
    );
    await client.send(
      new UpdateItemCommand({
        TableName: 'Events',
        Key: key,
        UpdateExpression: 'SET gsi1pk = :g',
        ExpressionAttributeValues: { ':g': { S: 'corr-2' } },
      }),
    );
    await client.send(
      new UpdateItemCommand({ TableName: 'Events', Key: key, UpdateExpression: 'REMOVE gsi1pk' }),
    );

    expect(emulator.writes().map((write) => write.indexWriteUnits)).toEqual([1, 0, 2, 1]);
  });

  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html (reads)
  it('charges half a read unit for an eventually consistent read and a whole one for a strong read', async () => {
    await documents.send(new PutCommand({ TableName: 'Events', Item: { pk: 'a', sk: 'b' } }));

    await documents.send(new GetCommand({ TableName: 'Events', Key: { pk: 'a', sk: 'b' } }));
    await documents.send(
      new GetCommand({ TableName: 'Events', Key: { pk: 'a', sk: 'b' }, ConsistentRead: true }),
    );

    expect(emulator.capacity().byAction.GetItem).toEqual({ readRequestUnits: 1.5, writeRequestUnits: 0 });
  });

  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html (Query sums the items read)
  it('charges a query for the total size read and hides the units the client did not ask for', async () => {
    for (const sk of ['1', '2', '3']) {
      await client.send(
        new PutItemCommand({
          TableName: 'Events',
          Item: { pk: { S: 'q' }, sk: { S: sk }, body: { S: padded(3000) } },
        }),
      );
    }

    const output = await client.send(
      new QueryCommand({
        TableName: 'Events',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'q' } },
        ConsistentRead: true,
      }),
    );

    expect(output.Items).toHaveLength(3);
    expect(output.ConsumedCapacity).toBeUndefined();
    expect(emulator.capacity().byAction.Query?.readRequestUnits).toBe(3);
  });

  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.FilterExpression.html (filters do not reduce the units)
  it('charges a filtered query for every item it evaluated, not only those returned', async () => {
    for (const sk of ['1', '2', '3']) {
      await client.send(
        new PutItemCommand({
          TableName: 'Events',
          Item: { pk: { S: 'f' }, sk: { S: sk }, n: { N: sk }, body: { S: padded(3000) } },
        }),
      );
    }

    const output = await client.send(
      new QueryCommand({
        TableName: 'Events',
        KeyConditionExpression: '#pk = :pk',
        FilterExpression: '#n = :one',
        ProjectionExpression: '#sk',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#n': 'n' },
        ExpressionAttributeValues: { ':pk': { S: 'f' }, ':one': { N: '1' } },
        ConsistentRead: true,
      }),
    );

    expect(output.Items).toEqual([{ sk: { S: '1' } }]);
    expect(emulator.capacity().byAction.Query?.readRequestUnits).toBe(3);
    expect(emulator.counters()).toMatchObject({ Query: 1 });
  });

  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html (Scan, eventually consistent)
  it('charges an eventually consistent scan half the units of a strongly consistent one', async () => {
    for (const sk of ['1', '2']) {
      await client.send(
        new PutItemCommand({
          TableName: 'Events',
          Item: { pk: { S: 's' }, sk: { S: sk }, body: { S: padded(4000) } },
        }),
      );
    }

    await client.send(new ScanCommand({ TableName: 'Events' }));
    await client.send(new ScanCommand({ TableName: 'Events', ConsistentRead: true }));

    expect(emulator.capacity().byAction.Scan?.readRequestUnits).toBe(1 + 2);
  });

  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
  it('accounts each item of a BatchWriteItem, a delete at the size of the item it removes', async () => {
    await client.send(
      new PutItemCommand({
        TableName: 'Events',
        Item: { pk: { S: 'old' }, sk: { S: 'x' }, body: { S: padded(2500) } },
      }),
    );
    emulator.resetCounters();

    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          Events: [
            { PutRequest: { Item: { pk: { S: 'new' }, sk: { S: 'x' } } } },
            { DeleteRequest: { Key: { pk: { S: 'old' }, sk: { S: 'x' } } } },
          ],
        },
      }),
    );

    expect(emulator.writes().map((write) => [write.action, write.tableWriteUnits])).toEqual([
      ['BatchWriteItem', 1],
      ['BatchWriteItem', 3],
    ]);
    expect(emulator.capacity().writeRequestUnits).toBe(4);
  });

  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html#Programming.Errors.MessagesAndCodes
  it.each(['ProvisionedThroughputExceededException', 'ThrottlingException'] as const)(
    'answers an injected %s that the SDK retries',
    async (code) => {
      emulator.injectFault('PutItem', { kind: 'throttle', code, times: 1 });
      const retrying = new DynamoDBClient({
        endpoint: running.endpoint,
        region: 'us-east-1',
        credentials,
        maxAttempts: 2,
        retryMode: 'standard',
      });

      await retrying.send(
        new PutItemCommand({ TableName: 'Events', Item: { pk: { S: 't' }, sk: { S: 't' } } }),
      );

      retrying.destroy();
      expect(emulator.counters().PutItem).toBe(2);
      expect(emulator.writes()).toHaveLength(1);
    },
  );

  it('surfaces an injected throttle to the caller when retries run out', async () => {
    emulator.injectFault('GetItem', { kind: 'throttle', times: 1 });

    await expect(
      client.send(new GetItemCommand({ TableName: 'Events', Key: { pk: { S: 'a' }, sk: { S: 'b' } } })),
    ).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('fails the next call with an injected AWS error', async () => {
    emulator.injectFault('GetItem', { kind: 'error', code: 'InternalServerError', status: 500, times: 1 });

    await expect(
      client.send(new GetItemCommand({ TableName: 'Events', Key: { pk: { S: 'a' }, sk: { S: 'b' } } })),
    ).rejects.toMatchObject({ name: 'InternalServerError' });
    await expect(
      client.send(new GetItemCommand({ TableName: 'Events', Key: { pk: { S: 'a' }, sk: { S: 'b' } } })),
    ).resolves.toBeDefined();
  });

  it('applies a write whose response is dropped', async () => {
    emulator.injectFault('PutItem', { kind: 'dropResponse', times: 1 });

    await expect(
      documents.send(new PutCommand({ TableName: 'Events', Item: { pk: 'd', sk: 'd', v: 1 } })),
    ).rejects.toThrow();

    const { Item } = await documents.send(new GetCommand({ TableName: 'Events', Key: { pk: 'd', sk: 'd' } }));
    expect(Item).toEqual({ pk: 'd', sk: 'd', v: 1 });
  });

  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
  it('answers an unknown action with UnknownOperationException instead of hanging', async () => {
    const response = await fetch(running.endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'DynamoDB_20120810.ExecuteStatement',
        'X-Amz-Date': '20260101T000000Z',
        Authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('#UnknownOperationException');
  });

  it('can be stopped and started again', async () => {
    await running.stop();

    running = await emulator.start();
    client.destroy();
    client = new DynamoDBClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    await emulator.createTables([{ tableName: 'Again', properties: eventTableProperties }]);

    await expect(client.send(new DescribeTableCommand({ TableName: 'Again' }))).resolves.toMatchObject({
      Table: { TableStatus: 'ACTIVE' },
    });
  });
});
