import { useState } from 'preact/hooks';
import type { PauseRequest, PausesAnswer, SessionAnswer } from '../../contract';
import { ApiFailure, postJson } from '../api';
import { Empty, Failure, Loading, Page, Status, Time } from '../components';
import { useApi } from '../use-api';

type Pause = PausesAnswer['pauses'][number];

const SCOPES: readonly Pause['scope'][] = ['provider', 'tenant', 'route', 'target'];

export const PauseTable = ({
  pauses,
  onResume,
}: {
  pauses: readonly Pause[];
  onResume?: (pause: Pause) => void;
}) => (
  <div class="table-scroll">
    <table class="pauses">
      <thead>
        <tr>
          <th scope="col">What</th>
          <th scope="col">State</th>
          <th scope="col">Reason</th>
          <th scope="col">By</th>
          <th scope="col">Since</th>
          <th scope="col">Held</th>
          {onResume && (
            <th scope="col">
              <span class="visually-hidden">Action</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {pauses.map((p) => (
          <tr key={`${p.scope}#${p.id}`}>
            <th scope="row">
              {p.scope} <code>{p.id}</code>
            </th>
            <td>
              <Status status={p.state} />
            </td>
            <td>{p.reason}</td>
            <td>{p.by}</td>
            <td>
              <Time iso={p.at} />
            </td>
            <td>{p.holds}</td>
            {onResume && (
              <td>
                {p.state === 'paused' && (
                  <button type="button" onClick={() => onResume(p)}>
                    Resume {p.scope} {p.id}…
                  </button>
                )}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  </div>
);

type Form = { scope: Pause['scope']; id: string; reason: string; rate: string };
type Outcome =
  { kind: 'done'; text: string } | { kind: 'error'; error: ApiFailure } | { kind: 'busy' } | undefined;

export const Controls = ({ session }: { session: SessionAnswer }) => {
  const pauses = useApi<PausesAnswer>('/api/pauses');
  const [form, setForm] = useState<Form>({ scope: 'provider', id: '', reason: '', rate: '' });
  const [outcome, setOutcome] = useState<Outcome>();
  const [missing, setMissing] = useState<readonly string[]>([]);
  const known: Record<Pause['scope'], readonly string[]> = {
    provider: session.providers,
    tenant: session.tenants,
    route: [],
    target: session.targets,
  };

  const act = (action: 'pause' | 'resume') => {
    const gaps = [!form.id.trim() && 'id', !form.reason.trim() && 'reason'].filter((g): g is string =>
      Boolean(g),
    );
    setMissing(gaps);
    if (gaps.length > 0) {
      document.getElementById(`control-${gaps[0]}`)?.focus();
      return;
    }
    const rate = Number(form.rate);
    const request: PauseRequest = {
      scope: form.scope,
      id: form.id.trim(),
      reason: form.reason.trim(),
      ...(action === 'resume' && form.rate && Number.isFinite(rate) ? { rate } : {}),
    };
    setOutcome({ kind: 'busy' });
    postJson<unknown>(action === 'pause' ? '/api/pauses' : '/api/resume', request).then(
      () => {
        setOutcome({
          kind: 'done',
          text: `${action === 'pause' ? 'Paused' : 'Resuming'} ${request.scope} ${request.id}.`,
        });
        setForm({ ...form, reason: '' });
        pauses.reload();
      },
      (error: unknown) =>
        setOutcome({
          kind: 'error',
          error: error instanceof ApiFailure ? error : new ApiFailure(0, String(error)),
        }),
    );
  };

  return (
    <Page title="Controls">
      <form
        class="control-form"
        aria-labelledby="control-heading"
        onSubmit={(event) => {
          event.preventDefault();
          act('pause');
        }}
        noValidate
      >
        <h2 id="control-heading">Pause or resume</h2>
        <p class="note">
          A pause holds the events in its scope, in order, until a resume releases them. The reason goes into
          every held event’s audit.
        </p>
        <div class="fields">
          <label>
            Scope
            <select
              value={form.scope}
              onChange={(e) => setForm({ ...form, scope: e.currentTarget.value as Pause['scope'] })}
            >
              {SCOPES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label for="control-id">
            Id
            <input
              id="control-id"
              type="text"
              list="control-ids"
              value={form.id}
              required
              aria-invalid={missing.includes('id') || undefined}
              aria-describedby={missing.includes('id') ? 'control-id-error' : undefined}
              onInput={(e) => setForm({ ...form, id: e.currentTarget.value })}
              autoComplete="off"
            />
            {missing.includes('id') && (
              <span id="control-id-error" class="field-error">
                Name the {form.scope}.
              </span>
            )}
          </label>
          <datalist id="control-ids">
            {known[form.scope].map((id) => (
              <option key={id} value={id} />
            ))}
          </datalist>
          <label for="control-reason" class="wide">
            Reason (required)
            <textarea
              id="control-reason"
              rows={2}
              value={form.reason}
              required
              aria-invalid={missing.includes('reason') || undefined}
              aria-describedby={missing.includes('reason') ? 'control-reason-error' : undefined}
              onInput={(e) => setForm({ ...form, reason: e.currentTarget.value })}
            />
            {missing.includes('reason') && (
              <span id="control-reason-error" class="field-error">
                Say why: the reason is written to the audit.
              </span>
            )}
          </label>
          <label for="control-rate">
            Release rate on resume (events/s, optional)
            <input
              id="control-rate"
              type="number"
              min="0.1"
              step="any"
              value={form.rate}
              onInput={(e) => setForm({ ...form, rate: e.currentTarget.value })}
            />
          </label>
        </div>
        <div class="actions">
          <button type="submit" class="primary" disabled={outcome?.kind === 'busy'}>
            Pause
          </button>
          <button type="button" disabled={outcome?.kind === 'busy'} onClick={() => act('resume')}>
            Resume
          </button>
        </div>
        <div role="status">{outcome?.kind === 'done' && <p class="ok-text">{outcome.text}</p>}</div>
        {outcome?.kind === 'error' && <Failure error={outcome.error} />}
      </form>

      <h2>Active pauses</h2>
      {pauses.state === 'loading' && !pauses.data && <Loading what="the pauses" />}
      {pauses.state === 'error' && <Failure error={pauses.error} retry={pauses.reload} />}
      {pauses.data &&
        (pauses.data.pauses.length === 0 ? (
          <Empty>Nothing is paused.</Empty>
        ) : (
          <PauseTable
            pauses={pauses.data.pauses}
            onResume={(p) => {
              setForm({ ...form, scope: p.scope, id: p.id });
              document.getElementById('control-reason')?.focus();
            }}
          />
        ))}
    </Page>
  );
};
