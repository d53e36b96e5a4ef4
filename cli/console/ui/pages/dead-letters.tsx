import { useEffect, useRef, useState } from 'preact/hooks';
import type {
  DeadLetterGroup,
  DeadLettersAnswer,
  PlanAnswer,
  ReplayRun,
  ReplaySelection,
  ReplayStarted,
} from '../../contract';
import { ApiFailure, postJson, query } from '../api';
import { Empty, Failure, Loading, oldestOf, Page, Status, Time } from '../components';
import { Link, navigate, type Location } from '../router';
import { useApi } from '../use-api';

const PROGRESS_POLL_MS = 1_000;

type Options = { readonly force: boolean; readonly renormalize: boolean };

/** Force and renormalize change what a replay does to events that are already settled: each needs a yes. */
const risky = (options: Options) => options.force || options.renormalize;

const selectionOf = (eventIds: readonly string[], options: Options): ReplaySelection => ({
  eventIds,
  limit: eventIds.length,
  ...(options.force ? { force: true } : {}),
  ...(options.renormalize ? { renormalize: true } : {}),
});

const GroupRow = ({
  group,
  selected,
  toggle,
}: {
  group: DeadLetterGroup;
  selected: ReadonlySet<string>;
  toggle: (ids: readonly string[], on: boolean) => void;
}) => {
  const chosen = group.eventIds.filter((id) => selected.has(id)).length;
  const name = `${group.errorClass} · ${group.provider} · ${group.entity}`;
  return (
    <li class="group">
      <label class="check group-check">
        <input
          type="checkbox"
          checked={chosen === group.eventIds.length && chosen > 0}
          indeterminate={chosen > 0 && chosen < group.eventIds.length}
          onChange={(event) => toggle(group.eventIds, event.currentTarget.checked)}
        />
        <span>
          <strong>{group.errorClass}</strong> · {group.provider} · {group.entity}
        </span>
      </label>
      <span class="count">
        {group.count} event{group.count === 1 ? '' : 's'}, latest <Time iso={group.latest} />
      </span>
      <p class="error-text">{group.example}</p>
      <details>
        <summary>Events of {name}</summary>
        <ul class="event-list">
          {group.eventIds.map((id) => (
            <li key={id}>
              <label class="check">
                <input
                  type="checkbox"
                  checked={selected.has(id)}
                  onChange={(event) => toggle([id], event.currentTarget.checked)}
                />
                <code>{id}</code>
              </label>{' '}
              <Link href={`/events/${encodeURIComponent(id)}`} aria-label={`Timeline of ${id}`}>
                timeline
              </Link>
            </li>
          ))}
        </ul>
      </details>
    </li>
  );
};

const PlanView = ({ plan }: { plan: PlanAnswer['plan'] }) => (
  <section aria-labelledby="plan-heading" class="panel">
    <h2 id="plan-heading">Plan</h2>
    <dl class="cards">
      <div>
        <dt>Would replay</dt>
        <dd data-figure="selected">{plan.selected}</dd>
      </div>
      <div>
        <dt>Matching</dt>
        <dd>
          {plan.matching}
          {plan.truncated ? '+' : ''}
        </dd>
      </div>
      <div>
        <dt>Read from the {plan.source === 'dlq' ? 'DLQ' : 'store'}</dt>
        <dd>{plan.scanned}</dd>
      </div>
      <div>
        <dt>Unknown messages</dt>
        <dd>{plan.unknownMessages}</dd>
      </div>
    </dl>
    <p class="note">
      In batches of {plan.batchSize}, {plan.waitSeconds} s apart.
      {plan.truncated && ' Counting stopped at the scan cap: there may be more matching events.'}
    </p>
    {plan.sample.length > 0 && (
      <div class="table-scroll">
        <table>
          <caption>Sample of the events it would replay</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Provider</th>
              <th scope="col">Type</th>
              <th scope="col">Entity</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {plan.sample.map((e) => (
              <tr key={e.eventId}>
                <th scope="row">
                  <Link href={`/events/${encodeURIComponent(e.eventId)}`}>
                    <code>{e.eventId}</code>
                  </Link>
                </th>
                <td>
                  <Status status={e.status} />
                </td>
                <td>{e.provider}</td>
                <td>{e.type}</td>
                <td>{e.entity}</td>
                <td class="error-text">{e.lastError ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
  </section>
);

/** A replay's progress while its execution runs, then the outcome per event. */
const RunView = ({ executionId }: { executionId: string }) => {
  const [running, setRunning] = useState(true);
  const run = useApi<ReplayRun>(
    `/api/replay/${encodeURIComponent(executionId)}`,
    running ? PROGRESS_POLL_MS : undefined,
  );
  const finished = run.state === 'ok' && run.data.status !== 'RUNNING';
  useEffect(() => {
    if (finished) setRunning(false);
  }, [finished]);
  const data = run.data;
  const handled = data?.summary?.handled ?? 0;
  const total = data?.plan?.selected;
  return (
    <section aria-labelledby="run-heading" class="panel">
      <h2 id="run-heading">Replay {executionId.split(':').pop()}</h2>
      {run.state === 'error' && <Failure error={run.error} retry={run.reload} />}
      {!data && run.state === 'loading' && <Loading what="the replay" />}
      {data && (
        <>
          <p role="status">
            <Status status={data.status} /> started <Time iso={data.startedAt} />
            {data.stoppedAt && (
              <>
                , stopped <Time iso={data.stoppedAt} />
              </>
            )}
            . {handled} of {total ?? '?'} handled
            {data.summary &&
              `: ${data.summary.replayed} replayed, ${data.summary.skipped} skipped, ${data.summary.failed} failed`}
            .
          </p>
          <progress
            max={total ?? 1}
            value={data.status === 'RUNNING' ? handled : (total ?? 1)}
            aria-label="Replay progress"
          />
          {data.summary?.stoppedEarly && <p class="note">Stopped early: {data.summary.stoppedEarly}</p>}
          {data.summary && data.summary.failures.length > 0 && (
            <ul class="error-text">
              {data.summary.failures.map((f) => (
                <li key={f.eventId}>
                  <code>{f.eventId}</code>: {f.error}
                </li>
              ))}
            </ul>
          )}
          {data.outcomes && data.outcomes.length > 0 && (
            <table class="outcomes">
              <caption>Outcome per event</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status now</th>
                </tr>
              </thead>
              <tbody>
                {data.outcomes.map((o) => (
                  <tr key={o.eventId}>
                    <th scope="row">
                      <Link href={`/events/${encodeURIComponent(o.eventId)}`}>
                        <code>{o.eventId}</code>
                      </Link>
                    </th>
                    <td>
                      <Status status={o.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {!running && (
            <button type="button" onClick={run.reload}>
              Refresh the outcomes
            </button>
          )}
        </>
      )}
      <p>
        <Link href="/dead-letters">Back to the dead letters</Link>
      </p>
    </section>
  );
};

const Inbox = ({ data, reload }: { data: DeadLettersAnswer; reload: () => void }) => {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [options, setOptions] = useState<Options>({ force: false, renormalize: false });
  const [plan, setPlan] = useState<
    | { state: 'idle' }
    | { state: 'loading' }
    | { state: 'ok'; plan: PlanAnswer['plan'] }
    | { state: 'error'; error: ApiFailure }
  >({ state: 'idle' });
  const [starting, setStarting] = useState<ApiFailure | 'starting' | undefined>();
  const [reason, setReason] = useState('');
  const [reasonMissing, setReasonMissing] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);

  const toggle = (ids: readonly string[], on: boolean) => {
    const next = new Set(selected);
    for (const id of ids) {
      if (on) next.add(id);
      else next.delete(id);
    }
    setSelected(next);
    setPlan({ state: 'idle' });
  };
  const choose = (change: Partial<Options>) => {
    setOptions({ ...options, ...change });
    setPlan({ state: 'idle' });
  };
  const ids = [...selected];

  const makePlan = () => {
    setPlan({ state: 'loading' });
    postJson<PlanAnswer>('/api/replay/plan', {
      ...selectionOf(ids, options),
      ...(risky(options) ? { confirm: true } : {}),
    }).then(
      (answer) => setPlan({ state: 'ok', plan: answer.plan }),
      (error: unknown) =>
        setPlan({
          state: 'error',
          error: error instanceof ApiFailure ? error : new ApiFailure(0, String(error)),
        }),
    );
  };
  const start = () => {
    dialog.current?.close();
    setStarting('starting');
    postJson<ReplayStarted>('/api/replay', {
      ...selectionOf(ids, options),
      reason: reason.trim(),
      ...(risky(options) ? { confirm: true } : {}),
    }).then(
      (answer) => {
        setStarting(undefined);
        navigate(`/dead-letters${query({ run: answer.executionId })}`);
      },
      (error: unknown) => setStarting(error instanceof ApiFailure ? error : new ApiFailure(0, String(error))),
    );
  };

  if (data.groups.length === 0) {
    return (
      <Empty>
        Nothing is dead-lettered or quarantined ({data.scanned} read).{' '}
        <button type="button" onClick={reload}>
          Check again
        </button>
      </Empty>
    );
  }
  return (
    <>
      <p class="note">
        {data.groups.reduce((n, g) => n + g.count, 0)} events in {data.groups.length} groups, by error class,
        provider and entity ({data.scanned} read). Select groups or single events, plan, then replay.
      </p>
      <ul class="groups" aria-label="Dead-letter groups">
        {data.groups.map((g) => (
          <GroupRow
            key={`${g.errorClass}|${g.provider}|${g.entity}`}
            group={g}
            selected={selected}
            toggle={toggle}
          />
        ))}
      </ul>
      <div class="toolbar">
        <button
          type="button"
          onClick={() =>
            toggle(
              data.groups.flatMap((g) => g.eventIds),
              true,
            )
          }
        >
          Select all
        </button>
        <button type="button" onClick={() => toggle(ids, false)} disabled={ids.length === 0}>
          Clear the selection
        </button>
        <label class="check">
          <input
            type="checkbox"
            checked={options.force}
            onChange={(e) => choose({ force: e.currentTarget.checked })}
          />
          Force (replay even events already handled)
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={options.renormalize}
            onChange={(e) => choose({ renormalize: e.currentTarget.checked })}
          />
          Renormalize (rebuild the event from its raw request)
        </label>
        <span role="status" class="note">
          {ids.length} selected
        </span>
      </div>
      <div class="actions">
        <button
          type="button"
          class="primary"
          onClick={makePlan}
          disabled={ids.length === 0 || plan.state === 'loading'}
        >
          Plan
        </button>
      </div>
      {plan.state === 'loading' && <Loading what="the plan" />}
      {plan.state === 'error' && <Failure error={plan.error} />}
      {plan.state === 'ok' && <PlanView plan={plan.plan} />}
      {plan.state === 'ok' && plan.plan.selected > 0 && (
        <form
          class="panel"
          aria-labelledby="replay-heading"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            if (reason.trim().length < 3) {
              setReasonMissing(true);
              document.getElementById('replay-reason')?.focus();
            } else if (risky(options)) dialog.current?.showModal();
            else start();
          }}
        >
          <h2 id="replay-heading">Replay</h2>
          <label for="replay-reason">
            Reason (required: it is written to every replayed event’s timeline)
            <textarea
              id="replay-reason"
              rows={2}
              value={reason}
              required
              minLength={3}
              maxLength={500}
              aria-invalid={reasonMissing || undefined}
              aria-describedby={reasonMissing ? 'replay-reason-error' : undefined}
              onInput={(event) => {
                setReason(event.currentTarget.value);
                setReasonMissing(false);
              }}
            />
          </label>
          {reasonMissing && (
            <p id="replay-reason-error" class="field-error">
              Say why, in 3 characters or more.
            </p>
          )}
          <div class="actions">
            <button type="submit" class="primary" disabled={starting === 'starting'}>
              Replay {plan.plan.selected} event{plan.plan.selected === 1 ? '' : 's'}
            </button>
          </div>
          {starting instanceof ApiFailure && <Failure error={starting} />}
        </form>
      )}
      <dialog ref={dialog} aria-labelledby="confirm-heading" aria-describedby="confirm-text">
        <h2 id="confirm-heading">
          Replay with{' '}
          {[options.force && 'force', options.renormalize && 'renormalize'].filter(Boolean).join(' and ')}?
        </h2>
        <div id="confirm-text">
          {options.force && (
            <p>Force replays events even if they were already processed: targets may see them twice.</p>
          )}
          {options.renormalize && (
            <p>
              Renormalize rebuilds each event from its raw request with today’s normalizer, replacing the
              stored event.
            </p>
          )}
        </div>
        <div class="actions">
          <button type="button" class="primary" onClick={start}>
            Yes, replay {plan.state === 'ok' ? plan.plan.selected : ''} events
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
};

export const DeadLetters = ({ location }: { location: Location }) => {
  const run = location.params.get('run');
  const inbox = useApi<DeadLettersAnswer>(run ? null : '/api/dead-letters');
  return (
    <Page title={run ? 'Replay' : 'Dead letters'}>
      {run ? (
        <RunView executionId={run} />
      ) : (
        <>
          {inbox.data && (
            <p>
              Dead-letter queue: {inbox.data.depth.visible} visible, {inbox.data.depth.inFlight} in flight,
              oldest {oldestOf(inbox.data.depth)}.
            </p>
          )}
          {inbox.state === 'loading' && <Loading what="the dead letters" />}
          {inbox.state === 'error' && <Failure error={inbox.error} retry={inbox.reload} />}
          {inbox.state === 'ok' && <Inbox data={inbox.data} reload={inbox.reload} />}
        </>
      )}
    </Page>
  );
};
