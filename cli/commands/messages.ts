import type { Command } from 'commander';
import { CHANNELS, type Channel, type MessageStatus } from '../../functions/channels/contract';
import { MessageStore, type MessageRecord } from '../../functions/channels/message-store';
import { CliError } from '../environment';
import { collect, json, parseTime, positiveInt, table } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';

/** Every status, in the order a message lives them: the report's columns. */
const STATUSES = Object.keys({
  SENDING: 0,
  SENT: 0,
  UNCERTAIN: 0,
  DELIVERED: 0,
  OPENED: 0,
  BOUNCED: 0,
  FAILED: 0,
  RECEIPT_MISSING: 0,
} satisfies Record<MessageStatus, 0>) as MessageStatus[];

const DEFAULT_LIST_SINCE = '7d';
const DEFAULT_REPORT_SINCE = '24h';
/**
 * Most messages one command reads. The store lists a tenant's messages by time only, so a
 * filtered listing or a report reads every message of the window: bounded, and said when reached.
 */
const MAX_READ = 10_000;

const HIDDEN = '***';

/**
 * The recipient as an operator may see it: enough to tell messages apart, not enough to be
 * personal data in a terminal or a ticket.
 */
const maskRecipient = (channel: Channel, to: string): string => {
  switch (channel) {
    case 'email': {
      const at = to.lastIndexOf('@');
      return at > 0 ? `${to[0]}${HIDDEN}${to.slice(at)}` : HIDDEN;
    }
    case 'sms':
    case 'whatsapp': {
      const digits = to.replace(/\D/g, '');
      return digits.length > 4 ? `${HIDDEN}${digits.slice(-4)}` : HIDDEN;
    }
    case 'push':
      return to.length > 6 ? `${to.slice(0, 6)}${HIDDEN}` : HIDDEN;
    case 'webhook':
      // A partner URL's path and query may carry a token: its origin names the partner.
      return URL.canParse(to) ? `${new URL(to).origin}/${HIDDEN}` : HIDDEN;
  }
};

/** The record as printed: `to` masked there and wherever a provider's reason quoted it. */
export const masked = (record: MessageRecord): MessageRecord => {
  const to = maskRecipient(record.channel, record.to);
  const hide = (text: string | undefined) => text?.split(record.to).join(to);
  return {
    ...record,
    to,
    ...(record.lastError === undefined ? {} : { lastError: hide(record.lastError) }),
    timeline: record.timeline.map((entry) =>
      entry.detail === undefined ? entry : { ...entry, detail: hide(entry.detail) },
    ),
  };
};

const parseStatuses = (values: readonly string[] | undefined): MessageStatus[] | undefined => {
  if (!values) return undefined;
  const statuses = values.map((s) => s.toUpperCase());
  const unknown = statuses.filter((s) => !(STATUSES as string[]).includes(s));
  if (unknown.length > 0)
    throw new CliError(`--status must be one of ${STATUSES.join(', ')}, not ${unknown.join(', ')}.`);
  return statuses as MessageStatus[];
};

const parseChannel = (value: string | undefined): Channel | undefined => {
  if (value === undefined) return undefined;
  if (!(CHANNELS as readonly string[]).includes(value))
    throw new CliError(`--channel must be one of ${CHANNELS.join(', ')}, not ${value}.`);
  return value as Channel;
};

/** When the provider took it: `sentAt`, or the SENT entry of a record written without it. */
const sentAtOf = (record: MessageRecord): string | undefined =>
  record.sentAt ?? record.timeline.find((e) => e.status === 'SENT')?.at;

/** Send → delivered, from the first receipt that made the message DELIVERED; undefined when none did. */
const deliveryLatencyMs = (record: MessageRecord): number | undefined => {
  const sent = sentAtOf(record);
  const delivered = record.timeline.find((e) => e.action === 'receipt' && e.status === 'DELIVERED')?.at;
  if (!sent || !delivered) return undefined;
  const ms = Date.parse(delivered) - Date.parse(sent);
  return ms >= 0 ? ms : undefined;
};

/** Nearest-rank percentile: always a latency one message had, never an interpolation. */
const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

const duration = (ms: number | undefined): string => {
  if (ms === undefined) return '';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
  return `${Math.floor(ms / 3_600_000)}h ${Math.round((ms % 3_600_000) / 60_000)}m`;
};

interface ReportRow {
  readonly channel: string;
  readonly via: string;
  readonly messages: number;
  readonly statuses: Record<MessageStatus, number>;
  /** Null when no message of the row has both its send and a delivery in its timeline. */
  readonly latencyMs: { readonly measured: number; p50: number; p95: number; p99: number } | null;
}

const reportRow = (channel: string, via: string, records: readonly MessageRecord[]): ReportRow => {
  const statuses = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>;
  for (const record of records) statuses[record.status] += 1;
  const latencies = records
    .map(deliveryLatencyMs)
    .filter((ms): ms is number => ms !== undefined)
    .sort((a, b) => a - b);
  return {
    channel,
    via,
    messages: records.length,
    statuses,
    latencyMs:
      latencies.length === 0
        ? null
        : {
            measured: latencies.length,
            p50: percentile(latencies, 50),
            p95: percentile(latencies, 95),
            p99: percentile(latencies, 99),
          },
  };
};

const report = (records: readonly MessageRecord[]) => {
  const groups = new Map<string, MessageRecord[]>();
  for (const record of records) {
    const key = `${record.channel}\u0000${record.via}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const rows = [...groups.entries()]
    .map(([key, members]) => {
      const [channel = '', via = ''] = key.split('\u0000');
      return reportRow(channel, via, members);
    })
    .sort((a, b) => a.channel.localeCompare(b.channel) || a.via.localeCompare(b.via));
  return { rows, total: reportRow('all', 'all', records) };
};

const reportText = (
  tenant: string,
  since: string,
  { rows, total }: ReturnType<typeof report>,
  capped: boolean,
): string => {
  // Only the statuses some message is in: eight mostly empty columns hide the ones that matter.
  const seen = STATUSES.filter((s) => total.statuses[s] > 0);
  const measured = [...rows, ...(rows.length > 1 ? [total] : [])];
  return [
    `Delivery report for tenant ${tenant}: ${total.messages} messages created since ${since}${capped ? ` (the newest ${MAX_READ} only: narrow --since for a complete report)` : ''}`,
    '',
    table(
      ['CHANNEL', 'VIA', 'MESSAGES', ...seen],
      measured.map((r) => [r.channel, r.via, r.messages, ...seen.map((s) => r.statuses[s])]),
    ),
    '',
    'Send → delivered latency (from the sent entry to the first receipt that made it DELIVERED):',
    table(
      ['CHANNEL', 'VIA', 'MEASURED', 'P50', 'P95', 'P99'],
      measured.map((r) => [
        r.channel,
        r.via,
        r.latencyMs?.measured ?? 0,
        duration(r.latencyMs?.p50),
        duration(r.latencyMs?.p95),
        duration(r.latencyMs?.p99),
      ]),
    ),
  ].join('\n');
};

const listing = (records: readonly MessageRecord[]): string =>
  table(
    ['MESSAGE', 'CHANNEL', 'VIA', 'TO', 'STATUS', 'SINCE', 'LAST ERROR'],
    records.map((r) => [
      r.messageId,
      r.channel,
      r.via,
      r.to,
      r.status,
      r.statusAt,
      r.lastError?.slice(0, 80),
    ]),
  );

const shownText = (record: MessageRecord): string =>
  [
    `Message ${record.messageId}  ${record.status} since ${record.statusAt}`,
    ...(record.status === 'UNCERTAIN'
      ? [
          'The provider may or may not have taken it, and cannot be asked: an operator decides (docs/operations.md#messageuncertain).',
        ]
      : []),
    table(
      ['FIELD', 'VALUE'],
      [
        ['tenant', record.tenant],
        ['channel', record.channel],
        ['via', record.via],
        ['to', record.to],
        ['provider message id', record.providerMessageId],
        ['created', record.createdAt],
        ['sent', record.sentAt],
        ['caused by event', `${record.causationEventId} (relayflow events show ${record.causationEventId})`],
        ['correlation id', record.correlationId],
        ['last error', record.lastError],
      ].filter(([, value]) => value !== undefined),
    ),
    '',
    'Timeline (oldest first):',
    table(
      ['AT', 'ACTION', 'STATUS', 'DETAIL'],
      [...record.timeline]
        .sort((a, b) => a.at.localeCompare(b.at))
        .map((e) => [e.at, e.action, e.status, e.detail]),
    ),
  ].join('\n');

interface ListOptions {
  tenant: string;
  since?: string;
  status?: string[];
  channel?: string;
  limit: number;
}

export const registerMessages = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  const messages = program
    .command('messages')
    .description('Outbound messages (email, sms, whatsapp, push, webhook): their fate and delivery report');
  const storeOf = async () => {
    const env = await deps.connect(globals());
    return new MessageStore(env.dynamodb, { tableName: env.output('EventTableName'), retentionDays: 1 });
  };

  messages
    .command('list')
    .description("A tenant's messages, newest first, with their status and last error")
    .requiredOption('--tenant <id>', 'the tenant whose messages to list')
    .option(
      '--since <time>',
      `created at or after: ISO 8601 or a duration back from now (2h, 7d); default ${DEFAULT_LIST_SINCE}`,
    )
    .option('--status <status>', `${STATUSES.join(' | ')} (repeat or comma-separate)`, collect)
    .option('--channel <channel>', `only this channel: ${CHANNELS.join(' | ')}`)
    .option('--limit <n>', 'most messages to show', positiveInt('--limit', MAX_READ), 50)
    .action(async (options: ListOptions) => {
      const statuses = parseStatuses(options.status);
      const channel = parseChannel(options.channel);
      const since = parseTime(options.since ?? DEFAULT_LIST_SINCE, deps.now(), '--since');
      const store = await storeOf();
      const filtered = statuses !== undefined || channel !== undefined;
      const read = await store.list(options.tenant, since, filtered ? MAX_READ : options.limit);
      const found = read
        .filter((r) => (!statuses || statuses.includes(r.status)) && (!channel || r.channel === channel))
        .slice(0, options.limit)
        .map(masked);
      if (filtered && read.length === MAX_READ && found.length < options.limit)
        deps.output.err(
          `Only the newest ${MAX_READ} messages since ${since} were read; narrow --since to reach older ones.`,
        );
      if (globals().json) {
        deps.output.out(json(found));
        return;
      }
      if (found.length === 0) {
        const conditions = [
          ...(statuses ? [`status ${statuses.join(' or ')}`] : []),
          ...(channel ? [`channel ${channel}`] : []),
        ];
        deps.output.out(
          `No messages for tenant ${options.tenant}${conditions.length ? ` with ${conditions.join(' and ')}` : ''} created since ${since}.`,
        );
        return;
      }
      deps.output.out(listing(found));
    });

  messages
    .command('show <messageId>')
    .description(
      'A message, its whole timeline (sending, sent, receipts, uncertain…), the event that caused it and its correlation id',
    )
    .action(async (messageId: string) => {
      const record = await (await storeOf()).get(messageId);
      if (!record)
        throw new CliError(
          `No message has the id ${messageId}; messages are kept retentionDays days, and relayflow messages list --tenant <id> lists recent ones.`,
        );
      const shown = masked(record);
      deps.output.out(globals().json ? json(shown) : shownText(shown));
    });

  messages
    .command('report')
    .description(
      "A tenant's delivery report: messages by status, and send → delivered latency p50/p95/p99, per channel and adapter",
    )
    .requiredOption('--tenant <id>', 'the tenant to report on')
    .option(
      '--since <time>',
      `created at or after: ISO 8601 or a duration back from now (2h, 7d); default ${DEFAULT_REPORT_SINCE}`,
    )
    .action(async (options: { tenant: string; since?: string }) => {
      const since = parseTime(options.since ?? DEFAULT_REPORT_SINCE, deps.now(), '--since');
      const records = await (await storeOf()).list(options.tenant, since, MAX_READ);
      const capped = records.length === MAX_READ;
      const result = report(records);
      if (globals().json) {
        deps.output.out(json({ tenant: options.tenant, since, capped, ...result }));
        return;
      }
      deps.output.out(
        records.length === 0
          ? `No messages for tenant ${options.tenant} created since ${since}.`
          : reportText(options.tenant, since, result, capped),
      );
    });
};
