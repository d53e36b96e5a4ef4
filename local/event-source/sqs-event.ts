import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

/**
 * Builds the event Lambda's SQS event source mapping passes to the function
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html, "Example standard queue message
 * event" and "Example FIFO queue message event"): camel-cased fields, system attributes as strings
 * (the FIFO ones only on FIFO queues), message attributes with `stringListValues` and
 * `binaryListValues` always present and binary values base64-encoded.
 */

function base64(value: Uint8Array): string {
  return Buffer.from(value).toString('base64');
}

function toMessageAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] = {
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { binaryValue: base64(value.BinaryValue) }),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map(base64),
      dataType: value.DataType ?? 'String',
    };
  }
  return out;
}

/** Every system attribute SQS returned, as Lambda passes them on; SQS always returns the first four. */
function toRecordAttributes(attributes: Partial<Record<string, string>> = {}): SQSRecordAttributes {
  const {
    ApproximateReceiveCount = '',
    SentTimestamp = '',
    SenderId = '',
    ApproximateFirstReceiveTimestamp = '',
    ...rest
  } = attributes;
  return { ...rest, ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp };
}

export function regionOfArn(arn: string): string {
  const region = arn.split(':')[3];
  if (region === undefined || region === '') throw new Error(`Not an ARN with a region: ${arn}`);
  return region;
}

export function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  if (message.MessageId === undefined || message.ReceiptHandle === undefined) {
    throw new Error('ReceiveMessage returned a message without MessageId or ReceiptHandle');
  }
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    attributes: toRecordAttributes(message.Attributes),
    messageAttributes: toMessageAttributes(message.MessageAttributes),
    ...(message.MD5OfMessageAttributes === undefined
      ? {}
      : { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: regionOfArn(queueArn),
  };
}

export function toSqsEvent(messages: readonly Message[], queueArn: string): SQSEvent {
  return { Records: messages.map((message) => toSqsRecord(message, queueArn)) };
}
