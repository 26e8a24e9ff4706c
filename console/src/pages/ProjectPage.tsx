// The project: its public token, the browser origins it allows (added and removed here), the
// deployment's rate limit, its TOTP settings, and its MFA policy and remembered devices (ProjectAssurance).
import { useState, type FormEvent } from 'react';
import { AddAllowedOriginDocument, ConsoleProjectDocument, RemoveAllowedOriginDocument, UpdateProjectSettingsDocument, type ConsoleProjectFieldsFragment, type TotpAlgorithm } from '../../../client';
import { useRun } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { useConfirm } from '../components/ConfirmDialog';
import { useAction, useLoad } from '../load';
import { ProjectAssurance } from './ProjectAssurance';

const ALGORITHMS: readonly TotpAlgorithm[] = ['SHA1', 'SHA256', 'SHA512'];

export function ProjectPage() {
  const run = useRun();
  const loaded = useLoad(async () => (await run(ConsoleProjectDocument, {})).project, 'project');
  const project = loaded.data;
  return (
    <section aria-labelledby="project-title">
      <h1 id="project-title" tabIndex={-1}>
        Project
      </h1>
      <ErrorNote failure={loaded.failure} />
      {project && (
        <>
          <section aria-labelledby="about-title" className="card">
            <h2 id="about-title">{project.name}</h2>
            <dl className="facts">
              <dt>Project id</dt>
              <dd className="mono">{project.projectId}</dd>
              <dt>Public token</dt>
              <dd className="mono" data-testid="public-token">{project.publicToken}</dd>
              <dt>Rate limit</dt>
              <dd data-testid="rate-limit">
                {limitText(project.rateLimit.requestsPerMinute)} for the project secret, {limitText(project.rateLimit.sessionRequestsPerMinute)} for sessions
                <div className="muted">Set by the deployment (RATE_LIMIT_* settings).</div>
              </dd>
            </dl>
          </section>
          <Origins origins={project.allowedOrigins} onChanged={loaded.reload} />
          <TotpSettings project={project} onChanged={loaded.reload} />
          <ProjectAssurance project={project} onChanged={loaded.reload} />
        </>
      )}
    </section>
  );
}

const limitText = (perMinute: number) => (perMinute === 0 ? 'no limit' : `${perMinute} requests a minute`);

function Origins({ origins, onChanged }: { origins: string[]; onChanged: () => Promise<void> }) {
  const run = useRun();
  const [failure, act] = useAction();
  const [dialog, confirm] = useConfirm();
  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const origin = String(new FormData(form).get('origin')).trim();
    if (await act(() => run(AddAllowedOriginDocument, { input: { origin } }))) {
      form.reset();
      await onChanged();
    }
  };
  const remove = async (origin: string) => {
    const ok = await confirm({ title: `Remove ${origin}?`, body: <p>Pages on this origin stop being able to call the gateway with the public token, at once.</p>, confirmLabel: 'Remove origin' });
    if (ok && (await act(() => run(RemoveAllowedOriginDocument, { input: { origin } })))) await onChanged();
  };
  return (
    <section aria-labelledby="origins-title" className="card">
      <h2 id="origins-title">Allowed origins</h2>
      <p className="muted">Browser pages on these origins may call the gateway with the public token and a user's session.</p>
      {origins.length === 0 && <p>No origins allowed.</p>}
      <ul className="origins" data-testid="origins">
        {origins.map((origin) => (
          <li key={origin}>
            <span className="mono">{origin}</span>{' '}
            <button type="button" className="danger" onClick={() => remove(origin)} aria-label={`Remove origin ${origin}`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={add} className="inline">
        <label>
          Origin
          <input name="origin" required spellCheck={false} placeholder="https://app.example.com" data-testid="origin-input" />
        </label>
        <button type="submit" data-testid="add-origin">
          Add origin
        </button>
      </form>
      <ErrorNote failure={failure} />
      {dialog}
    </section>
  );
}

function TotpSettings({ project, onChanged }: { project: ConsoleProjectFieldsFragment; onChanged: () => Promise<void> }) {
  const run = useRun();
  const [failure, act] = useAction();
  const [saved, setSaved] = useState(false);
  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = {
      maxTotpsPerUser: Number(form.get('maxTotpsPerUser')),
      totpAlgorithm: form.get('totpAlgorithm') as TotpAlgorithm,
      totpDigits: Number(form.get('totpDigits')),
      totpPeriod: Number(form.get('totpPeriod')),
    };
    const ok = await act(() => run(UpdateProjectSettingsDocument, { input }));
    setSaved(ok);
    if (ok) await onChanged();
  };
  const { totpDefaults } = project;
  return (
    <section aria-labelledby="totp-settings-title" className="card">
      <h2 id="totp-settings-title">TOTP settings</h2>
      <p className="muted">New enrollments get these; existing authenticators keep the parameters they were made with.</p>
      <form onSubmit={save} className="settings" onChange={() => setSaved(false)}>
        <label>
          Authenticators per user
          <input name="maxTotpsPerUser" type="number" min={1} max={10} required defaultValue={project.maxTotpsPerUser} data-testid="max-totps" />
        </label>
        <label>
          Algorithm
          <select name="totpAlgorithm" defaultValue={totpDefaults.algorithm}>
            {ALGORITHMS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label>
          Digits
          <select name="totpDigits" defaultValue={totpDefaults.digits}>
            <option>6</option>
            <option>8</option>
          </select>
        </label>
        <label>
          Period (seconds)
          <select name="totpPeriod" defaultValue={totpDefaults.period}>
            <option>30</option>
            <option>60</option>
          </select>
        </label>
        <button type="submit" data-testid="save-settings">
          Save settings
        </button>
        {saved && <span role="status">Saved.</span>}
      </form>
      <ErrorNote failure={failure} />
    </section>
  );
}
