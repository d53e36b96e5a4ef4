import { FirehoseClient } from '@aws-sdk/client-firehose';
import { tracer } from '#shared/powertools/index';

export const firehoseClient = tracer.captureAWSv3Client(new FirehoseClient({}));
