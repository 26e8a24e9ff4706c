// A user: who they are, their lock, their authenticators and recovery codes, their live sessions and
// their audit trail. Every destructive action asks first (useConfirm) and shows the gateway's code
// when refused; after an action the user and the timeline are read again.
import { useState } from 'react';
import { ConsoleRegenerateRecoveryCodesDocument, ConsoleUserDocument, DeleteTotpDocument, UnlockUserDocument, type ConsoleUserQuery } from '../../../client';
import { useRun } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { useConfirm } from '../components/ConfirmDialog';
import { orDash, when } from '../components/format';
import { useAction, useLoad } from '../load';
import { UserSessions } from './UserSessions';
import { UserTimeline } from './UserTimeline';

type Loaded = ConsoleUserQuery;

export function UserPage({ userId }: { userId: string }) {
  const run = useRun();
  const loaded = useLoad(() => run(ConsoleUserDocument, { userId }), userId);
  /** Bumped after every action, so the timeline reads its newest page again. */
  const [changes, setChanges] = useState(0);
  const changed = async () => {
    await loaded.reload();
    setChanges((n) => n + 1);
  };
  const { data } = loaded;
  const title = data ? (data.user.emails[0]?.email ?? data.user.phoneNumbers[0]?.phoneNumber ?? data.user.userId) : 'User';
  return (
    <section aria-labelledby="user-title">
      <p>
        <a href="#/users">← Users</a>
      </p>
      <h1 id="user-title" tabIndex={-1} data-testid="user-title">
        {title}
      </h1>
      <ErrorNote failure={loaded.failure} />
      {data && (
        <>
          <Identity user={data.user} />
          <Lock user={data.user} onChanged={changed} />
          <Authenticators data={data} onChanged={changed} />
          <UserSessions userId={data.user.userId} sessions={data.sessions} onChanged={changed} />
          <UserTimeline userId={data.user.userId} changes={changes} />
        </>
      )}
    </section>
  );
}

function Identity({ user }: { user: Loaded['user'] }) {
  const name = [user.name.firstName, user.name.middleName, user.name.lastName].filter(Boolean).join(' ');
  return (
    <section aria-labelledby="identity-title" className="card">
      <h2 id="identity-title">Identity</h2>
      <dl className="facts">
        <dt>User id</dt>
        <dd className="mono" data-testid="user-id">{user.userId}</dd>
        <dt>Email</dt>
        <dd>{orDash(user.emails.map((e) => e.email).join(', '))}</dd>
        <dt>Phone</dt>
        <dd>{orDash(user.phoneNumbers.map((p) => p.phoneNumber).join(', '))}</dd>
        <dt>Name</dt>
        <dd>{orDash(name)}</dd>
        <dt>External id</dt>
        <dd className="mono">{orDash(user.externalId)}</dd>
        <dt>Status</dt>
        <dd>{user.status}</dd>
        <dt>Created</dt>
        <dd>{when(user.createdAt)}</dd>
      </dl>
      <details>
        <summary>Metadata</summary>
        <h3>Trusted</h3>
        <pre>{JSON.stringify(user.trustedMetadata, null, 2)}</pre>
        <h3>Untrusted</h3>
        <pre>{JSON.stringify(user.untrustedMetadata, null, 2)}</pre>
      </details>
    </section>
  );
}

function Lock({ user, onChanged }: { user: Loaded['user']; onChanged: () => Promise<void> }) {
  const run = useRun();
  const [failure, act] = useAction();
  const [dialog, confirm] = useConfirm();
  const unlock = async () => {
    const ok = await confirm({ title: 'Unlock this user?', body: <p>The lock ends now and the count of consecutive failures goes back to 0.</p>, confirmLabel: 'Unlock' });
    if (ok && (await act(() => run(UnlockUserDocument, { userId: user.userId })))) await onChanged();
  };
  return (
    <section aria-labelledby="lock-title" className="card">
      <h2 id="lock-title">Lock</h2>
      <p data-testid="lock-state">
        {user.isLocked ? <span className="badge bad">Locked {user.lockedUntil ? `until ${when(user.lockedUntil)}` : 'until unlocked'}</span> : <span className="badge ok">Not locked</span>}{' '}
        <span data-testid="consecutive-failures">{user.consecutiveFailures}</span> consecutive failures.
      </p>
      <button type="button" onClick={unlock} disabled={!user.isLocked && user.consecutiveFailures === 0} data-testid="unlock">
        Unlock
      </button>
      <ErrorNote failure={failure} />
      {dialog}
    </section>
  );
}

function Authenticators({ data, onChanged }: { data: Loaded; onChanged: () => Promise<void> }) {
  const run = useRun();
  const [failure, act] = useAction();
  const [dialog, confirm] = useConfirm();
  /** The codes of the last regeneration: shown once, until the operator hides them or leaves the page. */
  const [fresh, setFresh] = useState<{ label: string; codes: string[] } | null>(null);
  const { user, totpRecoveryCodes } = data;
  const remove = async (totpId: string, label: string) => {
    const ok = await confirm({ title: `Delete “${label}”?`, body: <p>The user can no longer sign in with codes from this authenticator. This cannot be undone.</p>, confirmLabel: 'Delete authenticator' });
    if (ok && (await act(() => run(DeleteTotpDocument, { totpId })))) await onChanged();
  };
  const regenerate = async (totpId: string, label: string) => {
    const ok = await confirm({ title: `Regenerate recovery codes of “${label}”?`, body: <p>Its unused recovery codes stop working. The new codes are shown once.</p>, confirmLabel: 'Regenerate codes' });
    if (!ok) return;
    let codes: string[] = [];
    const regenerated = await act(async () => {
      codes = (await run(ConsoleRegenerateRecoveryCodesDocument, { userId: user.userId, totpId })).regenerateTotpRecoveryCodes.recoveryCodes;
    });
    if (regenerated) {
      setFresh({ label, codes });
      await onChanged();
    }
  };
  return (
    <section aria-labelledby="totps-title" className="card">
      <h2 id="totps-title">Authenticators</h2>
      {user.totps.length === 0 ? (
        <p>No authenticators.</p>
      ) : (
        <table data-testid="totps">
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Parameters</th>
              <th scope="col">Verified</th>
              <th scope="col">Last used</th>
              <th scope="col">Recovery codes left</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {user.totps.map((totp) => (
              <tr key={totp.totpId}>
                <td>
                  {totp.label}
                  <div className="muted mono">{totp.totpId}</div>
                </td>
                <td>
                  {totp.algorithm}, {totp.digits} digits, {totp.period} s
                </td>
                <td>{totp.verified ? when(totp.verifiedAt) : 'pending'}</td>
                <td>{when(totp.lastUsedAt)}</td>
                <td data-testid="recovery-remaining">{orDash(totpRecoveryCodes.find((r) => r.totpId === totp.totpId)?.remaining)}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => regenerate(totp.totpId, totp.label)} aria-label={`Regenerate recovery codes of ${totp.label}`} data-testid="regenerate-codes">
                    Regenerate codes
                  </button>
                  <button type="button" className="danger" onClick={() => remove(totp.totpId, totp.label)} aria-label={`Delete authenticator ${totp.label}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {fresh && (
        <div className="fresh" role="status" data-testid="fresh-codes">
          <p>
            <strong>New recovery codes of “{fresh.label}”, shown once:</strong> give them to the user now.
          </p>
          <ol className="mono">
            {fresh.codes.map((code) => (
              <li key={code}>{code}</li>
            ))}
          </ol>
          <button type="button" onClick={() => setFresh(null)}>
            Hide the codes
          </button>
        </div>
      )}
      <ErrorNote failure={failure} />
      {dialog}
    </section>
  );
}
