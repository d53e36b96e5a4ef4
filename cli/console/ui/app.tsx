import type { SessionAnswer } from '../contract';
import { Failure, Loading, Page } from './components';
import { Controls } from './pages/controls';
import { DeadLetters } from './pages/dead-letters';
import { EventPage } from './pages/event';
import { Events } from './pages/events';
import { Overview } from './pages/overview';
import { Link, match, useLocation, type Location } from './router';
import { useApi } from './use-api';

const SECTIONS = [
  { href: '/', label: 'Overview' },
  { href: '/events', label: 'Events' },
  { href: '/dead-letters', label: 'Dead letters' },
  { href: '/controls', label: 'Controls' },
] as const;

const sectionOf = (path: string) =>
  [...SECTIONS].reverse().find((s) => (s.href === '/' ? path === '/' : path.startsWith(s.href)))?.href;

const NotConnected = ({ session, retry }: { session: SessionAnswer; retry: () => void }) => (
  <Page title={session.local ? 'The local runtime is not running' : 'The stack is not deployed'}>
    <div class="alert" role="alert">
      <p>
        {session.problem ??
          `The console cannot reach ${session.stack}${session.local ? '' : ` in ${session.region}`}.`}
      </p>
      <p>
        {session.local ? (
          <>
            Start it with <code>npm start</code> in the project folder, then try again.
          </>
        ) : (
          <>
            Deploy it with <code>npx cdk deploy</code>, or check the AWS credentials and region this console
            runs with.
          </>
        )}
      </p>
      <button type="button" onClick={retry}>
        Try again
      </button>
    </div>
  </Page>
);

const NotFound = ({ path }: { path: string }) => (
  <Page title="No such page">
    <p>
      The console has no page at <code>{path}</code>. <Link href="/">Go to the overview</Link>.
    </p>
  </Page>
);

const Route = ({ location, session }: { location: Location; session: SessionAnswer }) => {
  const { path } = location;
  if (match('/', path)) return <Overview session={session} location={location} />;
  if (match('/events', path)) return <Events session={session} location={location} />;
  const event = match('/events/:id', path);
  if (event?.id) return <EventPage id={event.id} />;
  if (match('/dead-letters', path)) return <DeadLetters location={location} />;
  if (match('/controls', path)) return <Controls session={session} />;
  return <NotFound path={path} />;
};

export const App = () => {
  const location = useLocation();
  const session = useApi<SessionAnswer>('/api/session');
  const section = sectionOf(location.path);

  let body;
  if (session.state === 'error') body = <Failure error={session.error} retry={session.reload} />;
  else if (session.state === 'loading') body = <Loading what="the session" />;
  else if (!session.data.connected) body = <NotConnected session={session.data} retry={session.reload} />;
  else body = <Route location={location} session={session.data} />;

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">RelayFlow console</span>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.href}>
                <Link href={s.href} aria-current={section === s.href ? 'page' : undefined}>
                  {s.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        {session.state === 'ok' && (
          <p class="stack">
            {session.data.stack} · {session.data.local ? 'local runtime' : session.data.region}
          </p>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {body}
      </main>
    </>
  );
};
