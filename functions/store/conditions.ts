import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/**
 * Whether a DynamoDB write failed its condition: by class where the SDK built the error, by name
 * where it crossed a boundary that loses the class (Powertools, a test double).
 */
export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');
