import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { StepFunctionsEmulator } from '../../../../local/emulators/stepfunctions';
import type { JsonValue } from '../../../../local/emulators/stepfunctions/asl/jsonpath';
import { FakeClock, FakeLambdas, fail, ok } from './helpers';

/**
 * The definition exactly as aws-cdk-lib renders it into the template (an Fn::Join of strings,
 * `Ref AWS::Partition` and `Fn::GetAtt <fn>.Arn`), resolved the way the local runtime resolves it.
 */
function synthesizeReplayLike(): { definitionString: JsonValue; functionIds: { plan: string; batch: string } } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test');
  const code = lambda.Code.fromInline('exports.handler = async () => ({})');
  const plan = new lambda.Function(stack, 'Plan', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
  const batch = new lambda.Function(stack, 'Batch', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });

  const done = new sfn.Succeed(stack, 'Done');
  const runBatch = new tasks.LambdaInvoke(stack, 'RunBatch', {
    lambdaFunction: batch,
    payload: sfn.TaskInput.fromObject({ 'cursor.$': '$.cursor', 'limit.$': '$.limit' }),
    resultSelector: { 'cursor.$': '$.Payload.cursor', 'remaining.$': '$.Payload.remaining', 'limit.$': '$.Payload.limit' },
    retryOnServiceExceptions: true,
  });
  const more = new sfn.Choice(stack, 'More?')
    .when(
      sfn.Condition.numberGreaterThan('$.remaining', 0),
      new sfn.Wait(stack, 'Throttle', { time: sfn.WaitTime.secondsPath('$.limit') }).next(runBatch),
    )
    .otherwise(done);
  const definition = new tasks.LambdaInvoke(stack, 'PlanReplay', { lambdaFunction: plan, payloadResponseOnly: true })
    .next(new sfn.Choice(stack, 'DryRun?').when(sfn.Condition.booleanEquals('$.dryRun', true), done).otherwise(runBatch.next(more)));
  new sfn.StateMachine(stack, 'Replay', { definitionBody: sfn.DefinitionBody.fromChainable(definition), timeout: Duration.hours(1) });

  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, JsonValue> }> };
  const machine = Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  const idOf = (fn: lambda.Function): string => stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
  return { definitionString: machine?.Properties.DefinitionString ?? null, functionIds: { plan: idOf(plan), batch: idOf(batch) } };
}

/** Resolves the intrinsic functions CDK puts in a DefinitionString, as the local runtime does. */
function resolve(value: JsonValue, arns: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  if ('Fn::Join' in value) {
    const [separator, parts] = value['Fn::Join'] as [string, JsonValue[]];
    return parts.map((part) => resolve(part, arns)).join(separator);
  }
  if ('Ref' in value && value.Ref === 'AWS::Partition') return 'aws';
  if ('Fn::GetAtt' in value) {
    const [logicalId] = value['Fn::GetAtt'] as [string, string];
    const arn = arns[logicalId];
    if (arn) return arn;
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

describe('a definition rendered by aws-cdk-lib', () => {
  it('loads after token resolution and runs its LambdaInvoke, Choice and Wait states', async () => {
    const { definitionString, functionIds } = synthesizeReplayLike();
    const planArn = 'arn:aws:lambda:us-east-1:000000000000:function:Test-Plan';
    const batchArn = 'arn:aws:lambda:us-east-1:000000000000:function:Test-Batch';
    const definition = resolve(definitionString, { [functionIds.plan]: planArn, [functionIds.batch]: batchArn });
    const lambdas = new FakeLambdas({
      [planArn]: () => ok({ dryRun: false, cursor: 0, limit: 2 }),
      [batchArn]: (payload, call) => {
        if (call === 1) return fail('Lambda.ServiceException', 'transient');
        const { cursor, limit } = payload as { cursor: number; limit: number };
        return ok({ cursor: cursor + limit, remaining: Math.max(0, 5 - cursor - limit), limit });
      },
    });
    const clock = new FakeClock();
    const emulator = new StepFunctionsEmulator({ invokeLambda: lambdas.invoke, clock });

    const { stateMachineArn } = emulator.createStateMachine({ name: 'Replay', definition, roleArn: 'arn:aws:iam::000000000000:role/R' });
    const { executionArn } = emulator.startExecution({ stateMachineArn, input: '{}' });
    const described = await emulator.waitForExecution(executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? 'null')).toEqual({ cursor: 6, remaining: 0, limit: 2 });
    expect(lambdas.callsOf(batchArn)).toEqual([
      { cursor: 0, limit: 2 },
      { cursor: 0, limit: 2 },
      { cursor: 2, limit: 2 },
      { cursor: 4, limit: 2 },
    ]);
    // The machine's 1 h TimeoutSeconds, the backoff of CDK's default Lambda retry, then two Waits.
    expect(clock.sleeps).toEqual([3_600_000, 2000, 2000, 2000]);
  });
});
