import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { documentClient } from '#shared/clients/dynamodb';
import { sqsClient } from '#shared/clients/sqs';
import { DeadLetterQueue } from '#shared/operator/dead-letter-queue';
import { EventQueries } from '#shared/operator/event-queries';
import { logger, metrics } from '#shared/powertools/index';
import { EventQueue } from '#shared/queue/event-queue';
import { EventStore } from '#shared/store/event-store';
import { RawBodies } from '#shared/store/raw-bodies';
import { AuditLog } from '#shared/replay/audit-log';
import { readReplayEnvironment } from '#shared/replay/config';
import { normalizersFor } from '#shared/replay/normalizers';
import { DEFAULT_SETTINGS, ReplayInputError, type ReplayDependencies } from '#shared/replay/replay';
import { runReplayTask } from '#shared/replay/task';

/**
 * Builds the replay Lambda handler, which serves both task states of the replay state machine
 * (`action: plan | batch`). Runs at cold start: checks the environment and builds every
 * provider's normalizer once.
 */
export const createReplayHandler = () => {
  const env = readReplayEnvironment(process.env);
  // Loaded on the first body that went to S3, as in the verifiers: a static import next to this
  // dynamic one would keep esbuild's wrapped copy of the S3 client in the cold start.
  const rawBodies = new RawBodies(
    () => import('#shared/clients/s3').then((clients) => clients.s3Client),
    env.RAW_BUCKET,
  );
  const deps: ReplayDependencies = {
    store: new EventStore(
      documentClient,
      { tableName: env.EVENT_TABLE, retentionDays: env.RETENTION_DAYS },
      rawBodies,
    ),
    queries: new EventQueries(documentClient, env.EVENT_TABLE),
    auditLog: new AuditLog(documentClient, env.EVENT_TABLE),
    queue: new EventQueue(sqsClient, env.QUEUE_URL),
    deadLetters: new DeadLetterQueue(sqsClient, env.DEAD_LETTER_QUEUE_URL),
    rawBodies,
    normalizers: normalizersFor(env.PROVIDERS),
    now: () => new Date(),
  };
  const settings = { ...DEFAULT_SETTINGS, dlqVisibilitySeconds: env.DLQ_VISIBILITY_SECONDS };

  const count = (source: string, name: string, value: number) => {
    const single = metrics.singleMetric();
    single.addDimensions({ source });
    single.addMetric(name, MetricUnit.Count, value);
  };

  return async (event: unknown, context: Context) => {
    logger.addContext(context);
    const task = event as { action?: unknown; executionId?: unknown } | null;
    logger.appendKeys({ executionId: String(task?.executionId), action: String(task?.action) });
    try {
      const state = await runReplayTask(deps, settings, event, (outcome) => {
        count(outcome.source, 'Replayed', outcome.replayed);
        count(outcome.source, 'ReplaySkipped', outcome.skipped);
        count(outcome.source, 'ReplayFailed', outcome.failed);
      });
      logger.info('replay task done', {
        summary: state.summary,
        plan: { ...state.plan, sample: state.plan.sample.length },
        more: state.more,
      });
      return state;
    } catch (error) {
      if (error instanceof ReplayInputError) logger.warn('replay input refused', { message: error.message });
      else logger.error('replay task failed', { error });
      throw error;
    } finally {
      logger.removeKeys(['executionId', 'action']);
    }
  };
};
