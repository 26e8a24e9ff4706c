// The project's MFA policy and remembered devices, changed with updateProjectSettings (the rules are the
// gateway's: a refusal shows its code). Requiring MFA is confirmed first: it stops every session below
// AAL2 (NIST SP 800-63B) from doing anything but reaching AAL2, at once.
import { useState, type FormEvent } from 'react';
import { UpdateProjectSettingsDocument, type ConsoleProjectFieldsFragment, type MfaPolicy, type UpdateProjectSettingsInput } from '../../../client';
import { useRun } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { useConfirm } from '../components/ConfirmDialog';
import { useAction } from '../load';

const POLICIES: ReadonlyArray<{ readonly value: MfaPolicy; readonly label: string }> = [
  { value: 'OPTIONAL', label: 'Optional' },
  { value: 'REQUIRED', label: 'Required' },
];

interface Props {
  readonly project: ConsoleProjectFieldsFragment;
  readonly onChanged: () => Promise<void>;
}

/** The form's values as updateProjectSettings' input: only the three assurance settings. */
function assuranceInput(form: HTMLFormElement): UpdateProjectSettingsInput {
  const values = new FormData(form);
  return {
    mfaPolicy: values.get('mfaPolicy') as MfaPolicy,
    rememberDevices: values.has('rememberDevices'),
    rememberedDeviceAal2: values.has('rememberedDeviceAal2'),
  };
}

export function ProjectAssurance({ project, onChanged }: Props) {
  const run = useRun();
  const [failure, act] = useAction();
  const [dialog, confirm] = useConfirm();
  const [saved, setSaved] = useState(false);
  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const input = assuranceInput(event.currentTarget);
    if (input.mfaPolicy === 'REQUIRED' && project.mfaPolicy !== 'REQUIRED') {
      const ok = await confirm({
        title: 'Require MFA for every session?',
        body: (
          <p>
            Sessions that have not proven a second factor (AAL1, such as those your backend starts with createSession) stop working at once for anything but
            enrolling, verifying, recovering or signing out, and authenticateSession refuses them with SECOND_FACTOR_REQUIRED.
          </p>
        ),
        confirmLabel: 'Require MFA',
      });
      if (!ok) return;
    }
    const ok = await act(() => run(UpdateProjectSettingsDocument, { input }));
    setSaved(ok);
    if (ok) await onChanged();
  };
  return (
    <section aria-labelledby="assurance-title" className="card">
      <h2 id="assurance-title">MFA and remembered devices</h2>
      <p className="muted" id="assurance-hint">
        The MFA policy applies at once, to live sessions too. Turning remembered devices off forgets every device already remembered. Counting them as AAL2 applies
        to devices used from now on: sessions already started keep the level they had. Required: a session must have proven a second factor (AAL2) for anything but
        enrolling, verifying, recovering or signing out.
      </p>
      <form onSubmit={save} className="settings" onChange={() => setSaved(false)} data-testid="assurance-settings">
        <label>
          MFA policy
          <select name="mfaPolicy" defaultValue={project.mfaPolicy} aria-describedby="assurance-hint" data-testid="mfa-policy">
            {POLICIES.map(({ value, label }) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" name="rememberDevices" defaultChecked={project.rememberDevices} data-testid="remember-devices" />
          Allow remembering devices
        </label>
        <label className="check">
          <input type="checkbox" name="rememberedDeviceAal2" defaultChecked={project.rememberedDeviceAal2} data-testid="remembered-device-aal2" />
          A remembered device counts as a second factor (AAL2)
        </label>
        <button type="submit" data-testid="save-assurance">
          Save MFA settings
        </button>
        {saved && <span role="status">Saved.</span>}
      </form>
      <ErrorNote failure={failure} />
      {dialog}
    </section>
  );
}
