// A user's live sessions with their factors and assurance level, revoked one at a time or all at
// once, each revocation confirmed first.
import { RevokeSessionDocument, type ConsoleSessionFragment } from '../../../client';
import { useRun } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { useConfirm } from '../components/ConfirmDialog';
import { when } from '../components/format';
import { useAction } from '../load';

interface Props {
  readonly userId: string;
  readonly sessions: ConsoleSessionFragment[];
  readonly onChanged: () => Promise<void>;
}

export function UserSessions({ sessions, onChanged }: Props) {
  const run = useRun();
  const [failure, act] = useAction();
  const [dialog, confirm] = useConfirm();
  const revoke = async (targets: ConsoleSessionFragment[]) => {
    const one = targets.length === 1;
    const ok = await confirm({
      title: one ? 'Revoke this session?' : `Revoke all ${targets.length} sessions?`,
      body: <p>{one ? 'The session' : 'Every session'} stops working at once; the user must sign in again.</p>,
      confirmLabel: one ? 'Revoke session' : 'Revoke all sessions',
    });
    if (!ok) return;
    // One revokeSession each (each is audited); the first refusal stops the rest and is shown.
    await act(async () => {
      for (const { sessionId } of targets) await run(RevokeSessionDocument, { input: { sessionId } });
    });
    await onChanged();
  };
  return (
    <section aria-labelledby="sessions-title" className="card">
      <h2 id="sessions-title">Live sessions</h2>
      {sessions.length === 0 && <p data-testid="no-sessions">No live sessions.</p>}
      <ul className="sessions" data-testid="sessions">
        {sessions.map((session) => (
          <li key={session.sessionId} data-testid="session" data-session-id={session.sessionId}>
            <dl className="facts">
              <dt>Session</dt>
              <dd className="mono">{session.sessionId}</dd>
              <dt>Factors</dt>
              <dd data-testid="session-factors">
                {session.authenticationFactors.map((f) => `${f.type} (${f.deliveryMethod}, ${when(f.lastAuthenticatedAt)})`).join('; ') || '—'}
              </dd>
              <dt>Assurance</dt>
              <dd data-testid="session-assurance">{session.assuranceLevel}</dd>
              <dt>Started</dt>
              <dd>{when(session.startedAt)}</dd>
              <dt>Last used</dt>
              <dd>{when(session.lastAccessedAt)}</dd>
              <dt>Expires</dt>
              <dd>{when(session.expiresAt)}</dd>
            </dl>
            <button type="button" className="danger" onClick={() => revoke([session])} aria-label={`Revoke session ${session.sessionId}`} data-testid="revoke-session">
              Revoke
            </button>
          </li>
        ))}
      </ul>
      {sessions.length > 1 && (
        <button type="button" className="danger" onClick={() => revoke(sessions)} data-testid="revoke-all">
          Revoke all sessions
        </button>
      )}
      <ErrorNote failure={failure} />
      {dialog}
    </section>
  );
}
