import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { buildStack } from '../helpers/stack';

/** Synthesizes with both packs as validation plugins; returns what they refused, or nothing. */
const nagFindings = (): string => {
  const { app } = buildStack();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  try {
    app.synth();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  it('reports no unacknowledged finding', () => {
    expect(nagFindings()).toBe('');
  });
});
