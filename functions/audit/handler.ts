import { PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { archiveChanges, type StreamChange } from '#shared/audit/archiver';
import { firehoseClient } from '#shared/clients/firehose';
import { readEnvironment, required } from '#shared/env';
import { writeWithMetrics, type MetricPoint } from '#shared/powertools/emf';
import { logger, metrics } from '#shared/powertools/index';

const EnvironmentSchema = z.object({ DELIVERY_STREAM: required() });

const imageOf = (image: unknown) => (image ? unmarshall(image as Record<string, AttributeValue>) : undefined);

const changesOf = (event: DynamoDBStreamEvent): StreamChange[] =>
  event.Records.flatMap((record) => {
    const keys = imageOf(record.dynamodb?.Keys);
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    if (!record.eventName || !keys || !sequenceNumber) return [];
    const oldImage = imageOf(record.dynamodb?.OldImage);
    const newImage = imageOf(record.dynamodb?.NewImage);
    return [
      {
        eventName: record.eventName,
        keys: { PK: String(keys.PK), SK: String(keys.SK) },
        sequenceNumber,
        ...(oldImage ? { oldImage } : {}),
        ...(newImage ? { newImage } : {}),
      },
    ];
  });

/** Firehose answers per record; a refused one (throttling) carries an error code. */
const putWith =
  (client: FirehoseClient, deliveryStream: string) =>
  async (records: readonly Buffer[]): Promise<boolean[]> => {
    const answer = await client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: deliveryStream,
        Records: records.map((data) => ({ Data: data })),
      }),
    );
    return records.map((_, index) => !answer.RequestResponses?.[index]?.ErrorCode);
  };

/**
 * The audit archiver: reads the event table's stream (state items and rejection counters only,
 * by the mapping's filters) and puts every new audit entry and rejection count into Firehose,
 * which writes them to the archive bucket by day and tenant (docs/audit.md).
 */
export const createAuditArchiverHandler = (client: FirehoseClient = firehoseClient) => {
  const env = readEnvironment('audit archiver', EnvironmentSchema, process.env);
  const put = putWith(client, env.DELIVERY_STREAM);
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const changes = changesOf(event);
    const outcome = await archiveChanges(changes, put);
    // The count rides on the batch's line (functions/powertools/emf.ts): one log event, never filtered apart.
    const archived: MetricPoint[] = [
      { name: 'AuditRowsArchived', unit: MetricUnit.Count, value: outcome.rows, dimensions: {} },
    ];
    if (outcome.resumeFrom) {
      writeWithMetrics(
        logger,
        metrics,
        {
          level: 'warn',
          message: 'audit rows not archived; the stream retries from the first',
          fields: { resumeFrom: outcome.resumeFrom, records: changes.length },
        },
        archived,
      );
      return { batchItemFailures: [{ itemIdentifier: outcome.resumeFrom }] };
    }
    writeWithMetrics(
      logger,
      metrics,
      {
        level: 'info',
        message: 'audit rows archived',
        fields: { rows: outcome.rows, records: outcome.records, changes: changes.length },
      },
      archived,
    );
    return { batchItemFailures: [] };
  };
};
