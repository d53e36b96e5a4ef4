import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { parseConfig, TRACING_DEFAULTS, type RelayFlowConfigInput } from '../../lib/config';
import { RelayFlowFunction } from '../../lib/constructs/relayflow-function';
import { TraceSampling, type TraceSamplingProps } from '../../lib/constructs/trace-sampling';

/** A stack without bundling (no esbuild in construct tests). */
const aStack = () => new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'TraceTest');

const samplingTemplate = (props: TraceSamplingProps) => {
  const stack = aStack();
  new TraceSampling(stack, 'TraceSampling', props);
  return Template.fromStack(stack);
};

const functionTemplate = (tracing?: boolean) => {
  const stack = aStack();
  new RelayFlowFunction(stack, 'Fn', {
    entry: 'functions/handlers/ingest-stripe.ts',
    description: 'test',
    serviceName: 'ingest-stripe',
    logRetention: RetentionDays.ONE_WEEK,
    logLevel: 'INFO',
    removalPolicy: RemovalPolicy.DESTROY,
    ...(tracing === undefined ? {} : { tracing }),
  });
  return Template.fromStack(stack);
};

describe('the tracing configuration', () => {
  const tracingOf = (tracing: RelayFlowConfigInput['tracing']) =>
    parseConfig({ providers: { stripe: {} }, tracing }).tracing;

  it("defaults to X-Ray's own rule: one request a second, then 5% of the rest", () => {
    expect(parseConfig({ providers: { stripe: {} } }).tracing).toEqual({
      enabled: true,
      samplingRate: 0.05,
      reservoirPerSecond: 1,
    });
    expect(TRACING_DEFAULTS).toEqual({ enabled: true, samplingRate: 0.05, reservoirPerSecond: 1 });
  });

  it('fills what a partial tracing section leaves out', () => {
    expect(tracingOf({ samplingRate: 0.01 })).toEqual({ ...TRACING_DEFAULTS, samplingRate: 0.01 });
  });

  it('refuses a rate outside 0 to 1, a negative or fractional reservoir and unknown keys', () => {
    expect(() => tracingOf({ samplingRate: 1.5 })).toThrow(/tracing\.samplingRate/);
    expect(() => tracingOf({ reservoirPerSecond: -1 })).toThrow(/tracing\.reservoirPerSecond/);
    expect(() => tracingOf({ reservoirPerSecond: 0.5 })).toThrow(/tracing\.reservoirPerSecond/);
    expect(() => tracingOf({ rate: 0.1 } as RelayFlowConfigInput['tracing'])).toThrow(/tracing/);
  });
});

describe('TraceSampling', () => {
  it("writes an X-Ray sampling rule with the configured rate and reservoir for the stack's functions", () => {
    const template = samplingTemplate({ enabled: true, samplingRate: 0.02, reservoirPerSecond: 0 });

    template.resourceCountIs('AWS::XRay::SamplingRule', 1);
    template.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({
        FixedRate: 0.02,
        ReservoirSize: 0,
        ServiceName: 'TraceTest-*',
        Priority: 1000,
        ResourceARN: '*',
        Version: 1,
        RuleName: Match.stringLikeRegexp('^.{1,32}$'),
      }),
    });
  });

  it('writes no rule when tracing is off', () => {
    const template = samplingTemplate({ enabled: false, samplingRate: 0.05, reservoirPerSecond: 1 });

    expect(template.findResources('AWS::XRay::SamplingRule')).toEqual({});
  });

  it('refuses a rate outside 0 to 1 and a fractional reservoir', () => {
    expect(() => samplingTemplate({ enabled: true, samplingRate: -0.1, reservoirPerSecond: 1.5 })).toThrow(
      'TraceSampling: samplingRate must be between 0 and 1; reservoirPerSecond must be an integer of at least 0',
    );
  });
});

describe('a RelayFlow function', () => {
  it('traces actively by default', () => {
    const template = functionTemplate();

    template.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ POWERTOOLS_TRACE_ENABLED: Match.absent() }) },
    });
  });

  it('with tracing off, records no trace, may not write any, and tells Powertools not to load the X-Ray SDK', () => {
    const template = functionTemplate(false);

    template.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: Match.absent(),
      Environment: { Variables: Match.objectLike({ POWERTOOLS_TRACE_ENABLED: 'false' }) },
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('xray:');
  });
});
