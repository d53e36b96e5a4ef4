import { resourcesOfType, type LocalResource } from '../template';
import { physicalName, resolveIn, stringProperty, type Provisioner } from './context';

/** AWS::StepFunctions::StateMachine in the Step Functions emulator, its definition resolved to local ARNs. */
export const provisionStateMachines: Provisioner = (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const resolve = resolveIn(ctx);
  for (const [id, machine] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
    const name = stringProperty(machine, 'StateMachineName') ?? physicalName(ctx.stackName, id, 80);
    const definition = machine.Properties?.DefinitionString ?? machine.Properties?.Definition;
    const resolved = typeof definition === 'string' ? definition : resolve(definition);
    const { stateMachineArn } = ctx.services.stepFunctions.createStateMachine({
      name,
      definition: typeof resolved === 'string' ? resolved : JSON.stringify(resolved),
      roleArn: String(resolve(machine.Properties?.RoleArn ?? `arn:aws:iam::${ctx.accountId}:role/local`)),
    });
    resources.set(id, { ref: stateMachineArn, attributes: { Arn: stateMachineArn, Name: name } });
  }
  return Promise.resolve({ resources });
};
