import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { DynamoStreamEventSource, type StreamViewType } from '../event-source';
import { parsePartitionQuery, type DeliveryStreamDefinition } from '../emulators/firehose';
import { resourcesOfType, type LocalResource, type Template } from '../template';
import { physicalName, resolveIn, type ProvisionContext, type Provisioner } from './context';

const Processor = z.object({
  Type: z.string(),
  Parameters: z.array(z.object({ ParameterName: z.string(), ParameterValue: z.string() })).default([]),
});
const DestinationSchema = z.object({
  BucketARN: z.string().startsWith('arn:aws:s3:::'),
  Prefix: z.string().default(''),
  ErrorOutputPrefix: z.string().default(''),
  CompressionFormat: z.string().default('UNCOMPRESSED'),
  ProcessingConfiguration: z
    .object({ Enabled: z.boolean().default(false), Processors: z.array(Processor).default([]) })
    .optional(),
});

const parameterOf = (processors: readonly z.infer<typeof Processor>[], type: string, name: string) =>
  processors.find((p) => p.Type === type)?.Parameters.find((p) => p.ParameterName === name)?.ParameterValue;

/** The stream as the emulator runs it, from its ExtendedS3DestinationConfiguration. */
const definitionOf = (
  name: string,
  destination: z.infer<typeof DestinationSchema>,
): DeliveryStreamDefinition => {
  const processors = destination.ProcessingConfiguration?.Enabled
    ? destination.ProcessingConfiguration.Processors
    : [];
  const query = parameterOf(processors, 'MetadataExtraction', 'MetadataExtractionQuery');
  const delimiter = parameterOf(processors, 'AppendDelimiterToRecord', 'Delimiter');
  return {
    name,
    bucket: destination.BucketARN.slice('arn:aws:s3:::'.length),
    prefix: destination.Prefix,
    errorPrefix: destination.ErrorOutputPrefix,
    deaggregateJson: parameterOf(processors, 'RecordDeAggregation', 'SubRecordType') === 'JSON',
    partitionKeys: query ? parsePartitionQuery(query) : {},
    // The template escapes the newline as the API takes it.
    delimiter: delimiter === undefined ? '' : delimiter.replace(/\\n/g, '\n'),
    gzip: destination.CompressionFormat === 'GZIP',
  };
};

/**
 * The audit archive's resources: Firehose delivery streams in the Firehose emulator, writing into
 * the S3 emulator; the Glue catalog, Athena workgroup and Firehose log stream get names only
 * (nothing local calls them: `relayflow audit query --local` reads the archive objects itself).
 */
export const provisionDeliveryStreams: Provisioner = (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const resolve = resolveIn(ctx);
  for (const [id, database] of resourcesOfType(template, 'AWS::Glue::Database')) {
    const input = resolve(database.Properties?.DatabaseInput ?? {}) as { Name?: string };
    resources.set(id, { ref: input.Name ?? physicalName(ctx.stackName, id, 255).toLowerCase() });
  }
  for (const [id, table] of resourcesOfType(template, 'AWS::Glue::Table')) {
    const input = resolve(table.Properties?.TableInput ?? {}) as { Name?: string };
    resources.set(id, { ref: input.Name ?? id.toLowerCase() });
  }
  for (const [id, workGroup] of resourcesOfType(template, 'AWS::Athena::WorkGroup')) {
    const name = resolve(workGroup.Properties?.Name);
    resources.set(id, { ref: typeof name === 'string' ? name : physicalName(ctx.stackName, id, 128) });
  }
  for (const [id] of resourcesOfType(template, 'AWS::Logs::LogStream'))
    resources.set(id, { ref: physicalName(ctx.stackName, id, 512) });
  for (const [id, stream] of resourcesOfType(template, 'AWS::KinesisFirehose::DeliveryStream')) {
    const props = resolveIn(ctx, resources)(stream.Properties ?? {}) as Record<string, unknown>;
    const name =
      typeof props.DeliveryStreamName === 'string'
        ? props.DeliveryStreamName
        : physicalName(ctx.stackName, id, 64);
    const destination = DestinationSchema.parse(props.ExtendedS3DestinationConfiguration);
    ctx.services.firehose.defineStream(definitionOf(name, destination));
    resources.set(id, {
      ref: name,
      attributes: { Arn: `arn:aws:firehose:${ctx.region}:${ctx.accountId}:deliverystream/${name}` },
    });
  }
  return Promise.resolve({ resources });
};

/** Writes the Firehose emulator's objects into the S3 emulator. */
export const s3ObjectWriter = (ctx: Pick<ProvisionContext, 'endpoints' | 'region' | 'onStop'>) => {
  const s3 = new S3Client({
    endpoint: ctx.endpoints.s3,
    region: ctx.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  ctx.onStop(() => {
    s3.destroy();
    return Promise.resolve();
  });
  return async (bucket: string, key: string, body: Buffer) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  };
};

const isStreamArn = (arn: unknown): arn is string =>
  typeof arn === 'string' && /:table\/[^/]+\/stream\//.test(arn);

/** AWS::Lambda::EventSourceMapping from the tables' DynamoDB streams. */
export const isStreamMapping = (template: Template, ctx: ProvisionContext, id: string): boolean =>
  isStreamArn(resolveIn(ctx)(template.Resources[id]?.Properties?.EventSourceArn));

/**
 * Each table stream with a mapping: the DynamoDB emulator's item changes of that table, filtered
 * and batched to the function as the mapping says (local/event-source/dynamodb-stream.ts).
 */
export const provisionStreamEventSources: Provisioner<{
  readonly streams: readonly DynamoStreamEventSource[];
}> = (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const resolve = resolveIn(ctx);
  const streams: DynamoStreamEventSource[] = [];
  for (const [id, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const props = resolve(mapping.Properties ?? {}) as Record<string, unknown>;
    if (!isStreamArn(props.EventSourceArn)) continue;
    const streamArn = props.EventSourceArn;
    const tableName = /:table\/([^/]+)\//.exec(streamArn)?.[1] ?? '';
    const table = resourcesOfType(template, 'AWS::DynamoDB::Table').find(
      ([tableId]) => ctx.resources.get(tableId)?.ref === tableName,
    )?.[1];
    const viewType =
      (table?.Properties?.StreamSpecification as { StreamViewType?: StreamViewType } | undefined)
        ?.StreamViewType ?? 'NEW_AND_OLD_IMAGES';
    const filters = (
      (props.FilterCriteria as { Filters?: { Pattern?: string }[] } | undefined)?.Filters ?? []
    ).map((filter) => JSON.parse(filter.Pattern ?? '{}') as Record<string, unknown>);
    const functionName = String(props.FunctionName);
    const source = new DynamoStreamEventSource({
      streamArn,
      region: ctx.region,
      viewType,
      batchSize: Number(props.BatchSize ?? 100),
      maximumBatchingWindowSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
      filters,
      reportBatchItemFailures: ((props.FunctionResponseTypes as string[] | undefined) ?? []).includes(
        'ReportBatchItemFailures',
      ),
      invoke: async (event) => {
        const outcome = await ctx.services.lambda.invoke(functionName, event);
        return 'error' in outcome ? { error: outcome.error } : { result: outcome.result };
      },
      clock: ctx.clock,
    });
    ctx.services.dynamodb.onItemChange(tableName, (change) => source.record(change));
    source.start();
    streams.push(source);
    resources.set(id, { ref: id });
  }
  return Promise.resolve({ resources, streams });
};
