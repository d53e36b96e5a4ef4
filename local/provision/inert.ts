import { resourcesOfType, type LocalResource } from '../template';
import { physicalName, type Provisioner } from './context';

/**
 * Names for the resources nothing calls at run time but that environments and definitions refer
 * to (roles, log groups): they resolve to plausible ARNs and are not emulated.
 */
export const provisionInert: Provisioner = (template, ctx) => {
  const { region, accountId, stackName } = ctx;
  const resources = new Map<string, LocalResource>();
  for (const [id] of resourcesOfType(template, 'AWS::IAM::Role')) {
    const name = physicalName(stackName, id, 64);
    resources.set(id, { ref: name, attributes: { Arn: `arn:aws:iam::${accountId}:role/${name}` } });
  }
  for (const [id] of resourcesOfType(template, 'AWS::Logs::LogGroup')) {
    const name = `/aws/relayflow/${id}`;
    resources.set(id, {
      ref: name,
      attributes: { Arn: `arn:aws:logs:${region}:${accountId}:log-group:${name}:*` },
    });
  }
  return Promise.resolve({ resources });
};
