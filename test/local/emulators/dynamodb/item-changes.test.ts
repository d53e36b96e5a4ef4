import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbEmulator, type ItemChangeRecord, type WireItem } from '../../../../local/emulators/dynamodb';
import type { RunningEmulator } from '../../../../local/emulators/loopback';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The event table's keys, as an `AWS::DynamoDB::Table` declares them. */
const tableProperties = {
  KeySchema: [
    { AttributeName: 'PK', KeyType: 'HASH' },
    { AttributeName: 'SK', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'PK', AttributeType: 'S' },
    { AttributeName: 'SK', AttributeType: 'S' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
  StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
};

type Item = Record<string, AttributeValue>;

const KEY: Item = { PK: { S: 'EVT#ev_1' }, SK: { S: 'STATE' } };
const OTHER_KEY: Item = { PK: { S: 'EVT#ev_2' }, SK: { S: 'STATE' } };

describe('DynamoDB emulator item changes (the table stream)', () => {
  let emulator: DynamoDbEmulator;
  let running: RunningEmulator;
  let client: DynamoDBClient;
  let changes: ItemChangeRecord[];

  beforeEach(async () => {
    emulator = new DynamoDbEmulator();
    running = await emulator.start();
    await emulator.createTables([
      { tableName: 'Events', properties: tableProperties },
      { tableName: 'Other', properties: tableProperties },
    ]);
    client = new DynamoDBClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    changes = [];
    emulator.onItemChange('Events', (change) => changes.push(change));
  });

  afterEach(async () => {
    client.destroy();
    await running.stop();
  });

  const put = (item: Item, extra: Partial<ConstructorParameters<typeof PutItemCommand>[0]> = {}) =>
    client.send(new PutItemCommand({ TableName: 'Events', Item: item, ...extra }));

  const stated = (status: string, extra: Item = {}): Item => ({ ...KEY, status: { S: status }, ...extra });

  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html#Streams.Processing
  it('records an INSERT with the new image when PutItem creates an item', async () => {
    await put(stated('RECEIVED'));

    expect(changes).toEqual([
      { tableName: 'Events', eventName: 'INSERT', keys: KEY, newImage: stated('RECEIVED') },
    ]);
  });

  it('records a MODIFY with both images when PutItem replaces an item', async () => {
    await put(stated('RECEIVED'));

    await put(stated('QUEUED'));

    expect(changes[1]).toEqual({
      tableName: 'Events',
      eventName: 'MODIFY',
      keys: KEY,
      oldImage: stated('RECEIVED'),
      newImage: stated('QUEUED'),
    });
  });

  it('records the item as UpdateItem left it, an INSERT when it created it', async () => {
    await client.send(
      new UpdateItemCommand({
        TableName: 'Events',
        Key: KEY,
        UpdateExpression: 'SET audit = :a',
        ExpressionAttributeValues: { ':a': { L: [{ S: 'accepted' }] } },
      }),
    );
    await client.send(
      new UpdateItemCommand({
        TableName: 'Events',
        Key: KEY,
        UpdateExpression: 'SET audit = list_append(audit, :e) ADD sends :one',
        ExpressionAttributeValues: { ':e': { L: [{ S: 'sent' }] }, ':one': { N: '1' } },
      }),
    );

    expect(changes.map((c) => c.eventName)).toEqual(['INSERT', 'MODIFY']);
    expect(changes[0]).not.toHaveProperty('oldImage');
    expect(changes[1]?.oldImage).toEqual({ ...KEY, audit: { L: [{ S: 'accepted' }] } });
    expect(changes[1]?.newImage).toEqual({
      ...KEY,
      audit: { L: [{ S: 'accepted' }, { S: 'sent' }] },
      sends: { N: '1' },
    });
  });

  it('records what the document client writes, as the event store writes it', async () => {
    const documents = DynamoDBDocumentClient.from(client);
    await put(stated('RECEIVED'));

    await documents.send(
      new UpdateCommand({
        TableName: 'Events',
        Key: { PK: 'EVT#ev_1', SK: 'STATE' },
        UpdateExpression: 'SET #d = if_not_exists(#d, :zero) + :one, #l = :entry',
        ExpressionAttributeNames: { '#d': 'duplicates', '#l': 'lastDuplicate' },
        ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':entry': { at: 't', action: 'duplicate' } },
      }),
    );

    expect(changes[1]).toMatchObject({
      eventName: 'MODIFY',
      newImage: {
        duplicates: { N: '1' },
        lastDuplicate: { M: { at: { S: 't' }, action: { S: 'duplicate' } } },
      },
    });
  });

  it('records a REMOVE with the old image when DeleteItem removes an item', async () => {
    await put(stated('PROCESSED'));

    await client.send(new DeleteItemCommand({ TableName: 'Events', Key: KEY }));

    expect(changes[1]).toEqual({
      tableName: 'Events',
      eventName: 'REMOVE',
      keys: KEY,
      oldImage: stated('PROCESSED'),
    });
  });

  it('records each put and delete of BatchWriteItem', async () => {
    await put(stated('RECEIVED'));
    await put(stated('QUEUED', { PK: { S: 'EVT#ev_3' } }));

    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          Events: [
            { PutRequest: { Item: stated('QUEUED') } },
            { PutRequest: { Item: { ...OTHER_KEY, status: { S: 'RECEIVED' } } } },
            { DeleteRequest: { Key: { PK: { S: 'EVT#ev_3' }, SK: { S: 'STATE' } } } },
            { DeleteRequest: { Key: { PK: { S: 'EVT#missing' }, SK: { S: 'STATE' } } } },
          ],
        },
      }),
    );

    expect(changes.slice(2)).toEqual([
      {
        tableName: 'Events',
        eventName: 'MODIFY',
        keys: KEY,
        oldImage: stated('RECEIVED'),
        newImage: stated('QUEUED'),
      },
      {
        tableName: 'Events',
        eventName: 'INSERT',
        keys: OTHER_KEY,
        newImage: { ...OTHER_KEY, status: { S: 'RECEIVED' } },
      },
      {
        tableName: 'Events',
        eventName: 'REMOVE',
        keys: { PK: { S: 'EVT#ev_3' }, SK: { S: 'STATE' } },
        oldImage: stated('QUEUED', { PK: { S: 'EVT#ev_3' } }),
      },
    ]);
  });

  it('records the keys alone, in key schema order, whatever else the item holds', async () => {
    await put({ status: { S: 'RECEIVED' }, SK: { S: 'STATE' }, PK: { S: 'EVT#ev_1' } });

    expect(Object.keys(changes[0]?.keys ?? {})).toEqual(['PK', 'SK']);
    expect(changes[0]?.keys).toEqual(KEY);
  });

  it('records nothing for a write whose condition failed', async () => {
    await put(stated('RECEIVED'));

    await expect(
      put(stated('QUEUED'), { ConditionExpression: 'attribute_not_exists(PK)' }),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(
      client.send(
        new UpdateItemCommand({
          TableName: 'Events',
          Key: KEY,
          UpdateExpression: 'SET #s = :s',
          ConditionExpression: '#s = :expected',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': { S: 'QUEUED' }, ':expected': { S: 'PROCESSED' } },
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(
      client.send(
        new DeleteItemCommand({
          TableName: 'Events',
          Key: KEY,
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);

    expect(changes.map((c) => c.eventName)).toEqual(['INSERT']);
  });

  // "If you perform a PutItem or UpdateItem operation that does not change any data in an item,
  // DynamoDB Streams does not write a stream record for that operation."
  it('records nothing for a PutItem or UpdateItem that changes no data', async () => {
    await put(stated('RECEIVED', { n: { N: '3' } }));

    await put(stated('RECEIVED', { n: { N: '3' } }));
    await client.send(
      new UpdateItemCommand({
        TableName: 'Events',
        Key: KEY,
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'RECEIVED' } },
      }),
    );

    expect(changes.map((c) => c.eventName)).toEqual(['INSERT']);
  });

  it('records nothing for a PutItem of the same data with its attributes in another order', async () => {
    const entry = { M: { at: { S: 't' }, action: { S: 'accepted' } } };
    await put({ ...KEY, status: { S: 'RECEIVED' }, n: { N: '3' }, last: entry });

    await put({
      last: { M: { action: { S: 'accepted' }, at: { S: 't' } } },
      n: { N: '3' },
      status: { S: 'RECEIVED' },
      SK: KEY.SK!,
      PK: KEY.PK!,
    });

    expect(changes.map((c) => c.eventName)).toEqual(['INSERT']);
  });

  it('records nothing for deleting an item that does not exist', async () => {
    await client.send(new DeleteItemCommand({ TableName: 'Events', Key: KEY }));

    expect(changes).toEqual([]);
  });

  /** The status string of an image. */
  const statusIn = (image: WireItem | undefined) => {
    const status = image?.status;
    return status && 'S' in status ? status.S : undefined;
  };
  /** A change as [what, status] (of the new image, else the old). */
  const statusOf = (c: ItemChangeRecord) => [c.eventName, statusIn(c.newImage) ?? statusIn(c.oldImage)];
  const tableAndStatusOf = (c: ItemChangeRecord) => [c.tableName, statusIn(c.newImage)];

  it('records the changes of one item in the order the writes took effect', async () => {
    for (const status of ['RECEIVED', 'QUEUED', 'PROCESSED']) await put(stated(status));
    await client.send(new DeleteItemCommand({ TableName: 'Events', Key: KEY }));

    expect(changes.map(statusOf)).toEqual([
      ['INSERT', 'RECEIVED'],
      ['MODIFY', 'QUEUED'],
      ['MODIFY', 'PROCESSED'],
      ['REMOVE', 'PROCESSED'],
    ]);
  });

  it("tells a table's listeners of its own changes only, every listener", async () => {
    const others: ItemChangeRecord[] = [];
    const second: ItemChangeRecord[] = [];
    emulator.onItemChange('Other', (change) => others.push(change));
    emulator.onItemChange('Events', (change) => second.push(change));

    await client.send(new PutItemCommand({ TableName: 'Other', Item: stated('RECEIVED') }));
    await put(stated('QUEUED'));

    expect(others.map(tableAndStatusOf)).toEqual([['Other', 'RECEIVED']]);
    expect(changes.map(tableAndStatusOf)).toEqual([['Events', 'QUEUED']]);
    expect(second).toEqual(changes);
  });
});
