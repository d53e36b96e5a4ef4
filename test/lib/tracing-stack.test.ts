import { Match } from 'aws-cdk-lib/assertions';
import { synthStack } from '../helpers/stack';

describe('tracing', () => {
  it('samples traces at the configured rate with one rule for the stack', () => {
    const { template } = synthStack({ tracing: { samplingRate: 0.01, reservoirPerSecond: 0 } });

    template.resourceCountIs('AWS::XRay::SamplingRule', 1);
    template.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({ FixedRate: 0.01, ReservoirSize: 0, ServiceName: 'RelayFlowTest-*' }),
    });
  });

  it('switched off, writes no rule and traces no function or state machine', () => {
    const { template } = synthStack({ tracing: { enabled: false } });

    template.resourceCountIs('AWS::XRay::SamplingRule', 0);
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')))
      expect((fn as { Properties: Record<string, unknown> }).Properties.TracingConfig).toBeUndefined();
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: false },
    });
  });
});
