import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { createRedactor } from '#shared/powertools/redaction';

/**
 * Powertools' standard JSON log line, passed through the redactor last, so that nothing a
 * caller appends or logs (keys, errors, nested objects) reaches the output unredacted.
 */
export class RedactingLogFormatter extends LogFormatter {
  private readonly redact: (attributes: Record<string, unknown>) => Record<string, unknown>;

  constructor(options: { readonly paths?: readonly string[] } = {}) {
    super();
    this.redact = createRedactor({ paths: options.paths, formatError: (error) => this.formatError(error) });
  }

  formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_arn: attributes.lambdaContext?.invokedFunctionArn,
      function_memory_size: attributes.lambdaContext?.memoryLimitInMB,
      function_name: attributes.lambdaContext?.functionName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      sampling_rate: attributes.sampleRateValue,
      xray_trace_id: attributes.xRayTraceId,
    };
    const item = new LogItem({ attributes: base }).addAttributes(additionalLogAttributes);
    item.setAttributes(this.redact(item.getAttributes()));
    return item;
  }
}
