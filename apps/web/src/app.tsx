import { Suspense, lazy } from 'react';
import { Link, Route, Switch, useRoute } from 'wouter';
import { useLiveFeed, type LiveState } from './api/live';
import { useAuth } from './auth';
import { ExecutionsPage } from './pages/ExecutionsPage';
import { PipelinesPage } from './pages/PipelinesPage';
import { SignInPage } from './pages/SignInPage';

// Pages with heavier libraries (chart, diff, highlighter, schema validator) load when first opened.
const PipelinePage = lazy(() => import('./pages/PipelinePage').then((m) => ({ default: m.PipelinePage })));
const ExecutionPage = lazy(() => import('./pages/ExecutionPage').then((m) => ({ default: m.ExecutionPage })));
const ApprovalsPage = lazy(() => import('./pages/ApprovalsPage').then((m) => ({ default: m.ApprovalsPage })));
const DeadLettersPage = lazy(() => import('./pages/DeadLettersPage').then((m) => ({ default: m.DeadLettersPage })));
const PublishPage = lazy(() => import('./pages/PublishPage').then((m) => ({ default: m.PublishPage })));

const NAV: [string, string][] = [
  ['/', 'Pipelines'],
  ['/executions', 'Executions'],
  ['/approvals', 'Approvals'],
  ['/dead-letters', 'Dead letters'],
  ['/publish', 'Publish'],
];

function NavLink({ href, label }: { href: string; label: string }) {
  const [exact] = useRoute(href);
  const [nested] = useRoute(href === '/' ? '/pipelines/*' : `${href}/*`);
  const current = exact || nested;
  return (
    <Link href={href} aria-current={current ? 'page' : undefined} className={current ? 'active' : undefined}>
      {label}
    </Link>
  );
}

const LIVE_TEXT: Record<LiveState, string> = { live: 'live', connecting: 'connecting…', offline: 'offline, retrying' };

export function App() {
  const auth = useAuth();
  const signedIn = auth.state === 'open' || auth.state === 'signed-in';
  const live = useLiveFeed(signedIn);
  if (auth.state === 'checking') return <p className="muted center">Connecting to the API…</p>;
  if (!signedIn) return <SignInPage />;
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand">
          MockOps
        </Link>
        <nav aria-label="Main">
          {NAV.map(([href, label]) => (
            <NavLink key={href} href={href} label={label} />
          ))}
        </nav>
        <div className="topbar-end">
          <span className={`live live-${live}`} role="status" aria-label={`Live updates: ${LIVE_TEXT[live]}`} title="Execution changes arrive over server-sent events">
            <span className="live-dot" aria-hidden="true" />
            {LIVE_TEXT[live]}
          </span>
          {auth.state === 'signed-in' && (
            <button type="button" className="link" onClick={auth.signOut}>
              Sign out
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p className="muted">Loading…</p>}>
        <Switch>
          <Route path="/">{() => <PipelinesPage />}</Route>
          <Route path="/pipelines/:id">{(p) => <PipelinePage key={p.id} id={p.id} />}</Route>
          <Route path="/executions">{() => <ExecutionsPage />}</Route>
          <Route path="/executions/:id">{(p) => <ExecutionPage key={p.id} id={p.id} />}</Route>
          <Route path="/approvals">{() => <ApprovalsPage />}</Route>
          <Route path="/dead-letters">{() => <DeadLettersPage />}</Route>
          <Route path="/publish">{() => <PublishPage />}</Route>
          <Route>
            <h1>Not found</h1>
            <p>
              <Link href="/">Back to the pipelines</Link>
            </p>
          </Route>
        </Switch>
        </Suspense>
      </main>
    </>
  );
}
