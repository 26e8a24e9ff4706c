// Signed out: the sign-in form. Signed in: the navigation and the page the route names. The project's
// credentials are this component's state only (api.ts says why).
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { ConsoleProjectDocument, type GatewayClient } from '../../client';
import { ApiContext, clientFor, failureOf, type Failure, type Run } from './api';
import { ErrorNote } from './components/ErrorNote';
import { useRoute } from './route';
import { hrefOf, type Route } from './fragment';
import { OverviewPage } from './pages/OverviewPage';
import { UsersPage } from './pages/UsersPage';
import { UserPage } from './pages/UserPage';
import { ProjectPage } from './pages/ProjectPage';

interface SignedIn {
  readonly client: GatewayClient;
  readonly projectName: string;
}

export function App() {
  const [signedIn, setSignedIn] = useState<SignedIn | null>(null);
  const run = useMemo<Run | null>(() => (signedIn ? (document, variables) => signedIn.client.data(document, variables) : null), [signedIn]);
  if (!signedIn || !run) return <SignIn onSignedIn={setSignedIn} />;
  return (
    <ApiContext.Provider value={run}>
      <Shell projectName={signedIn.projectName} onSignOut={() => setSignedIn(null)} />
    </ApiContext.Provider>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (signedIn: SignedIn) => void }) {
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const client = clientFor(String(form.get('projectId')).trim(), String(form.get('secret')));
    setBusy(true);
    try {
      // The project query proves the credentials (UNAUTHORIZED_CREDENTIALS otherwise) and names the project.
      const { project } = await client.data(ConsoleProjectDocument, {});
      onSignedIn({ client, projectName: project.name });
    } catch (error) {
      setFailure(failureOf(error));
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>totp-gateway console</h1>
      <p>Sign in with a project id and one of its secrets. They are kept in this tab's memory only: reloading or closing the tab forgets them.</p>
      <form onSubmit={submit} autoComplete="off" data-testid="sign-in-form">
        <label>
          Project id
          <input name="projectId" required spellCheck={false} placeholder="project-…" autoFocus data-testid="project-id" />
        </label>
        <label>
          Secret
          <input name="secret" type="password" required spellCheck={false} autoComplete="off" data-testid="secret" />
        </label>
        <button type="submit" disabled={busy} data-testid="sign-in">
          Sign in
        </button>
      </form>
      <ErrorNote failure={failure} />
    </main>
  );
}

const NAV: ReadonlyArray<{ readonly route: Route; readonly label: string }> = [
  { route: { page: 'overview' }, label: 'Overview' },
  { route: { page: 'users' }, label: 'Users' },
  { route: { page: 'project' }, label: 'Project' },
];

function Shell({ projectName, onSignOut }: { projectName: string; onSignOut: () => void }) {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  // Each page change moves focus to the new page's heading, so a screen reader announces it (WCAG 2.4.3).
  const focusHeading = useCallback(() => main.current?.querySelector<HTMLElement>('h1')?.focus(), []);
  useEffect(focusHeading, [route, focusHeading]);
  const current = route.page === 'user' ? 'users' : route.page;
  return (
    <>
      <header className="top">
        <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), focusHeading())}>
          Skip to content
        </a>
        <span className="brand">totp-gateway console</span>
        <nav aria-label="Console">
          <ul>
            {NAV.map((item) => (
              <li key={item.label}>
                <a href={hrefOf(item.route)} aria-current={current === item.route.page ? 'page' : undefined} data-testid={`nav-${item.route.page}`}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="project" data-testid="project-name">
          {projectName}
        </span>
        <button type="button" onClick={onSignOut} data-testid="sign-out">
          Sign out
        </button>
      </header>
      <main id="main" ref={main}>
        {route.page === 'overview' && <OverviewPage />}
        {route.page === 'users' && <UsersPage />}
        {route.page === 'user' && <UserPage userId={route.userId} />}
        {route.page === 'project' && <ProjectPage />}
      </main>
    </>
  );
}
