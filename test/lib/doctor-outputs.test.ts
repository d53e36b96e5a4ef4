import { Match } from 'aws-cdk-lib/assertions';
import { synthStack } from '../helpers/stack';

// One synthesized template for the whole file: synthesis is the slow part.
const { template } = synthStack();

/** The one resource of `type` whose logical id (the construct path, flattened) matches. */
const logicalIdOf = (type: string, id: RegExp): string => {
  const ids = Object.keys(template.findResources(type)).filter((logicalId) => id.test(logicalId));
  expect(ids).toHaveLength(1);
  return ids[0] ?? '';
};

describe('the outputs relayflow doctor reads', () => {
  it("names the alarm topic, which every alarm notifies, so that doctor finds the stack's alarms by it", () => {
    const topic = logicalIdOf('AWS::SNS::Topic', /^ObservabilityAlarmTopic[0-9A-F]{8}$/);

    template.hasOutput('AlarmTopicArn', { Value: { Ref: topic } });
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: Match.arrayWith([{ Ref: topic }]),
    });
  });

  it("names the consumer's event source mapping by its UUID (what Ref gives it)", () => {
    const mapping = logicalIdOf('AWS::Lambda::EventSourceMapping', /^ProcessingConsumerSqsEventSource/);

    template.hasOutput('ConsumerEventSourceMappingId', { Value: { Ref: mapping } });
  });

  it('keeps naming what the other checks need: the replay machine, the DLQ, the table and the API', () => {
    expect(Object.keys(template.findOutputs('*'))).toEqual(
      expect.arrayContaining(['ReplayStateMachineArn', 'DeadLetterQueueUrl', 'EventTableName', 'ApiUrl']),
    );
  });
});
