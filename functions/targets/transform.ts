import type jsonata from 'jsonata';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import { TargetError } from '#shared/targets/errors';

/** jsonata's compiler: given at synth, loaded on first use in the consumer. */
export type Compile = typeof jsonata;

/** A jsonata error is a plain object with a message (and a position), not always an Error. */
const messageOf = (error: unknown): string =>
  typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string'
    ? error.message
    : String(error);

/** What is wrong with a transform expression (it does not compile), or undefined. */
export const transformProblem = (compile: Compile, expression: string): string | undefined => {
  try {
    compile(expression);
    return undefined;
  } catch (error) {
    const position =
      typeof error === 'object' && error !== null && 'position' in error && typeof error.position === 'number'
        ? ` at character ${error.position}`
        : '';
    return `is not a JSONata expression: ${messageOf(error)}${position}`;
  }
};

/**
 * Loads jsonata only when a target first has a transform (decision 0050): a consumer whose routes
 * transform nothing never reads the module, which the function bundles deploy beside them
 * (decision 0064). `require`d, not imported, for the reason functions/clients/s3.ts gives. Each
 * expression is compiled once per container.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadJsonata = (): Promise<Compile> => Promise.resolve(require('jsonata') as Compile);

/**
 * Turns an event into what a target sends: the result of the target's `transform`, or the event
 * itself when it has none. A transform that throws, or yields nothing, can never succeed for this
 * event, so it fails permanently and the event is dead-lettered with the expression's message.
 */
export class Transforms {
  private compiler: Promise<Compile> | undefined;
  private readonly compiled = new Map<string, Promise<jsonata.Expression>>();

  constructor(private readonly load: () => Promise<Compile> = loadJsonata) {}

  private expressionOf(expression: string): Promise<jsonata.Expression> {
    let compiled = this.compiled.get(expression);
    if (!compiled) {
      compiled = (this.compiler ??= this.load()).then((compile) => compile(expression));
      this.compiled.set(expression, compiled);
    }
    return compiled;
  }

  async payloadOf(
    target: { readonly id: string; readonly transform?: string },
    event: IntegrationEvent,
  ): Promise<unknown> {
    if (target.transform === undefined) return event;
    let result: unknown;
    try {
      result = await (await this.expressionOf(target.transform)).evaluate(event);
    } catch (error) {
      throw new TargetError(target.id, 'transform-failed', false, `transform failed: ${messageOf(error)}`, {
        cause: error,
      });
    }
    if (result === undefined)
      throw new TargetError(
        target.id,
        'transform-failed',
        false,
        'transform yielded nothing for this event (a path it reads is missing?)',
      );
    return result;
  }
}
