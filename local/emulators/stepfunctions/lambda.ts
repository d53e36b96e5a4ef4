import type { InvokeOutcome } from '../../lambda/types';
import type { InvokeLambda } from './asl/interpreter';
import type { JsonValue } from './asl/jsonpath';

/** The part of the local Lambda service that Task states need. */
export interface LambdaInvoker {
  invoke(functionNameOrArn: string, event: unknown): Promise<InvokeOutcome>;
}

/**
 * Adapts the local Lambda service to the interpreter. A function's own failure (handler error,
 * `Sandbox.Timedout`, `Runtime.*`) keeps its errorType, as Step Functions reports it; a refused
 * Invoke call becomes `Lambda.<Exception>` (e.g. Lambda.TooManyRequestsException), the name a
 * Retry on Lambda service errors matches.
 */
export function invokeLambdaWith(service: LambdaInvoker): InvokeLambda {
  return async (functionNameOrArn, payload) => {
    const outcome = await service.invoke(functionNameOrArn, payload);
    if (!('error' in outcome)) return { payload: (outcome.result ?? null) as JsonValue };
    const { errorType, errorMessage, trace } = outcome.error;
    const name =
      outcome.kind === 'service' && !errorType.startsWith('Lambda.') ? `Lambda.${errorType}` : errorType;
    return { error: { errorType: name, errorMessage, ...(trace ? { trace } : {}) } };
  };
}
