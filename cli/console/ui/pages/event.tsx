import type { EventDetailAnswer } from '../../contract';
import { Failure, Loading, Page, Status, Time } from '../components';
import { Link } from '../router';
import { useApi } from '../use-api';

/** A JSON body shown indented when it parses, as received otherwise. */
const pretty = (body: string) => {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
};

const Summary = ({ event }: { event: EventDetailAnswer['event'] }) => (
  <dl class="facts">
    <dt>Status</dt>
    <dd>
      <Status status={event.status} /> since <Time iso={event.statusAt} />
      {event.heldBy && <> (held by {event.heldBy})</>}
    </dd>
    <dt>Type</dt>
    <dd>
      {event.type} <span class="hint">({event.providerType})</span>
    </dd>
    <dt>Provider</dt>
    <dd>{event.provider}</dd>
    <dt>Tenant</dt>
    <dd>{event.tenant}</dd>
    <dt>Entity</dt>
    <dd>{event.entity}</dd>
    <dt>Received</dt>
    <dd>
      <Time iso={event.receivedAt} />
      {event.occurredAt && (
        <>
          {' '}
          (occurred <Time iso={event.occurredAt} />)
        </>
      )}
    </dd>
    <dt>Correlation id</dt>
    <dd>
      <Link href={`/events?correlationId=${encodeURIComponent(event.correlationId)}`}>
        <code>{event.correlationId}</code>
      </Link>
    </dd>
    <dt>Provider’s id</dt>
    <dd>
      <code>{event.externalId}</code>
    </dd>
    <dt>Attempts</dt>
    <dd>{event.attempts}</dd>
    {event.lastError && (
      <>
        <dt>Last error</dt>
        <dd class="error-text">{event.lastError}</dd>
      </>
    )}
  </dl>
);

const Timeline = ({ entries }: { entries: EventDetailAnswer['timeline'] }) => (
  <ol class="timeline">
    {entries.map((entry, i) => (
      <li key={i} class={`entry entry-${entry.action}`}>
        <Time iso={entry.at} /> <strong>{entry.action}</strong> <span class="hint">by {entry.by}</span>
        {entry.status && (
          <>
            {' '}
            → <Status status={entry.status} />
          </>
        )}
        {entry.detail && <div class="detail">{entry.detail}</div>}
      </li>
    ))}
  </ol>
);

const Raw = ({ raw }: { raw: EventDetailAnswer['raw'] }) => {
  if (!raw) return <p class="empty">The raw request is no longer stored.</p>;
  return (
    <>
      <table class="headers">
        <caption>Headers</caption>
        <tbody>
          {Object.entries(raw.headers).map(([name, value]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>
                <code>{value}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <pre class="code" tabIndex={0} aria-label="Raw request body">
        {pretty(raw.body)}
      </pre>
      {raw.truncated && <p class="note">The body is cut short here; the store keeps it whole.</p>}
    </>
  );
};

const Messages = ({ messages }: { messages: EventDetailAnswer['messages'] }) =>
  messages.length === 0 ? (
    <p class="empty">This event caused no message.</p>
  ) : (
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Message</th>
            <th scope="col">Channel</th>
            <th scope="col">Through</th>
            <th scope="col">To</th>
            <th scope="col">Status</th>
            <th scope="col">Since</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {messages.map((m) => (
            <tr key={m.messageId}>
              <th scope="row">
                <code>{m.messageId}</code>
              </th>
              <td>{m.channel}</td>
              <td>{m.via}</td>
              <td>{m.to}</td>
              <td>
                <Status status={m.status} />
              </td>
              <td>
                <Time iso={m.statusAt} />
              </td>
              <td class="error-text">{m.lastError ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );

export const EventPage = ({ id }: { id: string }) => {
  const detail = useApi<EventDetailAnswer>(`/api/events/${encodeURIComponent(id)}`);
  if (detail.state === 'loading') {
    return (
      <Page title={`Event ${id}`}>
        <Loading what="the event" />
      </Page>
    );
  }
  if (detail.state === 'error') {
    return (
      <Page title={detail.error.status === 404 ? 'No such event' : `Event ${id}`}>
        <Failure error={detail.error} retry={detail.error.status === 404 ? undefined : detail.reload} />
        <p>
          <Link href={`/events?id=${encodeURIComponent(id)}`}>Search for {id}</Link>
        </p>
      </Page>
    );
  }
  const { event, timeline, raw, normalized, quarantineReason, messages } = detail.data;
  return (
    <Page
      title={`Event ${event.eventId}`}
      actions={
        <button type="button" onClick={detail.reload}>
          Refresh
        </button>
      }
    >
      <Summary event={event} />
      {quarantineReason && (
        <p class="alert">
          Quarantined: <span class="error-text">{quarantineReason}</span>
        </p>
      )}
      <h2>Timeline</h2>
      <Timeline entries={timeline} />
      <div class="columns">
        <section aria-labelledby="raw-heading">
          <h2 id="raw-heading">Raw request (redacted)</h2>
          <Raw raw={raw} />
        </section>
        <section aria-labelledby="normalized-heading">
          <h2 id="normalized-heading">Normalized event (redacted)</h2>
          {normalized ? (
            <pre class="code" tabIndex={0} aria-label="Normalized event">
              {JSON.stringify(normalized, null, 2)}
            </pre>
          ) : (
            <p class="empty">No normalized event was stored (the request was quarantined before).</p>
          )}
        </section>
      </div>
      <h2>Messages</h2>
      <Messages messages={messages} />
    </Page>
  );
};
