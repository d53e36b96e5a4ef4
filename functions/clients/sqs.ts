import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '#shared/powertools/index';

export const sqsClient = tracer.captureAWSv3Client(new SQSClient({}));
