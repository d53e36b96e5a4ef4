/**
 * Reads a function's partial batch response the way Lambda does
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting):
 *
 * complete success: a null or empty response, or a null or empty `batchItemFailures` list;
 * complete failure: a response that is not an object, `batchItemFailures` that is not a list, or an
 * item whose `itemIdentifier` is missing, null, empty, not a string, or not a message id of the batch.
 */
export type BatchVerdict =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly failedIds: ReadonlySet<string> }
  | { readonly kind: 'failure'; readonly reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function readBatchResponse(result: unknown, messageIds: ReadonlySet<string>): BatchVerdict {
  if (result === null || result === undefined) return { kind: 'success' };
  if (!isRecord(result)) return { kind: 'failure', reason: 'the response is not a JSON object' };
  const failures = result.batchItemFailures;
  if (failures === null || failures === undefined) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'failure', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  const failedIds = new Set<string>();
  for (const item of failures) {
    const identifier: unknown = isRecord(item) ? item.itemIdentifier : undefined;
    if (typeof identifier !== 'string' || identifier === '') {
      return { kind: 'failure', reason: 'an itemIdentifier is missing or empty' };
    }
    if (!messageIds.has(identifier)) {
      return { kind: 'failure', reason: `itemIdentifier ${identifier} is not a message of the batch` };
    }
    failedIds.add(identifier);
  }
  return { kind: 'partial', failedIds };
}
