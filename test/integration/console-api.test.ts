// The operator actions the console needs over GraphQL with a project secret: the audit trail counted per minute and outcome over a window (authEventStats, older events left out) and the locked-user count, each of the calling project only; allowed origins added and removed; TOTP settings and the MFA policy and remembered-device settings changed under the CLI's rules (REQUIRED refusing AAL1 sessions at once); the rate limit shown; refusals answered with their catalogue codes and nothing changed.
import { AddAllowedOriginDocument, AuthenticateSessionDocument, AuthenticateTotpDocument, ConsoleOverviewDocument, CreateSessionDocument, ConsoleProjectDocument, RemoveAllowedOriginDocument, UpdateProjectSettingsDocument, type GatewayClient } from '../../client';
import { codes, describeEachDialect, startGateway, type TestGateway } from '../support/gateway';
import { wrongTotpCode } from '../support/codes';

const MAX_ATTEMPTS = 3;

/** Per outcome, the attempts of every minute added up. */
async function totals(client: GatewayClient, sinceMinutes?: number): Promise<{ byOutcome: Record<string, number>; lockedUsers: number }> {
  const { authEventStats, lockedUsers } = await client.data(ConsoleOverviewDocument, { sinceMinutes });
  const byOutcome: Record<string, number> = {};
  for (const { outcome, count } of authEventStats.minutes) byOutcome[outcome] = (byOutcome[outcome] ?? 0) + count;
  return { byOutcome, lockedUsers };
}

describeEachDialect('console API (%s)', (dialect) => {
  let gw: TestGateway;
  /** Added to the real time the gateway reads (the last test moves it on). */
  let offsetMs = 0;

  beforeAll(async () => {
    gw = await startGateway({ dialect, clock: { now: () => Date.now() + offsetMs }, env: { LOCKOUT_MAX_ATTEMPTS: String(MAX_ATTEMPTS), RATE_LIMIT_REQUESTS_PER_MINUTE: '6000' } });
  });
  afterAll(() => gw?.close());

  it('counts the project’s attempts per minute by outcome, locked attempts included, and the users locked now', async () => {
    const before = await totals(gw.client);
    expect(before).toEqual({ byOutcome: {}, lockedUsers: 0 });
    const e = await gw.enroll({ verify: true });
    for (let i = 0; i < MAX_ATTEMPTS + 2; i++) await gw.client.request(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: wrongTotpCode(e.secret) } });

    const after = await totals(gw.client);
    expect(after.lockedUsers).toBe(1);
    // The verifying success, MAX_ATTEMPTS failures, then two attempts refused while locked (one aggregated row, counted twice).
    expect(after.byOutcome).toEqual({ success: 1, failure: MAX_ATTEMPTS, locked: 2 });

    const { authEventStats } = await gw.client.data(ConsoleOverviewDocument, { sinceMinutes: 5 });
    const since = Date.parse(authEventStats.since);
    expect(since % 60_000).toBe(0);
    for (const { minute } of authEventStats.minutes) expect(Date.parse(minute)).toBeGreaterThanOrEqual(since);
  });

  it('counts only the window: two hours on, the last hour holds only the newer attempt, the last day both', async () => {
    const { client } = await gw.newProject();
    const e = await gw.enroll({ verify: true, client });
    offsetMs += 2 * 60 * 60_000;
    await client.request(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: wrongTotpCode(e.secret, Date.now() + offsetMs) } });
    expect((await totals(client)).byOutcome).toEqual({ failure: 1 });
    expect((await totals(client, 1440)).byOutcome).toEqual({ success: 1, failure: 1 });
  });

  it('shows another project none of it', async () => {
    const other = await gw.newProject();
    expect(await totals(other.client)).toEqual({ byOutcome: {}, lockedUsers: 0 });
  });

  it('refuses a window out of 1..1440 minutes with invalid_stats_window', async () => {
    for (const sinceMinutes of [0, 1441]) {
      const response = await gw.client.request(ConsoleOverviewDocument, { sinceMinutes });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0].extensions.errorType).toBe('invalid_stats_window');
    }
  });

  it('adds and removes allowed origins, serialised, and refuses a malformed or unknown one', async () => {
    const { client } = await gw.newProject();
    const added = await client.data(AddAllowedOriginDocument, { input: { origin: 'https://App.example.com:443/' } });
    expect(added.addAllowedOrigin).toEqual({ origin: 'https://app.example.com', allowedOrigins: ['https://app.example.com'] });
    await client.data(AddAllowedOriginDocument, { input: { origin: 'http://127.0.0.1:5173' } });
    expect((await client.data(ConsoleProjectDocument, {})).project.allowedOrigins).toEqual(['http://127.0.0.1:5173', 'https://app.example.com']);

    const malformed = await client.request(AddAllowedOriginDocument, { input: { origin: 'https://app.example.com/path' } });
    expect(codes(malformed)).toEqual(['BAD_USER_INPUT']);
    expect(malformed.errors?.[0].extensions.errorType).toBe('invalid_origin');

    const removed = await client.data(RemoveAllowedOriginDocument, { input: { origin: 'https://app.example.com' } });
    expect(removed.removeAllowedOrigin.allowedOrigins).toEqual(['http://127.0.0.1:5173']);
    expect(codes(await client.request(RemoveAllowedOriginDocument, { input: { origin: 'https://app.example.com' } }))).toEqual(['ORIGIN_NOT_FOUND']);
  });

  it('changes TOTP settings, refuses a value out of its rule without writing anything, and shows the rate limit', async () => {
    const { client } = await gw.newProject();
    const updated = await client.data(UpdateProjectSettingsDocument, { input: { maxTotpsPerUser: 3, totpDigits: 8 } });
    expect(updated.updateProjectSettings).toMatchObject({ maxTotpsPerUser: 3, totpDefaults: { algorithm: 'SHA1', digits: 8, period: 30 } });

    const refused = await client.request(UpdateProjectSettingsDocument, { input: { maxTotpsPerUser: 11, totpPeriod: 60 } });
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors?.[0].extensions).toMatchObject({ errorType: 'invalid_project_setting', field: 'maxTotpsPerUser' });
    const { project } = await client.data(ConsoleProjectDocument, {});
    expect(project).toMatchObject({ maxTotpsPerUser: 3, totpDefaults: { period: 30 }, rateLimit: { requestsPerMinute: 6000, sessionRequestsPerMinute: 6000 } });
  });

  it('changes the MFA policy and remembered-device settings (left out or null unchanged); REQUIRED refuses an AAL1 session at once', async () => {
    const { client } = await gw.newProject();
    const userId = await gw.createUser({}, client);
    const { sessionToken } = (await client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60 } })).createSession;
    const assurance = async () => {
      const { project } = await client.data(ConsoleProjectDocument, {});
      return { mfaPolicy: project.mfaPolicy, rememberDevices: project.rememberDevices, rememberedDeviceAal2: project.rememberedDeviceAal2 };
    };
    expect(await assurance()).toEqual({ mfaPolicy: 'OPTIONAL', rememberDevices: false, rememberedDeviceAal2: false });

    const required = await client.data(UpdateProjectSettingsDocument, { input: { mfaPolicy: 'REQUIRED', rememberDevices: true } });
    expect(required.updateProjectSettings).toMatchObject({ mfaPolicy: 'REQUIRED', rememberDevices: true, rememberedDeviceAal2: false, maxTotpsPerUser: 1 });
    await client.data(UpdateProjectSettingsDocument, { input: { rememberedDeviceAal2: true, mfaPolicy: null, rememberDevices: null } });
    expect(await assurance()).toEqual({ mfaPolicy: 'REQUIRED', rememberDevices: true, rememberedDeviceAal2: true });
    expect(codes(await client.request(AuthenticateSessionDocument, { input: { sessionToken } }))).toEqual(['SECOND_FACTOR_REQUIRED']);

    // One bad value refuses the whole change: the good ones beside it are not written either.
    const refused = await client.request(UpdateProjectSettingsDocument, { input: { mfaPolicy: 'OPTIONAL', rememberDevices: false, maxTotpsPerUser: 0 } });
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errorType: 'invalid_project_setting', field: 'maxTotpsPerUser' });
    const unknownPolicy = await client.request(UpdateProjectSettingsDocument, { input: { mfaPolicy: 'SOMETIMES' as never } });
    expect(codes(unknownPolicy)).toEqual(['BAD_USER_INPUT']);
    expect(await assurance()).toEqual({ mfaPolicy: 'REQUIRED', rememberDevices: true, rememberedDeviceAal2: true });

    await client.data(UpdateProjectSettingsDocument, { input: { mfaPolicy: 'OPTIONAL' } });
    expect((await client.data(AuthenticateSessionDocument, { input: { sessionToken } })).authenticateSession.user.userId).toBe(userId);
  });
});
