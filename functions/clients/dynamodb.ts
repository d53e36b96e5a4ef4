import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '#shared/powertools/index';

/** Created once per container and shared with the idempotency persistence layer. */
export const dynamoDbClient = tracer.captureAWSv3Client(new DynamoDBClient({}));
export const documentClient = DynamoDBDocumentClient.from(dynamoDbClient, {
  marshallOptions: { removeUndefinedValues: true },
});
