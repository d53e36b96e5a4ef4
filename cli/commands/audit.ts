import type { Command } from 'commander';
import {
  AthenaArchiveReader,
  ObjectArchiveReader,
  type ArchiveQuery,
  type ArchivedRow,
} from '../../functions/operator/audit-archive';
import { CliError } from '../environment';
import { json, parseTime, table } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';

interface QueryOptions {
  readonly event?: string;
  readonly correlation?: string;
  readonly since?: string;
  readonly objects: boolean;
}

const queryOf = (options: QueryOptions, now: Date): ArchiveQuery => {
  const chosen = [options.event, options.correlation].filter(Boolean).length;
  if (chosen > 1) throw new CliError('Give one of --event and --correlation, not both.');
  const since = options.since ? parseTime(options.since, now, '--since') : undefined;
  if (options.event) return { by: 'event', eventId: options.event, ...(since ? { since } : {}) };
  if (options.correlation)
    return { by: 'correlation', correlationId: options.correlation, ...(since ? { since } : {}) };
  if (since) return { by: 'since', since };
  throw new CliError('Say what to look for: --event <id>, --correlation <id> or --since <time>.');
};

const describe = (query: ArchiveQuery) =>
  query.by === 'event'
    ? `event ${query.eventId}`
    : query.by === 'correlation'
      ? `correlation id ${query.correlationId}`
      : `anything since ${query.since}`;

const rowCells = (row: ArchivedRow) =>
  row.kind === 'audit'
    ? [row.at, row.tenant, row.eventId, row.by, row.action, row.status, row.detail]
    : row.kind === 'pause'
      ? [row.at, row.tenant, row.pause, row.by, row.action, undefined, row.reason]
      : [
          row.at,
          row.tenant,
          `${row.provider} refused`,
          'ingest',
          `${row.reason} × ${row.count}`,
          undefined,
          `from ${row.sourceIp}`,
        ];

export const registerAudit = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  const audit = program
    .command('audit')
    .description("The audit archive: every audit entry and rejection count, kept past the events' retention");
  audit
    .command('query')
    .description(
      'Read the archive by event id, by correlation id, or everything since a time (Athena on a deployed stack; the archive objects with --local or --objects)',
    )
    .option('--event <id>', "an event's whole timeline, also after the event itself has expired")
    .option('--correlation <id>', 'every entry a request (or replay) made, across its events')
    .option(
      '--since <time>',
      'only entries from this ISO 8601 time or duration back (7d); alone, everything since then',
    )
    .option(
      '--objects',
      'read the archive objects directly instead of through Athena (slow on a large archive)',
      false,
    )
    .addHelpText(
      'after',
      '\nRows reach the archive within five minutes of the change (Firehose buffering; at once with --local).',
    )
    .action(async (options: QueryOptions) => {
      const query = queryOf(options, deps.now());
      const env = await deps.connect(globals());
      const reader =
        env.local || options.objects
          ? new ObjectArchiveReader(env.s3, env.output('AuditBucketName'))
          : new AthenaArchiveReader(env.athena, {
              database: env.output('AuditDatabaseName'),
              workGroup: env.output('AuditWorkGroupName'),
              sleep: (ms) => deps.sleep(ms),
            });
      const rows = await reader.query(query);
      if (globals().json) {
        deps.output.out(json(rows));
        return;
      }
      if (rows.length === 0) {
        deps.output.out(
          `The archive holds nothing for ${describe(query)}. Rows arrive within five minutes of the change; an event id or correlation id is shown by relayflow events show.`,
        );
        return;
      }
      deps.output.out(
        [
          `Audit archive: ${rows.length} entr${rows.length === 1 ? 'y' : 'ies'} for ${describe(query)}, oldest first`,
          table(['AT', 'TENANT', 'EVENT', 'BY', 'ACTION', 'STATUS', 'DETAIL'], rows.map(rowCells)),
        ].join('\n'),
      );
    });
};
