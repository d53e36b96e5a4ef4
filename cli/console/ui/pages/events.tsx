import type { EventsAnswer, SessionAnswer } from '../../contract';
import { query } from '../api';
import { Empty, Failure, Loading, Page, Status, Time } from '../components';
import { Link, navigate, type Location } from '../router';
import { useApi } from '../use-api';

/** Statuses an operator searches for (the store indexes these; see EventStatus). */
const STATUSES = [
  'RECEIVED',
  'QUEUED',
  'PROCESSING',
  'RETRYING',
  'PROCESSED',
  'DEAD_LETTERED',
  'QUARANTINED',
  'HELD',
  'STALE',
  'COMPENSATED',
  'COMPENSATION_FAILED',
] as const;

const TEXT_FIELDS = [
  { name: 'id', label: 'Event id', hint: 'ours or the provider’s' },
  { name: 'correlationId', label: 'Correlation id' },
  { name: 'entity', label: 'Entity', hint: 'kind:id, e.g. customer:cus_123' },
  { name: 'type', label: 'Type', hint: 'e.g. payment.succeeded' },
] as const;

/** Every search parameter the API takes, as the URL carries it (so a search can be pasted). */
const SEARCH_PARAMS = [
  'id',
  'correlationId',
  'entity',
  'type',
  'provider',
  'tenant',
  'status',
  'since',
  'until',
  'field',
  'value',
] as const;

/** `datetime-local` gives local time without a zone; the API takes ISO 8601 instants. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : '');
const toLocal = (iso: string | null) => {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

const SearchForm = ({ session, params }: { session: SessionAnswer; params: URLSearchParams }) => {
  const statuses = new Set((params.get('status') ?? '').split(',').filter(Boolean));
  return (
    <form
      class="search"
      role="search"
      aria-label="Search events"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const text = (name: string) => {
          const value = form.get(name);
          return typeof value === 'string' ? value.trim() : '';
        };
        navigate(
          `/events${query({
            ...Object.fromEntries(TEXT_FIELDS.map((f) => [f.name, text(f.name)])),
            provider: text('provider'),
            tenant: text('tenant'),
            status: form
              .getAll('status')
              .filter((s) => typeof s === 'string')
              .join(','),
            since: toIso(text('since')),
            until: toIso(text('until')),
            field: text('field'),
            value: text('value'),
          })}`,
        );
      }}
    >
      <div class="fields">
        {TEXT_FIELDS.map((f) => (
          <label key={f.name}>
            {f.label}
            {'hint' in f && <span class="hint"> ({f.hint})</span>}
            <input name={f.name} type="text" defaultValue={params.get(f.name) ?? ''} autoComplete="off" />
          </label>
        ))}
        <label>
          Provider
          <select name="provider" defaultValue={params.get('provider') ?? ''}>
            <option value="">any</option>
            {session.providers.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          Tenant
          <select name="tenant" defaultValue={params.get('tenant') ?? ''}>
            <option value="">any</option>
            {session.tenants.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Received from
          <input name="since" type="datetime-local" defaultValue={toLocal(params.get('since'))} />
        </label>
        <label>
          Received before
          <input name="until" type="datetime-local" defaultValue={toLocal(params.get('until'))} />
        </label>
        <label>
          Payload field
          <span class="hint"> (e.g. data.object.amount)</span>
          <input name="field" type="text" defaultValue={params.get('field') ?? ''} autoComplete="off" />
        </label>
        <label>
          Field value
          <input name="value" type="text" defaultValue={params.get('value') ?? ''} autoComplete="off" />
        </label>
      </div>
      <fieldset class="statuses">
        <legend>Status (any when none is ticked)</legend>
        {STATUSES.map((s) => (
          <label key={s} class="check">
            <input type="checkbox" name="status" value={s} defaultChecked={statuses.has(s)} />
            {s}
          </label>
        ))}
      </fieldset>
      <div class="actions">
        <button type="submit" class="primary">
          Search
        </button>
        <Link href="/events" class="button">
          Clear
        </Link>
      </div>
    </form>
  );
};

const Results = ({ data, params }: { data: EventsAnswer; params: URLSearchParams }) => {
  if (data.items.length === 0)
    return (
      <Empty>
        No event matches{params.get('cursor') ? ' on this page' : ''}. {data.scanned} index entries were read.
      </Empty>
    );
  const next = new URLSearchParams(params);
  if (data.next) next.set('cursor', data.next);
  const first = new URLSearchParams(params);
  first.delete('cursor');
  return (
    <>
      <div class="table-scroll">
        <table class="results">
          <caption>
            {data.items.length} events, newest first ({data.scanned} index entries read)
          </caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Received</th>
              <th scope="col">Status</th>
              <th scope="col">Provider</th>
              <th scope="col">Type</th>
              <th scope="col">Entity</th>
              <th scope="col">Tenant</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((e) => (
              <tr key={e.eventId}>
                <th scope="row">
                  <Link href={`/events/${encodeURIComponent(e.eventId)}`}>
                    <code>{e.eventId}</code>
                  </Link>
                </th>
                <td>
                  <Time iso={e.receivedAt} />
                </td>
                <td>
                  <Status status={e.status} />
                </td>
                <td>{e.provider}</td>
                <td>{e.type}</td>
                <td>{e.entity}</td>
                <td>{e.tenant}</td>
                <td>{e.attempts}</td>
                <td class="error-text">{e.lastError ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Result pages">
        {params.get('cursor') && <Link href={`/events?${first.toString()}`}>First page</Link>}
        {data.next && <Link href={`/events?${next.toString()}`}>Next page</Link>}
      </nav>
    </>
  );
};

export const Events = ({ session, location }: { session: SessionAnswer; location: Location }) => {
  const { params } = location;
  const api = new URLSearchParams();
  for (const name of [...SEARCH_PARAMS, 'cursor']) {
    const value = params.get(name);
    if (value) api.set(name, value);
  }
  const events = useApi<EventsAnswer>(`/api/events?${api.toString()}`);
  return (
    <Page title="Events">
      {/* Keyed by the search so that Clear and Back reset the form's fields. */}
      <SearchForm key={params.toString()} session={session} params={params} />
      {events.state === 'loading' && <Loading what="events" />}
      {events.state === 'error' && <Failure error={events.error} retry={events.reload} />}
      {events.state === 'ok' && <Results data={events.data} params={params} />}
    </Page>
  );
};
