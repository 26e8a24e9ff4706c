// An operator's TOTP and assurance settings: `project settings` shows and changes how many TOTPs a user may hold, the parameters new TOTPs get, the MFA policy and remembered devices, refuses values out of their rules with one clear line and changes nothing, and the project's backend reads the same settings from the `project` query, which new enrollments then follow.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli, USAGE } from '../../src/cli';
import { serve } from '../../src/main';
import { loadConfig } from '../../src/config';
import { CreateTotpDeviceDocument, CreateUserDocument, GatewayClient, ProjectAssuranceDocument, ProjectDocument } from '../../client';
import type { Gateway } from '../../src/server';

const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-settings-'));
const env = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
  DATABASE_URL: `sqlite:${join(dir, 'settings.sqlite')}`,
  GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};
const saved = { ...process.env };
let gateway: Gateway | undefined;

/** Runs the CLI with stdout captured; returns what it printed. */
async function cli(...args: string[]): Promise<string> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(chunk.toString());
    return true;
  });
  try {
    await runCli(args);
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

beforeAll(() => Object.assign(process.env, env));
afterAll(async () => {
  await gateway?.close();
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

it('is in the usage with every flag', () => {
  expect(USAGE).toMatch(/project settings --project ID \[--max-totps-per-user N\] \[--totp-algorithm SHA1\|SHA256\|SHA512\]/);
  expect(USAGE).toMatch(/\[--totp-digits 6\|8\] \[--totp-period 30\|60\] \[--mfa-policy OPTIONAL\|REQUIRED\]/);
  expect(USAGE).toMatch(/\[--remember-devices on\|off\] \[--remembered-device-aal2 on\|off\] \[--json\]/);
});

it('shows the defaults, changes what it is given, refuses bad values clearly, and the project query agrees', async () => {
  const created = JSON.parse(await cli('project', 'create', '--name', 'Settings Co', '--json'));
  const settings = (...flags: string[]) => cli('project', 'settings', '--project', created.projectId, ...flags);
  expect(JSON.parse(await settings('--json'))).toEqual({
    projectId: created.projectId,
    name: 'Settings Co',
    publicToken: created.publicToken,
    maxTotpsPerUser: 1,
    totpDefaults: { algorithm: 'SHA1', digits: 6, period: 30 },
    mfaPolicy: 'OPTIONAL',
    rememberDevices: false,
    rememberedDeviceAal2: false,
  });

  const changed = JSON.parse(await settings('--max-totps-per-user', '3', '--totp-algorithm', 'sha256', '--totp-digits', '8', '--json'));
  expect(changed).toMatchObject({ maxTotpsPerUser: 3, totpDefaults: { algorithm: 'SHA256', digits: 8, period: 30 } });
  expect(await settings('--totp-period', '60')).toBe(
    `project ${created.projectId} (Settings Co)\nmax TOTPs per user 3\nTOTP defaults SHA256, 8 digits, 60 s\nMFA policy OPTIONAL\nremembered devices off (count as AAL2: no)\n`,
  );
  expect(JSON.parse(await settings('--mfa-policy', 'required', '--remember-devices', 'on', '--remembered-device-aal2', 'on', '--json'))).toMatchObject({
    mfaPolicy: 'REQUIRED',
    rememberDevices: true,
    rememberedDeviceAal2: true,
  });
  expect(JSON.parse(await settings('--mfa-policy', 'OPTIONAL', '--remembered-device-aal2', 'off', '--json'))).toMatchObject({ mfaPolicy: 'OPTIONAL', rememberDevices: true, rememberedDeviceAal2: false });
  // Every yes/no flag takes true|false as well as on|off (one parser for the CLI).
  expect(JSON.parse(await settings('--remembered-device-aal2', 'true', '--json'))).toMatchObject({ rememberedDeviceAal2: true });
  expect(JSON.parse(await settings('--remembered-device-aal2', 'false', '--json'))).toMatchObject({ rememberedDeviceAal2: false });

  const refusals: Array<[string[], RegExp]> = [
    [['--max-totps-per-user', '0'], /maxTotpsPerUser \(--max-totps-per-user\) must be an integer from 1 to 10; got 0\./],
    [['--max-totps-per-user', '11'], /from 1 to 10; got 11/],
    [['--max-totps-per-user', 'two'], /got "two"/],
    [['--max-totps-per-user', '2.5'], /got "2.5"/],
    [['--totp-algorithm', 'MD5'], /totpAlgorithm \(--totp-algorithm\) must be one of SHA1, SHA256, SHA512; got "MD5"\./],
    [['--totp-digits', '7'], /totpDigits \(--totp-digits\) must be one of 6, 8; got 7\./],
    [['--totp-period', '45'], /totpPeriodSeconds \(--totp-period\) must be one of 30, 60 \(seconds\); got 45\./],
    [['--mfa-policy', 'ALWAYS'], /mfaPolicy \(--mfa-policy\) must be one of OPTIONAL, REQUIRED; got "ALWAYS"\./],
    [['--remember-devices', 'yes'], /--remember-devices must be on or off, got "yes"/],
    // One bad value among good ones changes none of them.
    [['--max-totps-per-user', '5', '--totp-digits', '9'], /got 9/],
  ];
  for (const [flags, message] of refusals) await expect(settings(...flags)).rejects.toThrow(message);
  await expect(cli('project', 'settings', '--project', 'project-00000000-0000-4000-8000-000000000000')).rejects.toThrow(/No project with this id exists.*`totp-gateway project list` shows the project ids/);

  gateway = await serve(loadConfig(env), { handleSignals: false });
  const url = `http://127.0.0.1:${(gateway.app.server.address() as { port: number }).port}`;
  const client = new GatewayClient({ url, projectId: created.projectId, secret: created.secret });
  expect((await client.data(ProjectDocument, {})).project).toEqual({
    projectId: created.projectId,
    name: 'Settings Co',
    publicToken: created.publicToken,
    maxTotpsPerUser: 3,
    totpDefaults: { algorithm: 'SHA256', digits: 8, period: 60 },
  });
  expect((await client.data(ProjectAssuranceDocument, {})).project).toEqual({ projectId: created.projectId, mfaPolicy: 'OPTIONAL', rememberDevices: true, rememberedDeviceAal2: false });
  // New enrollments follow the defaults unless they choose their own.
  const userId = (await client.data(CreateUserDocument, { input: { email: 'settings@example.com' } })).createUser.userId;
  const byDefault = (await client.data(CreateTotpDeviceDocument, { input: { userId } })).createTotp;
  expect(byDefault).toMatchObject({ algorithm: 'SHA256', digits: 8, period: 60, compatibility: expect.stringMatching(/SHA256/) });
  expect(byDefault.otpauthUri).toMatch(/&algorithm=SHA256&digits=8&period=60$/);
  const chosen = (await client.data(CreateTotpDeviceDocument, { input: { userId, algorithm: 'SHA1', digits: 6, period: 30 } })).createTotp;
  expect(chosen).toMatchObject({ algorithm: 'SHA1', digits: 6, period: 30, compatibility: null });
});
