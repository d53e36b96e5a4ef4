import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { InfrastructureError } from '#shared/errors';

/**
 * Whether a DynamoDB write failed its condition: by class where the SDK built the error, by name
 * where it crossed a boundary that loses the class (Powertools, a test double).
 */
export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

/**
 * Runs one DynamoDB call of a store: a failed condition is passed on as it is (the caller decides
 * what it means), anything else becomes the store's InfrastructureError, retried by the consumer.
 */
export const storeCall = async <T>(store: string, what: string, run: () => Promise<T>): Promise<T> => {
  try {
    return await run();
  } catch (error) {
    if (isConditionFailure(error)) throw error;
    throw new InfrastructureError('event-store', `${store} ${what} failed`, { cause: error });
  }
};

/** {@link storeCall} for a conditional write: true when it was made, false when its condition failed. */
export const conditionalWrite = async (
  store: string,
  what: string,
  run: () => Promise<unknown>,
): Promise<boolean> => {
  try {
    await storeCall(store, what, run);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
};
