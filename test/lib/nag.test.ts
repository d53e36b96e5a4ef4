import { Aspects } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { synthStack } from '../helpers/stack';

const { app, stack } = synthStack();
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
Aspects.of(app).add(new ServerlessChecks({ verbose: true }));
app.synth();
const annotations = Annotations.fromStack(stack);

const findings = (level: 'error' | 'warning') =>
  (level === 'error' ? annotations.findError('*', Match.stringLikeRegexp('.*')) : annotations.findWarning('*', Match.stringLikeRegexp('.*')))
    .map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  it('reports no unacknowledged error', () => {
    expect(findings('error')).toEqual([]);
  });

  it('reports no unacknowledged warning', () => {
    expect(findings('warning')).toEqual([]);
  });
});
