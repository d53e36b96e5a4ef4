import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { storeCall } from '#shared/store/conditions';

/** One event found missing (or, in a dry run, that would be recovered). */
export const MissingRecordSchema = z.object({
  id: z.string(),
  at: z.string(),
  eventId: z.string(),
  /** What the run did: recovered through the ingest, asked the provider to redeliver, or nothing (dry run). */
  action: z.enum(['recovered', 'redelivered', 'duplicate', 'listed', 'failed']),
});

export const DriftSchema = z.object({
  kind: z.string(),
  id: z.string(),
  field: z.string(),
  ours: z.string(),
  theirs: z.string(),
  eventId: z.string(),
});

/**
 * What one run found and did (docs/reconciliation.md, "Report"): written as an item for the
 * stack's retention, printed by `relayflow reconcile run`, listed by `relayflow reconcile report`.
 */
export const ReconciliationReportSchema = z.object({
  runId: z.string(),
  provider: z.string(),
  tenant: z.string(),
  dryRun: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** The window checked: from `since` to `until` (now minus the settle margin). */
  window: z.object({ since: z.string(), until: z.string() }),
  /** Whether the window was paged to its end; when not, the next run continues from the checkpoint. */
  complete: z.boolean(),
  pages: z.number(),
  checked: z.number(),
  missing: z.number(),
  recovered: z.number(),
  redelivered: z.number(),
  /** Missing when listed, but already there when recovered (the webhook arrived meanwhile). */
  duplicates: z.number(),
  drifted: z.number(),
  receiptsResolved: z.number(),
  receiptsMissing: z.number(),
  uncertainResolved: z.number(),
  /** The first missing records and drifts, for the operator (the counts above are complete). */
  missingRecords: z.array(MissingRecordSchema),
  drifts: z.array(DriftSchema),
  /** One clear line per problem: `stripe: 401 unauthorized — the API key was refused; …`. */
  errors: z.array(z.string()),
});
export type ReconciliationReport = z.infer<typeof ReconciliationReportSchema>;
export type MissingRecord = z.infer<typeof MissingRecordSchema>;
export type Drift = z.infer<typeof DriftSchema>;

/** Records a report names one by one; beyond, it counts them (an item stays far below 400 KB). */
export const LISTED_IN_REPORT = 100;

/** Every report shares one partition, newest first by its start; a run an hour per provider is a few items a day. */
const REPORTS_PK = 'RECONREPORT';

export class ReportStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly settings: { readonly tableName: string; readonly retentionDays: number },
  ) {}

  async put(report: ReconciliationReport): Promise<void> {
    await storeCall('report store', 'write', () =>
      this.client.send(
        new PutCommand({
          TableName: this.settings.tableName,
          Item: {
            PK: REPORTS_PK,
            SK: `${report.startedAt}#${report.provider}#${report.tenant}#${report.runId}`,
            report: JSON.stringify(report),
            expiresAt:
              Math.floor(Date.parse(report.finishedAt) / 1000) + this.settings.retentionDays * 86_400,
          },
        }),
      ),
    );
  }

  /** The newest reports first, of one provider when given. */
  async list(options: { provider?: string; limit: number }): Promise<ReconciliationReport[]> {
    const reports: ReconciliationReport[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await storeCall('report store', 'list', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.settings.tableName,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': REPORTS_PK },
            ScanIndexForward: false,
            ExclusiveStartKey: start,
            Limit: 100,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const parsed = ReconciliationReportSchema.safeParse(JSON.parse(String(item.report)));
        if (!parsed.success) continue;
        if (options.provider && parsed.data.provider !== options.provider) continue;
        reports.push(parsed.data);
        if (reports.length >= options.limit) return reports;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return reports;
  }
}
