export { SqsEventSourceMapping } from './sqs-event-source-mapping';
export type {
  EventSourceCounters,
  InvokeOutcome,
  SqsEventSourceMappingOptions,
} from './sqs-event-source-mapping';
export { readBatchResponse } from './batch-response';
export type { BatchVerdict } from './batch-response';
export { toSqsEvent, toSqsRecord } from './sqs-event';
export { DynamoStreamEventSource } from './dynamodb-stream';
export type { DynamoStreamEventSourceOptions, StreamCounters, StreamViewType } from './dynamodb-stream';
