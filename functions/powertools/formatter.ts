import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { isRequestXRaySampled } from '@aws-lambda-powertools/commons/utils/env';
import { createRedactor } from '#shared/powertools/redaction';
import type { StackMapper } from '#shared/powertools/stack-map';

/**
 * The attribute under which a log call hands over an EMF record (Powertools' `serializeMetrics()`
 * output) to be written as part of the line: EMF lets a record carry other fields, so a line and
 * its metrics cost one log event. The record's fields go to the root of the line, where EMF
 * reads them; the Logger itself would drop its `service` dimension as a reserved key.
 */
export const EMF_RECORD = 'emfRecord';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A lean JSON log line, passed through the redactor last, so that nothing a caller appends or
 * logs (keys, errors, nested objects) reaches the output unredacted.
 *
 * Every line is billed by the byte, so Powertools' standard keys are left out where CloudWatch
 * already has them: the time (`@timestamp`), the function, its memory and its service (the log
 * group, and Lambda's REPORT line, which also tells a cold start by its init duration). INFO is
 * the one line per event, found by the correlation id it carries; the other levels are rare or
 * asked for, and carry the Lambda request id that ties them to the invocation's START, REPORT and
 * timeout lines. The X-Ray trace id is printed only for a sampled request: no trace exists of
 * the others.
 */
export class RedactingLogFormatter extends LogFormatter {
  private readonly redact: (attributes: Record<string, unknown>) => Record<string, unknown>;

  private readonly mapStack: StackMapper;

  constructor(options: { readonly paths?: readonly string[]; readonly mapStack?: StackMapper } = {}) {
    super();
    this.mapStack = options.mapStack ?? ((stack) => stack);
    this.redact = createRedactor({ paths: options.paths, formatError: (error) => this.formatError(error) });
  }

  /** Powertools' error, its stack and location read in our sources (decision 0061). */
  formatError(error: Error): LogAttributes {
    const formatted = super.formatError(error);
    if (typeof error.stack !== 'string') return formatted;
    const stack = this.mapStack(error.stack);
    return {
      ...formatted,
      location: this.getCodeLocation(stack),
      stack: Array.isArray(formatted.stack) ? stack.split('\n') : stack,
    };
  }

  formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const requestId = attributes.lambdaContext?.awsRequestId;
    const { [EMF_RECORD]: record, ...additional } = additionalLogAttributes;
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      ...(requestId && attributes.logLevel !== 'INFO' ? { function_request_id: requestId } : {}),
      ...(attributes.xRayTraceId && isRequestXRaySampled() ? { xray_trace_id: attributes.xRayTraceId } : {}),
    };
    const item = new LogItem({ attributes: base }).addAttributes({
      ...additional,
      ...(isRecord(record) ? record : {}),
    });
    item.setAttributes(this.redact(item.getAttributes()));
    return item;
  }
}
