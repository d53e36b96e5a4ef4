import { TargetError } from '#shared/targets/errors';

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Refuses, before any call, a request that can never succeed, so that the event is dead-lettered
 * at once with the reason instead of spending its attempts: EventBridge takes only a JSON object
 * as Detail, and no target can send what JSON cannot hold (a function a transform returned).
 */
export const validatePayload = (
  target: { readonly id: string; readonly kind: string },
  payload: unknown,
): void => {
  const refuse = (message: string) => {
    throw new TargetError(target.id, 'invalid-request', false, message);
  };
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch {
    // A circular value: what a transform yields when it returns one of its own functions.
  }
  if (json === undefined)
    refuse('the body is not JSON: the transform yielded a function or a circular value');
  if (target.kind === 'eventbridge' && !isRecord(payload))
    refuse(
      `EventBridge takes a JSON object as detail; the transform yielded ${Array.isArray(payload) ? 'an array' : typeof payload}`,
    );
};
