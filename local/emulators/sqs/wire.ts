import { z } from 'zod';
import { SqsError, invalidParameterValue, missingParameter } from './errors';

/**
 * Shapes of the JSON request bodies that @aws-sdk/client-sqs sends (AWS JSON 1.0): blobs travel
 * as base64 strings and become Uint8Array here, so that the in-process API and the wire share one
 * set of input types (the SDK's own). The objects are strict: a parameter left out here (a
 * per-message delay, MessageSystemAttributes, tags, …) is refused rather than silently ignored.
 */
const binary = z.string().transform((value) => new Uint8Array(Buffer.from(value, 'base64')));
const integer = z.number().int();
const stringMap = z.record(z.string(), z.string());

const attributeMap = z.record(
  z.string(),
  z.strictObject({
    DataType: z.string(),
    StringValue: z.string().optional(),
    BinaryValue: binary.optional(),
  }),
);

const queueUrl = { QueueUrl: z.string() };

const sendFields = {
  MessageBody: z.string(),
  MessageAttributes: attributeMap.optional(),
  MessageDeduplicationId: z.string().optional(),
  MessageGroupId: z.string().optional(),
};

const entries = <T extends z.ZodRawShape>(entry: T) => z.array(z.strictObject({ Id: z.string(), ...entry }));

export const wire = {
  CreateQueue: z.strictObject({ QueueName: z.string(), Attributes: stringMap.optional() }),
  GetQueueAttributes: z.strictObject({ ...queueUrl, AttributeNames: z.array(z.string()).optional() }),
  SendMessage: z.strictObject({ ...queueUrl, ...sendFields }),
  SendMessageBatch: z.strictObject({ ...queueUrl, Entries: entries(sendFields) }),
  ReceiveMessage: z.strictObject({
    ...queueUrl,
    MessageSystemAttributeNames: z.array(z.string()).optional(),
    MessageAttributeNames: z.array(z.string()).optional(),
    MaxNumberOfMessages: integer.optional(),
    VisibilityTimeout: integer.optional(),
    WaitTimeSeconds: integer.optional(),
    ReceiveRequestAttemptId: z.string().optional(),
  }),
  DeleteMessage: z.strictObject({ ...queueUrl, ReceiptHandle: z.string() }),
  DeleteMessageBatch: z.strictObject({ ...queueUrl, Entries: entries({ ReceiptHandle: z.string() }) }),
  ChangeMessageVisibilityBatch: z.strictObject({
    ...queueUrl,
    Entries: entries({ ReceiptHandle: z.string(), VisibilityTimeout: integer.optional() }),
  }),
} as const;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Parses a request body, reporting the first problem the way SQS names it. */
export function parseWire<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  if (issue?.code === 'unrecognized_keys') {
    const name = [...path, ...issue.keys].map(String).join('.');
    throw new SqsError('UnsupportedOperation', `The local SQS emulator does not take the parameter ${name}.`);
  }
  const name = path.map(String).join('.');
  const value = valueAt(input, path);
  if (value === undefined) throw missingParameter(name);
  throw invalidParameterValue(`Value ${JSON.stringify(value)} for parameter ${name} is invalid.`);
}
