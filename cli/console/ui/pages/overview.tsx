import {
  WINDOWS,
  type OverviewAnswer,
  type QueueHealth,
  type SessionAnswer,
  type Window,
} from '../../contract';
import { query } from '../api';
import { Chart } from '../chart';
import { Empty, Failure, formatPercent, Loading, oldestOf, Page, Status, Time } from '../components';
import { PauseTable } from './controls';
import { Link, navigate, type Location } from '../router';
import { useApi } from '../use-api';

const SLICES = ['tenant', 'provider', 'channel', 'target'] as const;
type Slice = (typeof SLICES)[number];
const LISTS: Record<Slice, 'tenants' | 'providers' | 'channels' | 'targets'> = {
  tenant: 'tenants',
  provider: 'providers',
  channel: 'channels',
  target: 'targets',
};
const POLL_MS = 10_000;

/**
 * The server also says what it could not slice or read (`notes`: a metric without a tenant
 * dimension, a queue it could not reach); beyond the contract, so optional here.
 */
type Overview = OverviewAnswer & { readonly notes?: readonly string[] };

const isWindow = (value: string | null): value is Window => WINDOWS.some((w) => w === value);

/** The slice the URL names (`?tenant=acme`), if any: one at a time. */
const sliceOf = (params: URLSearchParams): { kind: Slice; id: string } | undefined => {
  for (const kind of SLICES) {
    const id = params.get(kind);
    if (id) return { kind, id };
  }
  return undefined;
};

const health = (t: OverviewAnswer['targets'][number]) => {
  if (t.disabled) return 'PAUSED';
  if (t.failed > 0 && t.delivered === 0) return 'FAILING';
  if (t.failed > 0) return 'DEGRADED';
  return 'HEALTHY';
};

const QueueRow = ({ name, queue, href }: { name: string; queue: QueueHealth; href?: string }) => (
  <tr>
    <th scope="row">{href ? <Link href={href}>{name}</Link> : name}</th>
    <td>{queue.visible}</td>
    <td>{queue.inFlight}</td>
    <td>{oldestOf(queue)}</td>
  </tr>
);

const Figures = ({ data }: { data: Overview }) => (
  <>
    {data.notes && data.notes.length > 0 && (
      <ul class="notes">
        {data.notes.map((note) => (
          <li key={note}>{note}</li>
        ))}
      </ul>
    )}
    <dl class="cards">
      <div>
        <dt>Received</dt>
        <dd data-figure="received">{data.totals.received}</dd>
      </div>
      <div>
        <dt>Processed</dt>
        <dd data-figure="processed">{data.totals.processed}</dd>
      </div>
      <div>
        <dt>Failed</dt>
        <dd data-figure="failed">{data.totals.failed}</dd>
      </div>
      <div>
        <dt>Retry rate</dt>
        <dd data-figure="retry-rate">{formatPercent(data.retryRate)}</dd>
      </div>
    </dl>
    <div class="charts">
      <Chart
        title="Throughput"
        unit={`in ${data.window}, per ${data.bucketSeconds}-second bucket`}
        series={[
          { label: 'Received', color: '#0b5cad', points: data.series.received },
          { label: 'Processed', color: '#1a7f37', points: data.series.processed },
          { label: 'Failed', color: '#c9182b', points: data.series.failed },
        ]}
      />
      <Chart
        title="Retries"
        unit={`in ${data.window}, per ${data.bucketSeconds}-second bucket`}
        series={[{ label: 'Retried', color: '#8a5a00', points: data.series.retried }]}
      />
    </div>

    <h2>Queues</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Queue</th>
          <th scope="col">Visible</th>
          <th scope="col">In flight</th>
          <th scope="col">Oldest message</th>
        </tr>
      </thead>
      <tbody>
        <QueueRow name="Main queue" queue={data.queues.main} />
        <QueueRow name="Dead-letter queue" queue={data.queues.deadLetter} href="/dead-letters" />
      </tbody>
    </table>

    <h2>Recent replays</h2>
    {data.replays.length === 0 ? (
      <Empty>No replay started in this window.</Empty>
    ) : (
      <table>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Status</th>
            <th scope="col">Replayed</th>
            <th scope="col">Skipped</th>
            <th scope="col">Failed</th>
            <th scope="col">Execution</th>
          </tr>
        </thead>
        <tbody>
          {data.replays.map((r) => (
            <tr key={r.executionId}>
              <td>
                <Time iso={r.startedAt} />
              </td>
              <td>
                <Status status={r.status} />
              </td>
              <td>{r.summary?.replayed ?? '—'}</td>
              <td>{r.summary?.skipped ?? '—'}</td>
              <td>{r.summary?.failed ?? '—'}</td>
              <td>
                <Link href={`/dead-letters${query({ run: r.executionId })}`}>
                  <code>{r.executionId.split(':').pop()}</code>
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}

    <h2>Targets</h2>
    {data.targets.length === 0 ? (
      <Empty>No target delivered anything in this window.</Empty>
    ) : (
      <table>
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Health</th>
            <th scope="col">Delivered</th>
            <th scope="col">Failed</th>
          </tr>
        </thead>
        <tbody>
          {data.targets.map((t) => (
            <tr key={t.target}>
              <th scope="row">{t.target}</th>
              <td>
                <Status status={health(t)} />
              </td>
              <td>{t.delivered}</td>
              <td>{t.failed}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}

    <h2>Channels</h2>
    {data.channels.length === 0 ? (
      <Empty>No message was sent in this window.</Empty>
    ) : (
      <table>
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col">Through</th>
            <th scope="col">Messages by status</th>
          </tr>
        </thead>
        <tbody>
          {data.channels.map((c) => (
            <tr key={`${c.channel}:${c.via}`}>
              <th scope="row">{c.channel}</th>
              <td>{c.via}</td>
              <td>
                {Object.entries(c.counts)
                  .map(([status, n]) => `${status} ${n}`)
                  .join(', ') || 'none'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}

    <h2>Active pauses</h2>
    {data.pauses.length === 0 ? <Empty>Nothing is paused.</Empty> : <PauseTable pauses={data.pauses} />}
  </>
);

export const Overview = ({ session, location }: { session: SessionAnswer; location: Location }) => {
  const requested = location.params.get('window');
  const window: Window = isWindow(requested) ? requested : '1h';
  const slice = sliceOf(location.params);
  const overview = useApi<Overview>(
    `/api/overview${query({ window, ...(slice ? { [slice.kind]: slice.id } : {}) })}`,
    POLL_MS,
  );

  const show = (next: { window?: Window; slice?: string }) => {
    const [kind, ...rest] = (next.slice ?? (slice ? `${slice.kind}:${slice.id}` : '')).split(':');
    navigate(`/${query({ window: next.window ?? window, ...(kind ? { [kind]: rest.join(':') } : {}) })}`, {
      replace: true,
    });
  };

  return (
    <Page title="Overview">
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Window
          <select value={window} onChange={(event) => show({ window: event.currentTarget.value as Window })}>
            {WINDOWS.map((w) => (
              <option key={w} value={w}>
                last {w}
              </option>
            ))}
          </select>
        </label>
        <label>
          Show
          <select
            value={slice ? `${slice.kind}:${slice.id}` : ''}
            onChange={(event) => show({ slice: event.currentTarget.value })}
          >
            <option value="">the whole stack</option>
            {SLICES.map((kind) =>
              session[LISTS[kind]].length === 0 ? null : (
                <optgroup key={kind} label={`${kind[0]?.toUpperCase()}${kind.slice(1)}s`}>
                  {session[LISTS[kind]].map((id) => (
                    <option key={id} value={`${kind}:${id}`}>
                      {kind} {id}
                    </option>
                  ))}
                </optgroup>
              ),
            )}
          </select>
        </label>
        <p class="note">
          {overview.state === 'loading' && overview.data
            ? 'Refreshing…'
            : `Refreshes every ${POLL_MS / 1000} s.`}
        </p>
      </form>
      {overview.state === 'error' && <Failure error={overview.error} retry={overview.reload} />}
      {overview.data ? (
        <Figures data={overview.data} />
      ) : (
        overview.state === 'loading' && <Loading what="the overview" />
      )}
    </Page>
  );
};
