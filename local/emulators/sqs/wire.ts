import { z } from 'zod';
import { invalidParameterValue, missingParameter } from './errors';

/**
 * Shapes of the JSON request bodies that @aws-sdk/client-sqs sends (AWS JSON 1.0): blobs travel
 * as base64 strings and become Uint8Array here, so that the in-process API and the wire share one
 * set of input types (the SDK's own).
 */
const binary = z.string().transform((value) => new Uint8Array(Buffer.from(value, 'base64')));
const integer = z.number().int();
const stringMap = z.record(z.string(), z.string());

const attributeValue = z.object({
  DataType: z.string(),
  StringValue: z.string().optional(),
  BinaryValue: binary.optional(),
  StringListValues: z.array(z.string()).optional(),
  BinaryListValues: z.array(binary).optional(),
});
const attributeMap = z.record(z.string(), attributeValue);

const queueUrl = { QueueUrl: z.string() };

const sendFields = {
  MessageBody: z.string(),
  DelaySeconds: integer.optional(),
  MessageAttributes: attributeMap.optional(),
  MessageSystemAttributes: attributeMap.optional(),
  MessageDeduplicationId: z.string().optional(),
  MessageGroupId: z.string().optional(),
};

const entries = <T extends z.ZodType>(entry: T) => z.array(entry);

export const wire = {
  CreateQueue: z.object({
    QueueName: z.string(),
    Attributes: stringMap.optional(),
    tags: stringMap.optional(),
  }),
  GetQueueUrl: z.object({ QueueName: z.string(), QueueOwnerAWSAccountId: z.string().optional() }),
  GetQueueAttributes: z.object({ ...queueUrl, AttributeNames: z.array(z.string()).optional() }),
  SetQueueAttributes: z.object({ ...queueUrl, Attributes: stringMap }),
  SendMessage: z.object({ ...queueUrl, ...sendFields }),
  SendMessageBatch: z.object({ ...queueUrl, Entries: entries(z.object({ Id: z.string(), ...sendFields })) }),
  ReceiveMessage: z.object({
    ...queueUrl,
    AttributeNames: z.array(z.string()).optional(),
    MessageSystemAttributeNames: z.array(z.string()).optional(),
    MessageAttributeNames: z.array(z.string()).optional(),
    MaxNumberOfMessages: integer.optional(),
    VisibilityTimeout: integer.optional(),
    WaitTimeSeconds: integer.optional(),
    ReceiveRequestAttemptId: z.string().optional(),
  }),
  DeleteMessage: z.object({ ...queueUrl, ReceiptHandle: z.string() }),
  DeleteMessageBatch: z.object({
    ...queueUrl,
    Entries: entries(z.object({ Id: z.string(), ReceiptHandle: z.string() })),
  }),
  ChangeMessageVisibility: z.object({ ...queueUrl, ReceiptHandle: z.string(), VisibilityTimeout: integer }),
  ChangeMessageVisibilityBatch: z.object({
    ...queueUrl,
    Entries: entries(
      z.object({ Id: z.string(), ReceiptHandle: z.string(), VisibilityTimeout: integer.optional() }),
    ),
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
  const name = path.map(String).join('.');
  const value = valueAt(input, path);
  if (value === undefined) throw missingParameter(name);
  throw invalidParameterValue(`Value ${JSON.stringify(value)} for parameter ${name} is invalid.`);
}
