import { Match } from 'aws-cdk-lib/assertions';
import { CONSUMER_LINE_METRICS, INGEST_LINE_METRICS } from '#shared/powertools/line-metrics';
import { synthStack } from '../helpers/stack';

type MetricFilterProperties = {
  LogGroupName: { Ref: string };
  FilterPattern: string;
  MetricTransformations: { MetricName: string; MetricValue: string; Unit: string }[];
};

const { template } = synthStack({ providers: { stripe: {}, github: {} } });
const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')).map(
  (resource) => (resource as { Properties: MetricFilterProperties }).Properties,
);
/** The log group a function's LoggingConfig names. */
const logGroupOf = (functionIdPrefix: string): string => {
  const [fn] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) =>
    id.includes(functionIdPrefix),
  );
  return (fn?.[1] as { Properties: { LoggingConfig: { LogGroup: { Ref: string } } } }).Properties
    .LoggingConfig.LogGroup.Ref;
};
const filtersOn = (logGroup: string) => filters.filter((f) => f.LogGroupName.Ref === logGroup);

describe('metrics read off the INFO lines (decision 0059)', () => {
  it.each(['stripe', 'github'])(
    'puts a filter per ingest metric on the %s verifier’s log group',
    (provider) => {
      const onGroup = filtersOn(logGroupOf(`Verifier${provider}`));

      expect(onGroup.map((f) => f.MetricTransformations[0]?.MetricName).sort()).toEqual(
        INGEST_LINE_METRICS.map((m) => m.name).sort(),
      );
    },
  );

  it('puts a filter per outcome and the end-to-end latency on the consumer’s log group', () => {
    const onGroup = filtersOn(logGroupOf('Consumer'));

    expect(onGroup.map((f) => f.MetricTransformations[0]?.MetricName).sort()).toEqual(
      CONSUMER_LINE_METRICS.map((m) => m.name).sort(),
    );
  });

  it('publishes each in the RelayFlow namespace, per provider and tenant, with its unit and value field', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.received > 0 && $.provider = * && $.tenant = * }',
      MetricTransformations: [
        {
          MetricName: 'Received',
          MetricNamespace: 'RelayFlow',
          MetricValue: '$.received',
          Unit: 'Count',
          Dimensions: Match.arrayEquals([
            { Key: 'provider', Value: '$.provider' },
            { Key: 'tenant', Value: '$.tenant' },
          ]),
        },
      ],
    });
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      MetricTransformations: [
        Match.objectLike({
          MetricName: 'EndToEndLatency',
          MetricValue: '$.endToEndMs',
          Unit: 'Milliseconds',
        }),
      ],
    });
  });
});
