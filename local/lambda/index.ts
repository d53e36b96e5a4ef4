export { RuntimeClock } from './clock';
export { LambdaService } from './service';
export type { FunctionConfig, LambdaServiceOptions } from './service';
export { isInvokeFailure } from './types';
export type {
  FunctionCounters,
  InvokeErrorKind,
  InvokeFailure,
  InvokeOutcome,
  InvokeSuccess,
  LambdaErrorPayload,
  LogEntry,
  LogSink,
} from './types';
