import { Names, Stack } from 'aws-cdk-lib';
import { CfnSamplingRule } from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';

export interface TraceSamplingProps {
  /** Off: no rule, and the functions record no trace. */
  readonly enabled: boolean;
  /** Share of requests recorded once the second's reservoir is used up, 0 to 1. */
  readonly samplingRate: number;
  /** Requests recorded each second before the rate applies. */
  readonly reservoirPerSecond: number;
}

/** Before X-Ray's default rule (priority 10000); an account's rules with lower numbers still come first. */
const RULE_PRIORITY = 1000;

/**
 * The stack's X-Ray sampling rule: how many traces its functions record, and so what X-Ray bills
 * ($5.00 per million recorded). It matches by service name, which for a Lambda function is the
 * function's name: CloudFormation names them `<stack name>-…`. The replay state machine's names
 * do not start so, and it keeps the account's rules (a replay is an operator's rare action).
 */
export class TraceSampling extends Construct {
  /** Undefined when tracing is off. */
  public readonly rule: CfnSamplingRule | undefined;

  constructor(scope: Construct, id: string, props: TraceSamplingProps) {
    super(scope, id);
    const problems: string[] = [];
    if (!(props.samplingRate >= 0 && props.samplingRate <= 1))
      problems.push('samplingRate must be between 0 and 1');
    if (!Number.isInteger(props.reservoirPerSecond) || props.reservoirPerSecond < 0)
      problems.push('reservoirPerSecond must be an integer of at least 0');
    if (problems.length > 0) throw new Error(`TraceSampling: ${problems.join('; ')}`);
    this.rule = props.enabled ? this.createRule(props) : undefined;
  }

  private createRule(props: TraceSamplingProps): CfnSamplingRule {
    return new CfnSamplingRule(this, 'Rule', {
      samplingRule: {
        // Unique per account and region, at most 32 characters.
        ruleName: Names.uniqueResourceName(this, { maxLength: 32 }),
        priority: RULE_PRIORITY,
        fixedRate: props.samplingRate,
        reservoirSize: props.reservoirPerSecond,
        serviceName: `${Stack.of(this).stackName}-*`,
        serviceType: '*',
        host: '*',
        httpMethod: '*',
        urlPath: '*',
        resourceArn: '*',
        version: 1,
      },
    });
  }
}
