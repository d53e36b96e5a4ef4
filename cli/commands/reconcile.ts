import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { z } from 'zod';
import type { ReconcileInvocation } from '../../functions/reconciliation/config';
import { RECONCILABLE_PROVIDERS } from '../../functions/reconciliation/providers/index';
import {
  ReconciliationReportSchema,
  ReportStore,
  type ReconciliationReport,
} from '../../functions/reconciliation/report';
import { CliError, type Environment } from '../environment';
import { json, parseTime, positiveInt, table } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';

const LambdaErrorSchema = z.object({ errorType: z.string().optional(), errorMessage: z.string() });

const notReconciling = (env: Environment) =>
  `Stack ${env.stackName} reconciles no provider: add a \`reconciliation\` section to relayflow.config.ts and deploy (docs/reconciliation.md).`;

const checkProvider = (provider: string) => {
  if (!RECONCILABLE_PROVIDERS.includes(provider))
    throw new CliError(
      `"${provider}" cannot be reconciled (reconcilable: ${RECONCILABLE_PROVIDERS.join(', ')}; docs/reconciliation.md says why the others cannot).`,
    );
};

/** The report as an operator reads it: the counts, then what was missing, what drifted, what failed. */
export const reportText = (report: ReconciliationReport): string => {
  const lines = [
    `Reconciliation of ${report.provider} (tenant ${report.tenant}), run ${report.runId}${report.dryRun ? ' — dry run, nothing changed' : ''}`,
    `Window ${report.window.since} → ${report.window.until}: ${report.complete ? 'checked to its end' : 'not finished; the next run continues from the checkpoint'}`,
    `checked ${report.checked}  missing ${report.missing}  recovered ${report.recovered}  redelivered ${report.redelivered}  duplicates ${report.duplicates}`,
    `drifted ${report.drifted}  receipts resolved ${report.receiptsResolved}  receipts missing ${report.receiptsMissing}  uncertain resolved ${report.uncertainResolved}`,
  ];
  if (report.missingRecords.length > 0) {
    lines.push('', report.dryRun ? 'Missing (would be recovered):' : 'Missing:');
    lines.push(
      table(
        ['ID', 'AT', 'EVENT', 'ACTION'],
        report.missingRecords.map((r) => [r.id, r.at, r.eventId, r.action]),
      ),
    );
  }
  if (report.drifts.length > 0) {
    lines.push('', 'Drifted (a reconciliation.drift event each):');
    lines.push(
      table(
        ['KIND', 'ID', 'FIELD', 'OURS', 'PROVIDER', 'FROM EVENT'],
        report.drifts.map((d) => [d.kind, d.id, d.field, d.ours, d.theirs, d.eventId]),
      ),
    );
  }
  if (report.errors.length > 0) lines.push('', 'Problems:', ...report.errors.map((e) => `  ${e}`));
  return lines.join('\n');
};

const runReconciliation = async (
  deps: CliDependencies,
  globals: () => GlobalOptions,
  options: { provider: string; tenant?: string; since?: string; dryRun: boolean },
) => {
  checkProvider(options.provider);
  const since = options.since ? parseTime(options.since, deps.now(), '--since') : undefined;
  const env = await deps.connect(globals());
  const functionName = env.outputs.ReconcileFunctionName;
  if (functionName === undefined) throw new CliError(notReconciling(env));
  const invocation: ReconcileInvocation = {
    provider: options.provider,
    ...(options.tenant ? { tenant: options.tenant } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(since ? { since } : {}),
  };
  const answer = await env.lambda.send(
    new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(invocation)) }),
  );
  const text = Buffer.from(answer.Payload ?? []).toString('utf8');
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    payload = undefined;
  }
  if (answer.FunctionError) {
    const error = LambdaErrorSchema.safeParse(payload);
    throw new CliError(
      `The reconcile function failed: ${error.success ? error.data.errorMessage : 'no error message'}.`,
    );
  }
  const report = ReconciliationReportSchema.safeParse(payload);
  if (!report.success) throw new CliError('The reconcile function answered something that is not a report.');
  deps.output.out(globals().json ? json(report.data) : reportText(report.data));
  if (report.data.errors.length > 0)
    throw new CliError(
      `The run reported ${report.data.errors.length} ${report.data.errors.length === 1 ? 'problem' : 'problems'} (above).`,
    );
};

const listReports = async (
  deps: CliDependencies,
  globals: () => GlobalOptions,
  options: { provider?: string; limit: number },
) => {
  if (options.provider) checkProvider(options.provider);
  const env = await deps.connect(globals());
  if (env.outputs.ReconcileFunctionName === undefined) throw new CliError(notReconciling(env));
  const reports = await new ReportStore(env.dynamodb, {
    tableName: env.output('EventTableName'),
    retentionDays: Number(env.outputs.RetentionDays ?? 30),
  }).list({ ...(options.provider ? { provider: options.provider } : {}), limit: options.limit });
  if (globals().json) {
    deps.output.out(json({ stack: env.stackName, reports }));
    return;
  }
  if (reports.length === 0) {
    deps.output.out(`No reconciliation report${options.provider ? ` for ${options.provider}` : ''} yet.`);
    return;
  }
  deps.output.out(
    table(
      [
        'STARTED',
        'PROVIDER',
        'TENANT',
        'CHECKED',
        'MISSING',
        'RECOVERED',
        'DRIFTED',
        'RECEIPTS',
        'PROBLEMS',
        'RUN',
      ],
      reports.map((r) => [
        r.startedAt,
        r.provider,
        r.tenant,
        r.checked,
        r.missing,
        r.recovered + r.redelivered,
        r.drifted,
        `${r.receiptsResolved} resolved, ${r.receiptsMissing} missing`,
        r.errors.length,
        r.runId,
      ]),
    ),
  );
};

export const registerReconcile = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  const reconcile = program
    .command('reconcile')
    .description(
      'Ask providers what they sent: recover lost webhooks, resolve missing receipts, find drifted entities',
    );
  reconcile
    .command('run')
    .description(
      "Runs one reconciliation of a provider now (the schedule's run, or a dry run) and prints its report",
    )
    .requiredOption('--provider <id>', `the provider (${RECONCILABLE_PROVIDERS.join(', ')})`)
    .option('--tenant <id>', 'the tenant (default: the default tenant)')
    .option(
      '--since <time>',
      'check from here (ISO 8601 or 30m, 2h, 1d back), leaving the checkpoint as it is',
    )
    .option('--dry-run', 'list what is missing and what drifted; change nothing', false)
    .action((options: { provider: string; tenant?: string; since?: string; dryRun: boolean }) =>
      runReconciliation(deps, globals, options),
    );
  reconcile
    .command('report')
    .description('Lists the newest reconciliation reports')
    .option('--provider <id>', 'only this provider')
    .option('--limit <n>', 'reports to show', positiveInt('--limit', 1000), 20)
    .action((options: { provider?: string; limit: number }) => listReports(deps, globals, options));
};
